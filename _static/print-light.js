// Paper is white: a page shown in the dark colour mode prints in the light one (light text on
// white paper would be unreadable, and the theme's dark colours reach code, tables and boxes),
// then returns to dark. Jupyter Book loads every script in _static/; see print.css.
(function () {
  var root = document.documentElement, screenTheme = null;
  window.addEventListener("beforeprint", function () {
    screenTheme = root.dataset.theme || null;
    if (screenTheme === "dark") root.dataset.theme = "light";
  });
  window.addEventListener("afterprint", function () {
    if (screenTheme === "dark") root.dataset.theme = "dark";
    screenTheme = null;
  });
})();
