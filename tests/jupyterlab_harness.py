"""Drive a real JupyterLab (or Notebook 7) server and headless Chromium, for tests and benchmarks.

The server runs on 127.0.0.1 with a random token, on a free port, over a temporary copy of the
chapters, with fresh Jupyter config, data, runtime, settings and workspace folders, so nothing of
the developer's own setup leaks in and nothing phones home (no news, no update check, a read-only
extension manager). It exposes the application object as ``window.jupyterapp`` (the switch
JupyterLab's own UI tests, Galata, use), so a page can run JupyterLab commands
(``notebook:run-all-cells``, ``docmanager:save``, ...) and read the notebook model.

What the installed packages put in ``{sys.prefix}/share/jupyter/lab/settings`` is kept: the book's
``overrides.d/reparam.json`` (save widget state with the notebook) is part of what is tested.

Typical use::

    root = copy_chapters(tmp_dir).parent
    with JupyterServer(root) as server, browser_session() as browser:
        page = new_page(browser)
        open_app(page, server)
        open_notebook(page, "chapters/02_score_function.ipynb")
        seconds, result = run_all(page)
        boxes = slider_boxes(page)               # cells with a live slider
        step = press_key(page, 0, "ArrowRight")  # {"before": ..., "after": {"ms": ..., "hash": ...}}
        save(page)

The server is stopped by its PID (SIGTERM, wait, SIGKILL) when the ``with`` block ends. Notebook 7
works the same way with ``JupyterServer(root, app="notebook")`` and
``open_app(page, server, path="notebooks/chapters/NAME.ipynb")``.

Found by experiment (JupyterLab 4.6.6, ipywidgets 8.1.9, jupyterlab-myst 2.7.0): the notebook is
``.jp-Notebook`` in ``.jp-NotebookPanel``; a slider is a ``.widget-vbox`` holding a noUiSlider
handle ``.noUi-handle`` (role=slider, ``aria-valuenow`` is the option index) and an
``img.widget-image`` whose ``src`` is a new blob URL for every new picture; jupyterlab-myst draws
each markdown cell into ``.myst`` (math with KaTeX, ``aside.myst-proof``,
``aside.myst-admonition``, ``aside.myst-exercise``, ``details.myst-exercise`` for solutions);
JupyterLab adds off-screen cells only when the CPU is idle (``cell.isPlaceholder()``);
``page.wait_for_function`` does not await a promise, so its predicates are synchronous.
"""
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_site_browser import CHROMIUM, CHROMIUM_ARGS, chromium_path, is_local  # noqa: E402

__all__ = [
    "CHROMIUM", "WIDGET_PLUGIN", "JupyterServer", "browser_session", "chromium_path", "click_handle",
    "close_all", "copy_chapters", "js", "js_predicate", "new_page", "open_app", "open_notebook",
    "output_pictures", "picture_hash", "press_key", "run_all", "save", "show_cells", "slider_boxes",
    "slider_notebooks", "wait_cells_attached", "wait_kernel_idle",
]

WIDGET_PLUGIN = "@jupyter-widgets/jupyterlab-manager:plugin"
# The site test's Chromium flags; its host resolver rule maps every name (IP literals included)
# to "not found" except localhost: let 127.0.0.1, where the server listens, through as well.
BROWSER_ARGS = [a + ", EXCLUDE 127.0.0.1" if a.startswith("--host-resolver-rules=") else a
                for a in CHROMIUM_ARGS]
VIEWPORT = {"width": 1280, "height": 1000}

# Settings of the fresh user settings folder: no notification asking to fetch news, no update check.
# (The server refuses to fetch news anyway: news_url=None.) Nothing about widgets: that must come
# from what `pip install -r requirements.txt` installed.
USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"checkForUpdates": False, "fetchNews": "false"},
}

