"""Sphinx extension: the book in two languages, each page linked to itself in the other.

``scripts/build_book.py`` builds the English site into ``_build/html`` and the Korean one (Sphinx's
``language = "ko"``, text from ``locales/ko``) into ``_build/html/ko``, and gives each build
``language_switch``: where the other languages' sites lie relative to this one's root, e.g.
``{"ko": "ko/"}``. With it, every page gets a link in its top bar, next to the theme's buttons, to
the same page in the other language: relative (it works from ``file://``), with ``hreflang`` and
``lang``. Without it (``jupyter-book build .``, the course editions) pages get no switch, so none
links to a site that was not built.

For a build in another language than English it also

- names the book in that language: the HTML title is the translation of the root page's title in
  the root page's catalogue (the root page's first heading is the book's title), if there is one;
- translates the captions of the table of contents' parts: sphinx-external-toc puts the table into
  the root page (its transform has priority 100) after Sphinx has translated the page (``Locale``,
  priority 20): without this the captions, messages of the root page's catalogue, would stay English;
- breaks Korean lines between words, not inside them (``static/bilingual.css``);
- marks the sliders as English (``lang="en"``): their alt texts and labels are written by
  ``reparam.widgets`` in Python when the notebook runs, in English, and a screen reader must read
  them with an English voice.

And it tells the notebooks' kernel the build's language (``REPARAM_LANGUAGE``, read by
``reparam.selfcheck``), so that a chapter's self-check questions come in that language.
"""
import os
from pathlib import Path

from sphinx import addnodes
from sphinx.locale import init as init_locale
from sphinx.transforms import SphinxTransform
from sphinx.util.i18n import docname_to_domain

#: The environment variable ``reparam.selfcheck`` reads (its ``LANGUAGE_ENV``).
LANGUAGE_ENV = "REPARAM_LANGUAGE"
#: Each language's name in itself: the text of a link to it.
NAMES = {"en": "English", "ko": "한국어"}
HERE = Path(__file__).resolve().parent
TEMPLATE, STYLE = "language-switch.html", "bilingual.css"
SLIDER = '<div class="reparam-slider"'


def _configure(app, config):
    os.environ[LANGUAGE_ENV] = config.language or "en"
    unknown = set(config.language_switch) - set(NAMES)
    if unknown:
        raise ValueError(f"language_switch: no name for the language(s) {sorted(unknown)}; known: {sorted(NAMES)}")
    if config.language_switch or (config.language or "en") != "en":  # the switch's style, Korean line breaks
        config.html_static_path = [*config.html_static_path, str(HERE / "static")]
        app.add_css_file(STYLE)
    if config.language_switch:
        config.templates_path = [*config.templates_path, str(HERE / "templates")]
        # Before the theme's own buttons (sphinx-book-theme's default for this slot is only those).
        end = config.html_theme_options.get("article_header_end", ["article-header-buttons.html"])
        end = [end] if isinstance(end, str) else list(end)
        config.html_theme_options = {**config.html_theme_options, "article_header_end": [TEMPLATE, *end]}


def _name_the_book(app):
    # At builder-inited, not config-inited: sphinx-external-toc sets root_doc during config-inited.
    if (app.config.language or "en") != "en":
        app.config.html_title = _translated(app, app.config.html_title)


def _translated(app, text):
    """``text`` as translated in the root page's catalogue, or ``text`` itself if it is not.

    Read from the ``.po`` file: the builder compiles the catalogues only after it is initialised."""
    from babel.messages.pofile import read_po

    config = app.config
    for folder in config.locale_dirs:
        catalogue = Path(app.srcdir, folder, config.language, "LC_MESSAGES", f"{config.root_doc}.po")
        if catalogue.is_file():
            with catalogue.open("rb") as file:
                message = read_po(file).get(text)
            if message is not None and message.string and not message.fuzzy:
                return message.string
    return text


class TranslateTocCaptions(SphinxTransform):
    """The captions of the parts of the table of contents, from the page's catalogue (see above)."""

    default_priority = 101  # after sphinx-external-toc's InsertToctrees (100)

    def apply(self):
        if (self.config.language or "en") == "en":
            return
        captioned = [node for node in self.document.findall(addnodes.toctree) if node.get("caption")]
        if not captioned:
            return
        # The call of Sphinx's own Locale transform, so the same (cached) catalogue.
        folders = [str(Path(self.env.srcdir, folder)) for folder in self.config.locale_dirs]
        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        catalogue, found = init_locale(folders, self.config.language, domain)
        if found:
            for node in captioned:
                node["caption"] = catalogue.gettext(node["caption"])


def _page_context(app, pagename, templatename, context, doctree):
    here = app.config.language or "en"
    up, page = "../" * pagename.count("/"), app.builder.get_target_uri(pagename)
    context["language_switch"] = [{"href": up + root + page, "lang": language, "label": NAMES[language]}
                                  for language, root in app.config.language_switch.items()]
    body = context.get("body")
    if here != "en" and body and SLIDER in body:
        context["body"] = body.replace(SLIDER, SLIDER + ' lang="en"')


def setup(app):
    app.add_config_value("language_switch", {}, "html", types=[dict])
    app.connect("config-inited", _configure)
    app.connect("builder-inited", _name_the_book)
    app.add_transform(TranslateTocCaptions)
    app.connect("html-page-context", _page_context)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