SLIDER_CALL = r"(\b\w+_slider|\bSlider)\s*\("


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def slider_notebooks(folder):
    """(name, number of slider cells) of the notebooks in ``folder`` whose code calls a slider
    (``*_slider(`` or ``Slider(``, outside comments)."""
    found = []
    for path in sorted(Path(folder).glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
        count = sum(1 for c in cells if re.search(SLIDER_CALL, _code_without_comments("".join(c["source"]))))
        if count:
            found.append((path.name, count))
    return found


def _code_without_comments(source):
    return "\n".join(line.split("#", 1)[0] for line in source.splitlines())


def copy_chapters(destination, names=None):
    """Copy the chapters folder (or only ``names`` of it) to ``destination``/chapters; return that."""
    target = Path(destination) / "chapters"
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted((ROOT / "chapters").iterdir()):
        if path.name.startswith(".") or path.name.endswith("_checkpoints"):
            continue
        if names is not None and path.suffix == ".ipynb" and path.name not in names:
            continue
        if path.is_dir():
            shutil.copytree(path, target / path.name)
        else:
            shutil.copy2(path, target / path.name)
    return target


class JupyterServer:
    """A JupyterLab (``app="lab"``) or Notebook 7 (``app="notebook"``) server over ``root_dir``.

    Start it with ``start()`` or ``with``; ``stop()`` terminates the process it started, by PID.
    """

    def __init__(self, root_dir, app="lab", *, startup_timeout=90, extra_args=(), user_settings=None):
        if app not in ("lab", "notebook"):
            raise ValueError(f"app must be 'lab' or 'notebook', got {app!r}")
        self.root_dir = Path(root_dir).resolve()
        self.app = app
        self.startup_timeout = startup_timeout
        self.extra_args = list(extra_args)
        # {"<plugin file>.jupyterlab-settings": {...}} written into the fresh user settings folder,
        # e.g. {"@jupyter-widgets/jupyterlab-manager/plugin.jupyterlab-settings": {"saveState": False}}
        self.user_settings = {**USER_SETTINGS, **(user_settings or {})}
        self.token = secrets.token_hex(24)
        self.port = None
        self.process = None
        self.home = None
        self.log_path = None
        self._log = None

    # --- life cycle ----------------------------------------------------------------------------

    def start(self):
        self.home = Path(tempfile.mkdtemp(prefix=f"reparam-jupyter{self.app}-"))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_"))}
        dirs = {
            "JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data", "JUPYTER_RUNTIME_DIR": "runtime",
            "JUPYTERLAB_SETTINGS_DIR": "user-settings", "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
            "IPYTHONDIR": "ipython",
        }
        for variable, name in dirs.items():
            (self.home / name).mkdir()
            env[variable] = str(self.home / name)
        env["PYTHONUNBUFFERED"] = "1"
        for name, settings in self.user_settings.items():
            path = self.home / "user-settings" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(settings))
        self.port = free_port()
        script = Path(sys.executable).with_name("jupyter-lab" if self.app == "lab" else "jupyter-notebook")
        # Notebook 7 runs JupyterLab's server extension (LabApp) too, which serves news, update
        # checks and the extension manager for both front ends.
        command = [
            str(script), "--no-browser", "--allow-root",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root_dir}",
            "--ServerApp.terminals_enabled=False",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
            f"--{'LabApp' if self.app == 'lab' else 'JupyterNotebookApp'}.expose_app_in_browser=True",
            *self.extra_args,
        ]
        self.log_path = self.home / "server.log"
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(command, cwd=self.root_dir, env=env, stdout=self._log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if self.process.poll() is not None:
                message = f"jupyter {self.app} exited with {self.process.returncode}:\n{self.log_tail()}"
                self.stop()
                raise RuntimeError(message)
            try:
                self.api("GET", "api/status", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                if time.monotonic() > deadline:
                    message = f"jupyter {self.app} did not answer within {self.startup_timeout} s:\n{self.log_tail()}"
                    self.stop()
                    raise RuntimeError(message)
                time.sleep(0.2)
        return self

    def stop(self):
        """Stop the server this object started: its kernels through the API, then the server by its
        PID (SIGTERM, then SIGKILL after 20 s). The temporary folders are removed."""
        process = self.process
        if process is not None and process.poll() is None:
            try:  # kernels first, through the API: a SIGKILL of the server would leave them running
                self.shutdown_kernels()
            except (OSError, urllib.error.URLError, ValueError):
                pass
        self.process = None
        if process is not None and process.poll() is None:
            try:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
            except ProcessLookupError:
                pass
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.home is not None and not os.environ.get("REPARAM_KEEP_JUPYTER_HOME"):
            shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- talking to it -------------------------------------------------------------------------

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}/"

    def url(self, path=""):
        """A URL of the server that logs the browser in (the token sets a cookie)."""
        sep = "&" if "?" in path else "?"
        return f"{self.base_url}{path}{sep}token={self.token}"

    def api(self, method, path, body=None, timeout=30):
        request = urllib.request.Request(
            self.base_url + path, method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read().decode()
        return json.loads(text) if text else None

    def setting_default(self, plugin, key):
        """The default of a JupyterLab plugin's setting as the server sends it to the front end.

        The server writes the overrides of ``{sys.prefix}/share/jupyter/lab/settings/overrides.d``
        (and ``overrides.json``) into the schema's defaults; the fresh user settings are empty.
        """
        answer = self.api("GET", f"lab/api/settings/{plugin}")
        return answer["schema"]["properties"][key]["default"], answer["settings"].get(key)

    def shutdown_kernels(self):
        """Shut down every running kernel (as after a restart of the server or of the computer)."""
        for kernel in self.api("GET", "api/kernels"):
            self.api("DELETE", f"api/kernels/{kernel['id']}")

    def trust(self, path):
        """Sign the notebook at ``path`` with this server's key, as ``jupyter trust`` does (it then opens trusted)."""
        script = Path(sys.executable).with_name("jupyter-trust")
        env = {**os.environ, "JUPYTER_DATA_DIR": str(self.home / "data")}
        subprocess.run([str(script), str(self.root_dir / path)], env=env, check=True, capture_output=True)

    def read_notebook(self, path):
        """The notebook at ``path`` (relative to the root) as saved on disk."""
        return json.loads((self.root_dir / path).read_text(encoding="utf-8"))

    def log_tail(self, n=4000):
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except (OSError, AttributeError):
            return ""


# --- the browser -----------------------------------------------------------------------------


@contextmanager
def browser_session():
    """Headless Debian Chromium through Playwright; yields the Browser."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        raise RuntimeError(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=BROWSER_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, log=None, viewport=VIEWPORT):
    """A page in a fresh context that aborts (and records in ``log``) every non-local request.

    ``log`` (a dict, optional) collects ``requests`` (non-local URLs), ``console`` (console errors)
    and ``pageerrors`` (uncaught exceptions, with their stack).
    """
    log = {} if log is None else log
    for key in ("requests", "console", "pageerrors"):
        log.setdefault(key, [])
    context = browser.new_context(viewport=viewport, service_workers="block")

    def route(route_):
        if is_local(route_.request.url):
            route_.continue_()
        else:
            log["requests"].append(route_.request.url)
            route_.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and log["console"].append(m.text))
    page.on("pageerror", lambda e: log["pageerrors"].append(f"{e}\n{e.stack}"))
    return page


def open_app(page, server, path=None, timeout=120_000):
    """Load the application (JupyterLab, or Notebook 7's tree/notebook page) and wait until it has started.

    ``path``: what to load instead of the default page (``lab`` or ``tree``), e.g.
    ``notebooks/chapters/x.ipynb`` in Notebook 7.
    """
    if path is None:
        path = "lab?reset" if server.app == "lab" else "tree"
    page.goto(server.url(path), wait_until="domcontentloaded", timeout=timeout)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started", timeout=timeout)
    page.evaluate("async () => { await window.jupyterapp.started; await window.jupyterapp.restored; }")
    return page


# JavaScript helpers, evaluated in the page. `current()` is the notebook panel in the main area.
_JS_PRELUDE = """
const app = window.jupyterapp;
const current = () => {
  const w = app.shell.currentWidget;
  if (!w || !w.content || !w.content.model || !w.sessionContext) throw new Error('no notebook is current');
  return w;
};
"""


def js(body):
    """Wrap ``body`` (statements using ``app``, ``current()`` and ``arg``) as an async page function."""
    return f"async (arg) => {{ {_JS_PRELUDE}\n{body}\n}}"


def js_predicate(body):
    """Like :func:`js`, but synchronous: for ``page.wait_for_function``, which does not await promises."""
    return f"(arg) => {{ {_JS_PRELUDE}\n{body}\n}}"


def open_notebook(page, path, timeout=120_000, wait_kernel=True, wait_cells=True):
    """Open ``path`` (relative to the server root) as a notebook.

    Waits until its kernel is idle (``wait_kernel``) and every cell is in the page (``wait_cells``;
    JupyterLab adds cells out of view when the CPU is idle, which takes seconds for a long chapter).
    """
    page.evaluate(js("""
        const w = await app.commands.execute('docmanager:open', {path: arg, factory: 'Notebook'});
        await w.context.ready;
        app.shell.activateById(w.id);
    """), path)
    if wait_kernel:
        page.evaluate(js("await current().sessionContext.ready;"))
        wait_kernel_idle(page, timeout)
    if wait_cells:
        wait_cells_attached(page, timeout)


def show_cells(page, cells, timeout=60_000):
    """Scroll each of ``cells`` (indices) into view, so that JupyterLab draws them now."""
    for i in cells:
        page.evaluate(js("await current().content.scrollToItem(arg, 'center');"), i)
    page.wait_for_function(js_predicate("""
        const w = current();
        return arg.every(i => !w.content.widgets[i].isPlaceholder());
    """), arg=list(cells), timeout=timeout, polling=100)


def wait_cells_attached(page, timeout=120_000):
    """Wait until every cell is in the page (JupyterLab attaches off-screen cells when the CPU is idle)."""
    page.wait_for_function(js_predicate("""
        return current().content.widgets.every(c => !c.isPlaceholder());
    """), timeout=timeout, polling=200)


def wait_kernel_idle(page, timeout=120_000):
    page.wait_for_function(js_predicate("""
        const k = current().sessionContext.session && current().sessionContext.session.kernel;
        return !!k && k.status === 'idle' && k.connectionStatus === 'connected';
    """), timeout=timeout, polling=200)


def run_all(page, timeout=240_000):
    """Run all cells (command ``notebook:run-all-cells``) and wait until every cell has run.

    The command's promise resolves when the kernel has replied to every cell (JupyterLab's
    ``NotebookActions.runAll``). Returns ``(wall seconds, the command's result)``; the result is
    false when a cell failed.
    """
    start = time.monotonic()
    page.evaluate(js("""
        const w = current();
        window.__reparamRunAll = null;
        app.commands.execute('notebook:run-all-cells').then(
            ok => { window.__reparamRunAll = {ok: ok}; },
            err => { window.__reparamRunAll = {ok: false, error: String(err)}; });
    """))
    page.wait_for_function("() => window.__reparamRunAll !== null", timeout=timeout, polling=250)
    wait_kernel_idle(page, timeout)
    result = page.evaluate("() => window.__reparamRunAll")
    return time.monotonic() - start, result


def save(page):
    """Save the current notebook (``docmanager:save``) and wait until it is saved."""
    page.evaluate(js("""
        const w = current();
        await app.commands.execute('docmanager:save');
        await w.context.ready;
        if (w.context.model.dirty) throw new Error('still dirty after save');
    """))


def close_all(page, answer="discard", timeout=30):
    """Close every document (``application:close-all``), as a user closing the tabs.

    JupyterLab asks "Save your work" for a modified notebook; ``answer`` is the button pressed
    (``"discard"``, ``"save"``). Returns the number of such questions.
    """
    page.evaluate(js("app.commands.execute('application:close-all'); return null;"))
    button = {"discard": ".jp-Dialog button.jp-mod-warn", "save": ".jp-Dialog button.jp-mod-accept"}[answer]
    asked = 0
    deadline = time.monotonic() + timeout
    while page.evaluate(js("return Array.from(app.shell.widgets('main')).some(w => w.context);")):
        if page.locator(button).count():
            page.locator(button).first.click()
            asked += 1
        elif time.monotonic() > deadline:
            raise TimeoutError("documents still open after application:close-all")
        page.wait_for_timeout(100)
    return asked


# --- sliders (ipywidgets 8: a noUiSlider handle above an <img class="widget-image">) --------------

SLIDER_BOXES_JS = js("""
    const w = current();
    const boxes = [];
    w.content.widgets.forEach((cell, i) => {
      cell.node.querySelectorAll('.widget-vbox').forEach(box => {
        if (box.querySelector('.noUi-handle') && box.querySelector('img.widget-image')) boxes.push(i);
      });
    });
    return boxes;
""")

# Arm a measurement on slider box `arg` (index among the notebook's slider boxes): the next keydown
# on its handle starts the clock (the event's own timeStamp), the next change of the picture's src
# stops it, then the new picture is decoded and hashed. The result lands in window.__reparamKey.
ARM_KEY_JS = js("""
    const box = Array.from(document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .widget-vbox'))
                     .filter(b => b.querySelector('.noUi-handle') && b.querySelector('img.widget-image'))[arg];
    const img = box.querySelector('img.widget-image');
    const handle = box.querySelector('.noUi-handle');
    const before = img.getAttribute('src');
    let t0 = null;
    handle.addEventListener('keydown', e => { t0 = e.timeStamp; }, {capture: true, once: true});
    window.__reparamKey = new Promise((resolve) => {
      const timer = setTimeout(() => { observer.disconnect(); resolve({changed: false}); }, arg2timeout);
      const observer = new MutationObserver(async () => {
        if (img.getAttribute('src') === before) return;
        const t1 = performance.now();
        observer.disconnect();
        clearTimeout(timer);
        let decoded = null;
        try { await img.decode(); decoded = performance.now() - t0; } catch (e) {}
        const bytes = await (await fetch(img.src)).arrayBuffer();
        const digest = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)))
                            .map(b => b.toString(16).padStart(2, '0')).join('');
        resolve({changed: true, ms: t1 - t0, decoded_ms: decoded, hash: digest,
                 width: img.naturalWidth, height: img.naturalHeight});
      });
      observer.observe(img, {attributes: true, attributeFilter: ['src']});
    });
    if (arg3focus) handle.focus();
    return {readout: box.querySelector('.widget-readout').textContent, focused: document.activeElement === handle,
            active: document.activeElement ? document.activeElement.className.slice(0, 80) : null,
            now: +handle.getAttribute('aria-valuenow'), min: +handle.getAttribute('aria-valuemin'),
            max: +handle.getAttribute('aria-valuemax')};
""")

READ_KEY_JS = """async (i) => {
    const r = await window.__reparamKey;
    const box = Array.from(document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .widget-vbox'))
                     .filter(b => b.querySelector('.noUi-handle') && b.querySelector('img.widget-image'))[i];
    const handle = box.querySelector('.noUi-handle');
    return {...r, readout: box.querySelector('.widget-readout').textContent, now: +handle.getAttribute('aria-valuenow')};
}"""

PICTURE_HASH_JS = """async (i) => {
    const box = Array.from(document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .widget-vbox'))
                     .filter(b => b.querySelector('.noUi-handle') && b.querySelector('img.widget-image'))[i];
    const img = box.querySelector('img.widget-image');
    await img.decode();
    const bytes = await (await fetch(img.src)).arrayBuffer();
    return Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)))
                .map(b => b.toString(16).padStart(2, '0')).join('');
}"""


def slider_boxes(page):
    """Cell index of every live slider (slider handle and picture) in the current notebook, in order."""
    return page.evaluate(SLIDER_BOXES_JS)


def press_key(page, box, key, timeout_ms=15_000, focus=True):
    """Press ``key`` on the handle of slider ``box``; wait for the new picture.

    ``focus``: focus the handle first (as a click on it would); with ``focus=False`` the key goes
    wherever the focus is, as the next key of a user who keeps pressing would.

    Returns ``{"before": {readout, now, min, max, focused, active}, "after": {changed, ms,
    decoded_ms, hash, readout, now, ...}}``; ``focused``: the handle had the focus just before the
    press; ``ms``: key press to new picture ``src`` in the page's clock (the keydown event's
    timeStamp to the MutationObserver callback); ``decoded_ms``: to the decoded image.
    """
    before = page.evaluate(ARM_KEY_JS.replace("arg2timeout", str(int(timeout_ms)))
                           .replace("arg3focus", "true" if focus else "false"), box)
    page.keyboard.press(key)
    after = page.evaluate(READ_KEY_JS, box)
    return {"before": before, "after": after}


def click_handle(page, box):
    """Click the handle of slider ``box`` (in the middle, so it does not move), as a user starting to use it."""
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .widget-vbox").filter(
        has=page.locator("img.widget-image")).nth(box).locator(".noUi-handle").click()


def picture_hash(page, box):
    """SHA-256 of the PNG bytes shown by slider ``box``."""
    return page.evaluate(PICTURE_HASH_JS, box)


# What each given code cell shows: its outputs, whether one holds a loaded picture, and which kind.
OUTPUT_PICTURES_JS = js("""
    const w = current();
    return arg.map(i => {
      const cell = w.content.widgets[i];
      const outputs = Array.from(cell.node.querySelectorAll('.jp-OutputArea-output'));
      const imgs = outputs.flatMap(o => Array.from(o.querySelectorAll('img')));
      const loaded = imgs.filter(img => img.complete && img.naturalWidth > 0);
      return {cell: i, outputs: outputs.length, trusted: cell.model.trusted,
              kind: loaded.some(img => img.classList.contains('widget-image')) ? 'widget'
                    : loaded.length ? 'still' : 'none',
              pictures: loaded.length,
              text: outputs.map(o => o.textContent.trim()).join(' | ').slice(0, 200)};
    });
""")


def output_pictures(page, cells, timeout=60_000):
    """For each code cell index in ``cells``: what its output shows (see OUTPUT_PICTURES_JS).

    Waits until every listed cell shows a loaded picture or an error text, or ``timeout``.
    """
    try:
        page.wait_for_function(js_predicate("""
            const w = current();
            return arg.every(i => {
              const node = w.content.widgets[i].node;
              const imgs = Array.from(node.querySelectorAll('.jp-OutputArea-output img'));
              return imgs.some(img => img.complete && img.naturalWidth > 0)
                     || /Error displaying widget/.test(node.textContent);
            });
        """), arg=list(cells), timeout=timeout, polling=250)
    except Exception:  # report what is there instead
        pass
    return page.evaluate(OUTPUT_PICTURES_JS, list(cells))
