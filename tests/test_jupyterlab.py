"""The chapters in a real JupyterLab, driven by headless Chromium: MyST, live sliders, saved pictures.

One JupyterLab server (127.0.0.1, random token, fresh settings, nothing phoning home) over a
temporary copy of the chapters, and one browser, for the whole module (see ``jupyterlab_harness``).
One pass (fixture ``survey``) records everything; the tests then check the record:

- Every chapter, opened without running: jupyterlab-myst renders its markdown (no raw ``{glue``,
  ``:label:``, ``{cite}``, ``{prf:`` or other MyST syntax, math typeset by KaTeX without error,
  one box per theorem/proof/definition, exercise, solution and note directive, no empty box
  (except the one jupyterlab-myst draws for the closing fence of a solution split over cells) or
  empty markdown cell), and every inline ``{eval}`` shows its stored value.
- Every chapter whose code calls a slider (``slider_notebooks``): its stored ``{eval}`` results
  are forgotten, Run All finishes with no error and no stderr output, and every ``{eval}`` shows
  a value of this run. Every slider is clicked once, then ArrowRight, ArrowLeft, End, ArrowLeft,
  Home, ArrowRight must each give a new picture (new bytes), keep the focus and show a new value.
- Then Save: the saved file holds each slider's widget state (the book's setting
  ``jupyter-config/overrides.d/reparam.json`` turns on ipywidgets' saveState), and every slider
  cell shows a picture, never an error, (1) after closing the tab and opening the file again (the
  kernel still running; JupyterLab 4.6 with jupyterlab-myst reopens such a notebook untrusted, so
  it shows the output's still frame) and (2) in a fresh page after all kernels were shut down,
  the notebook trusted with ``jupyter trust``: JupyterLab then draws the widget view, from the saved
  widget state (without it: "Error displaying widget: model not found").

Timings and key-to-picture latencies are printed (``-s``); speed is not asserted here, see
``scripts/bench_jupyterlab_sliders.py``. Without Chromium the tests skip loudly, except in CI
(``CI`` set), where they fail.
"""
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest

import jupyterlab_harness as lab

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted(p.name for p in (ROOT / "chapters").glob("*.ipynb"))
SLIDER_CHAPTERS = [name for name, _ in lab.slider_notebooks(ROOT / "chapters")]
RUN_ALL_TIMEOUT_MS = 240_000  # a chapter that trains a model may take two minutes to run
KEYS = ["ArrowRight", "ArrowLeft", "End", "ArrowLeft", "Home", "ArrowRight"]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

# MyST syntax that must never reach the reader as text (outside code spans and code blocks).
RAW_MYST = [
    (re.compile(r"\{glue"), "{glue"),
    (re.compile(r":label:"), ":label:"),
    (re.compile(r":class:"), ":class:"),
    (re.compile(r"\{cite(:\w+)?\}"), "{cite}"),
    (re.compile(r"\{prf:"), "{prf:"),
    (re.compile(r"\{[a-z][\w:-]*\}`"), "a {role}`...`"),
    (re.compile(r"(`{3,}|:{3,})\{"), "a ```{directive} fence"),
    (re.compile(r"\$|\\\(|\\\[|\\begin\{"), "LaTeX ($, \\(, \\[ or \\begin)"),
]
FENCE = re.compile(r"^(`{3,}|:{3,})\{([\w:-]+)\}", re.M)
EVAL = re.compile(r"\{eval\}`([^`]+)`")
ADMONITIONS = {"admonition", "note", "tip", "warning", "important", "caution", "attention", "danger",
               "error", "hint", "seealso"}

# What jupyterlab-myst drew for each markdown cell of the current notebook: text without math,
# code spans or code blocks; KaTeX count and errors; the directive boxes; inline expressions left
# unevaluated (jupyterlab-myst shows an expression without a result as <code>expression</code>).
MARKDOWN_REPORT_JS = lab.js("""
    const w = current();
    return w.content.widgets.map((cell, i) => {
      if (cell.model.type !== 'markdown') return null;
      const source = cell.model.sharedModel.getSource();
      const myst = cell.node.querySelector('.myst');
      const expressions = arg[i] || [];
      const ue = cell.model.getMetadata('user_expressions') || [];
      if (!myst) return {cell: i, source: source.slice(0, 80), rendered: false, empty: !source.trim()};
      const clone = myst.cloneNode(true);
      clone.querySelectorAll('.katex, .katex-display, code, pre').forEach(n => n.remove());
      const boxes = {};
      const count = (key, sel) => { boxes[key] = myst.querySelectorAll(sel).length; };
      count('proof', 'aside.myst-proof');
      count('admonition', 'aside.myst-admonition');
      count('solution', 'details.myst-exercise');
      boxes.exercise = Array.from(myst.querySelectorAll('aside.myst-exercise'))
          .filter(a => /Exercise/.test((a.querySelector('.myst-exercise-title') || a).textContent)).length;
      const empty = Array.from(myst.querySelectorAll('.myst-proof, .myst-admonition, .myst-exercise'))
          .filter(b => !b.textContent.trim()).length;
      const codes = Array.from(myst.querySelectorAll('code')).map(c => c.textContent.trim());
      return {cell: i, rendered: true, text: clone.textContent, boxes, empty,
              katex: myst.querySelectorAll('.katex').length,
              katex_errors: Array.from(myst.querySelectorAll('.katex-error')).map(e => e.textContent.slice(0, 80)),
              unevaluated: expressions.filter(e => codes.includes(e)),
              results: ue.map(u => [u.expression, u.result && u.result.status])};
    }).filter(r => r !== null);
""")

ERROR_OUTPUTS_JS = lab.js("""
    const w = current();
    const found = [];
    w.content.widgets.forEach((cell, i) => {
      if (cell.model.type !== 'code') return;
      const outputs = cell.model.outputs.toJSON();
      outputs.forEach(o => {
        if (o.output_type === 'error') found.push({cell: i, kind: 'error', text: (o.ename + ': ' + o.evalue).slice(0, 300)});
        if (o.output_type === 'stream' && o.name === 'stderr') found.push({cell: i, kind: 'stderr', text: String(o.text).slice(0, 300)});
      });
      if (/Error displaying widget/.test(cell.node.textContent)) found.push({cell: i, kind: 'widget', text: 'Error displaying widget'});
    });
    return found;
""")


def _require_chromium():
    if lab.chromium_path() is None:
        message = (f"!!! JUPYTERLAB BROWSER TESTS NOT RUN: {lab.CHROMIUM} is missing (apt-get install chromium). "
                   "The chapters and sliders were not checked in JupyterLab. !!!")
        if os.environ.get("CI"):
            pytest.fail(message + " In CI the browser tests must run.")
        pytest.skip(message)


def _source(cell):
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


def _markdown_report(page, settle_s=0):
    """(notebook JSON, per markdown cell report) of the current notebook, once every cell is drawn.

    ``settle_s``: while an {eval} shows no value, look again for up to this many seconds (the
    markdown cells are drawn again when their expressions' results arrive).
    """
    deadline = time.monotonic() + settle_s
    while True:
        nb, report = _markdown_report_once(page)
        if time.monotonic() > deadline or not any(r.get("unevaluated") for r in report):
            return nb, report
        page.wait_for_timeout(250)


def _markdown_report_once(page):
    lab.wait_cells_attached(page)
    nb = page.evaluate(lab.js("return current().content.model.toJSON();"))
    expressions = {str(i): EVAL.findall(_source(c)) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "markdown"}
    page.wait_for_function(lab.js_predicate("""
        return current().content.widgets.every(c => c.model.type !== 'markdown' || c.node.querySelector('.myst')
                                                    || !c.model.sharedModel.getSource().trim());
    """), timeout=60_000, polling=250)
    return nb, page.evaluate(MARKDOWN_REPORT_JS, expressions)


def _markdown_problems(nb, report):
    """Raw MyST, math errors, missing or empty boxes and unevaluated expressions, by kind."""
    problems = {}
    add = lambda kind, what: problems.setdefault(kind, []).append(what)  # noqa: E731
    fences = {}
    for c in nb["cells"]:
        if c["cell_type"] == "markdown":
            for m in FENCE.finditer(_source(c)):
                fences[m.group(2)] = fences.get(m.group(2), 0) + 1
    boxes = {"proof": 0, "admonition": 0, "exercise": 0, "solution": 0}
    math_cells = 0
    for r in report:
        if not r["rendered"]:
            add("markdown cell not rendered" + (" (an empty markdown cell)" if r.get("empty") else ""),
                f"cell {r['cell']}: {r['source']!r}")
            continue
        for pattern, name in RAW_MYST:
            m = pattern.search(r["text"])
            if m:
                add(f"raw {name}", f"cell {r['cell']}: ...{r['text'][max(0, m.start() - 50):m.end() + 50]!r}...")
        if r["katex_errors"]:
            add("KaTeX error", f"cell {r['cell']}: {r['katex_errors']}")
        math_cells += r["katex"] > 0
        for key in boxes:
            boxes[key] += r["boxes"][key]
        # jupyterlab-myst 2.7 renders each cell on its own, so the closing fence of a solution split
        # over several cells ({solution-start} ... code cells ... {solution-end}, as the site needs
        # for executed solutions) is drawn as an empty box. That box, and only that one, is allowed.
        split_ends = len(re.findall(r"\{solution-end\}", _source(nb["cells"][r["cell"]])))
        if r["empty"] > split_ends:
            add("empty box", f"cell {r['cell']}: {r['empty']} empty box(es), {split_ends} {{solution-end}}")
        if r["unevaluated"]:
            add("{eval} without a value", f"cell {r['cell']}: {r['unevaluated']}")
        bad = [e for e, status in r["results"] if status != "ok"]
        if bad:
            add("{eval} result not ok", f"cell {r['cell']}: {bad}")
    expected = {
        "proof": sum(n for k, n in fences.items() if k.startswith("prf:")),
        "admonition": sum(n for k, n in fences.items() if k in ADMONITIONS),
        "exercise": fences.get("exercise", 0),
        "solution": fences.get("solution", 0) + fences.get("solution-start", 0),
    }
    for key, n in expected.items():
        if boxes[key] != n:
            add("directive boxes", f"{n} {key} directive(s) in the source, {boxes[key]} {key} box(es) drawn")
    has_math = any("$" in _source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    if has_math and not math_cells:
        add("math", "the markdown has $...$ but no KaTeX output")
    return problems


def _slider_cells(nb):
    return [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
            and re.search(lab.SLIDER_CALL, lab._code_without_comments(_source(c)))]


def _move_sliders(page, boxes):
    """Press every key of KEYS on every slider; return (problems, latencies in ms)."""
    problems, latencies = [], []
    for b, cell in enumerate(boxes):
        page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .widget-vbox").nth(b).scroll_into_view_if_needed()
        previous = lab.picture_hash(page, b)
        lab.click_handle(page, b)  # as a user would; then the keys go wherever the focus is
        for key in KEYS:
            step = lab.press_key(page, b, key, focus=False)
            before, after = step["before"], step["after"]
            expected = {"ArrowRight": before["now"] + 1, "ArrowLeft": before["now"] - 1,
                        "End": before["max"], "Home": before["min"]}[key]
            where = f"cell {cell}, {key} at {before['readout']!r}"
            if not before["focused"]:
                problems.append(f"{where}: the slider lost the keyboard focus (to {before['active']!r})")
                break
            if not after["changed"]:
                problems.append(f"{where}: the picture did not change")
                continue
            latencies.append(after["ms"])
            if after["hash"] == previous:
                problems.append(f"{where}: a new picture with the same bytes")
            if after["now"] != expected:
                problems.append(f"{where}: the slider is at position {after['now']}, expected {expected}")
            elif after["readout"] == before["readout"]:
                problems.append(f"{where}: the shown value stayed {after['readout']!r} (two positions, one label)")
            if not after["width"]:
                problems.append(f"{where}: the new picture did not decode")
            previous = after["hash"]
    return problems, latencies


def _saved_state_problems(nb_file, cells):
    """Slider outputs of the saved file whose widget model is missing from its saved widget state."""
    state = nb_file["metadata"].get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    views = [o["data"][WIDGET_VIEW]["model_id"] for i in cells for o in nb_file["cells"][i].get("outputs", [])
             if WIDGET_VIEW in o.get("data", {})]
    problems = [] if len(views) == len(cells) else [f"slider outputs {views} for slider cells {cells}"]
    problems += [f"no saved state for widget {v}" for v in views if v not in state]
    return problems


def _reopened(page, path, cells, wait_kernel=True):
    """Open ``path``; what its slider cells show (a widget view waits for the kernel to start)."""
    lab.open_notebook(page, path, wait_kernel=wait_kernel, wait_cells=False)
    lab.show_cells(page, cells)
    return lab.output_pictures(page, cells)


@pytest.fixture(scope="module")
def survey():
    """Everything the tests check, found in one pass with one server and one browser.

    Every chapter is opened (not run) and its markdown recorded. A chapter with sliders is then
    run (Run All), its sliders moved with the keys, saved, closed and reopened. At the end all
    kernels are shut down, the saved slider chapters trusted, and each is opened in a fresh page.
    """
    _require_chromium()
    root = Path(tempfile.mkdtemp(prefix="reparam-lab-root-"))
    lab.copy_chapters(root)
    server = lab.JupyterServer(root)
    found = {"chapters": {}, "log": {}, "timings": {}}
    log = found["log"]
    try:
        start = time.monotonic()
        server.start()
        found["save_state_default"] = server.setting_default(lab.WIDGET_PLUGIN, "saveState")
        with lab.browser_session() as browser:
            page = lab.new_page(browser, log)
            lab.open_app(page, server)
            found["timings"]["server, browser and JupyterLab up"] = time.monotonic() - start
            for name in CHAPTERS:
                t0 = time.monotonic()
                path = f"chapters/{name}"
                chapter = found["chapters"][name] = {"path": path}
                lab.open_notebook(page, path, wait_kernel=False)  # Run All waits for the kernel
                chapter["opened"] = _markdown_report(page)
                if name in SLIDER_CHAPTERS:
                    cells = chapter["slider_cells"] = _slider_cells(chapter["opened"][0])
                    # Forget the stored {eval} results, so that the values shown after Run All are
                    # the ones this run computed.
                    page.evaluate(lab.js("""current().content.widgets.forEach(c => {
                        if (c.model.type === 'markdown') c.model.deleteMetadata('user_expressions'); });"""))
                    chapter["run_seconds"], chapter["run"] = lab.run_all(page, timeout=RUN_ALL_TIMEOUT_MS)
                    chapter["errors"] = page.evaluate(ERROR_OUTPUTS_JS)
                    chapter["ran"] = _markdown_report(page, settle_s=10)
                    chapter["boxes"] = lab.slider_boxes(page)
                    chapter["keys"], chapter["latencies"] = _move_sliders(page, chapter["boxes"])
                    lab.save(page)
                    chapter["saved_state"] = _saved_state_problems(server.read_notebook(path), cells)
                    lab.close_all(page)
                    chapter["shown"] = {"tab closed and reopened": _reopened(page, path, cells)}
                lab.close_all(page)
                found["timings"][name] = time.monotonic() - t0
            found["server_log"] = server.log_path.read_text(errors="replace")
            # The next day: no kernel, a fresh page; the notebooks trusted, so that JupyterLab draws
            # the widget views (from the saved widget state) instead of the outputs' still frames.
            t0 = time.monotonic()
            server.shutdown_kernels()
            page.context.close()
            page = lab.new_page(browser, log)
            lab.open_app(page, server)
            for name in SLIDER_CHAPTERS:
                chapter = found["chapters"][name]
                server.trust(chapter["path"])
                chapter["shown"]["fresh page, new kernel, trusted"] = _reopened(
                    page, chapter["path"], chapter["slider_cells"], wait_kernel=False)
                lab.close_all(page)
            server.shutdown_kernels()
            found["timings"]["fresh page, new kernel, trusted"] = time.monotonic() - t0
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    print("\nJupyterLab survey timings (s): " + ", ".join(f"{k}: {v:.1f}" for k, v in found["timings"].items()))
    for name in SLIDER_CHAPTERS:
        c = found["chapters"][name]
        if "run_seconds" in c:
            print(f"{name}: Run All {c['run_seconds']:.1f} s; key to picture (ms) "
                  f"{sorted(round(x) for x in c['latencies'])}; shown after saving: "
                  + "; ".join(f"{how}: {[s['kind'] for s in shown]}" for how, shown in c["shown"].items()))
    return found


def _chapter(survey, name):
    chapter = survey["chapters"][name]
    if name in SLIDER_CHAPTERS and "shown" not in chapter:
        pytest.fail(f"{name}: the survey did not get this far")
    return chapter


def test_widget_state_is_saved_by_default(survey):
    """jupyter-config/overrides.d/reparam.json, installed by requirements.txt, turns saveState on."""
    default, user = survey["save_state_default"]
    assert default is True and user is None, (
        f"{lab.WIDGET_PLUGIN} saveState: default {default}, user setting {user}; install the book's setting "
        "with `pip install ./jupyter-config` (a line of requirements.txt)")


def test_kernel_websockets_send_without_delay(survey):
    """jupyter-config's server extension replaced the kernel websocket connection (TCP_NODELAY)."""
    from reparam_jupyter_settings import LOADED_MESSAGE

    assert LOADED_MESSAGE in survey.get("server_log", ""), (
        "the server never loaded reparam_jupyter_settings; install the book's settings with "
        "`pip install ./jupyter-config` (a line of requirements.txt)")


@pytest.mark.parametrize("name", CHAPTERS)
def test_markdown_renders_as_myst(survey, name):
    """Opened without running: no raw MyST, math typeset, a box per directive, stored values shown."""
    nb, report = survey["chapters"][name]["opened"]
    problems = _markdown_problems(nb, report)
    assert not problems, f"{name} opened in JupyterLab (not run):\n" + "\n".join(
        f"- {kind}: {whats}" for kind, whats in problems.items())


@pytest.mark.parametrize("name", SLIDER_CHAPTERS)
def test_run_all_without_errors(survey, name):
    chapter = _chapter(survey, name)
    assert chapter["run"]["ok"], f"{name}: Run All reported a failure: {chapter['run']}"
    assert not chapter["errors"], f"{name}: error or stderr outputs after Run All: {chapter['errors']}"


@pytest.mark.parametrize("name", SLIDER_CHAPTERS)
def test_run_all_evaluates_inline_expressions(survey, name):
    """After Run All every markdown {eval} shows a value of this run (jupyterlab-myst evaluates them)."""
    chapter = _chapter(survey, name)
    nb, report = chapter["ran"]
    problems = {k: v for k, v in _markdown_problems(nb, report).items() if "{eval}" in k}
    assert not problems, f"{name} after Run All: {problems}"


@pytest.mark.parametrize("name", SLIDER_CHAPTERS)
def test_every_slider_redraws_on_every_key(survey, name):
    """ArrowRight, ArrowLeft, End, ArrowLeft, Home, ArrowRight: a new picture every time."""
    chapter = _chapter(survey, name)
    assert chapter["boxes"] == chapter["slider_cells"], (
        f"{name}: live sliders in cells {chapter['boxes']}, slider calls in cells {chapter['slider_cells']}")
    assert not chapter["keys"], f"{name}: " + "; ".join(chapter["keys"])


@pytest.mark.parametrize("name", SLIDER_CHAPTERS)
def test_saved_notebook_keeps_its_pictures(survey, name):
    """After Save, every slider cell shows a picture, never an error, however the notebook is reopened."""
    chapter = _chapter(survey, name)
    assert not chapter["saved_state"], (
        f"{name}: the saved notebook lacks its sliders' widget state ({chapter['saved_state']}); is "
        f"{lab.WIDGET_PLUGIN} saveState on?")
    problems = {how: [s for s in shown if s["outputs"] != 1 or s["kind"] == "none"
                      or "Error displaying widget" in s["text"]]
                for how, shown in chapter["shown"].items()}
    problems = {how: bad for how, bad in problems.items() if bad}
    assert not problems, f"{name}: slider cells without a picture after saving: {problems}"
    trusted = chapter["shown"]["fresh page, new kernel, trusted"]
    assert all(s["kind"] == "widget" for s in trusted), (
        f"{name}: trusted and reopened with a new kernel, the sliders should be widget views drawn from "
        f"the saved widget state: {trusted}")


def test_no_request_leaves_the_machine(survey):
    assert not survey["log"]["requests"], f"JupyterLab asked for non-local addresses: {survey['log']['requests']}"


def test_no_uncaught_page_error(survey):
    """No uncaught exception in the page, except a known, harmless one of JupyterLab 4.6's cell toolbar."""
    known = re.compile(r"_markdownOverlapsToolbar|_cellToolbarOverlapsContents")
    errors = [e for e in survey["log"]["pageerrors"] if not known.search(e)]
    assert not errors, f"uncaught exceptions in JupyterLab: {errors}"


NOTEBOOK7_CHAPTER = "04_gumbel_max.ipynb"  # the quickest chapter with a slider to run


@pytest.fixture(scope="module")
def notebook7():
    """One chapter with a slider in Notebook 7 (the same server, its one-document front end): run, keys."""
    _require_chromium()
    root = Path(tempfile.mkdtemp(prefix="reparam-nb7-root-"))
    lab.copy_chapters(root, names={NOTEBOOK7_CHAPTER})
    found = {"log": {}}
    try:
        with lab.JupyterServer(root, app="notebook") as server, lab.browser_session() as browser:
            page = lab.new_page(browser, found["log"])
            lab.open_app(page, server, path=f"notebooks/chapters/{NOTEBOOK7_CHAPTER}")
            page.evaluate("async () => { await window.jupyterapp.started; await window.jupyterapp.restored; }")
            lab.wait_kernel_idle(page)
            found["run_seconds"], found["run"] = lab.run_all(page, timeout=RUN_ALL_TIMEOUT_MS)
            found["errors"] = page.evaluate(ERROR_OUTPUTS_JS)
            found["keys"], found["latencies"] = _move_sliders(page, lab.slider_boxes(page))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return found


def test_notebook7_runs_a_chapter_and_its_slider_answers_every_key(notebook7):
    """In Notebook 7 the arrow keys on a slider used to select headings (its command-mode shortcuts):
    jupyter-config/overrides.d/reparam.json keeps those shortcuts to focused cells."""
    assert notebook7["run"].get("ok"), f"Run All failed in Notebook 7: {notebook7['run']}"
    assert not notebook7["errors"], f"error outputs in Notebook 7: {notebook7['errors']}"
    assert not notebook7["keys"], f"slider keys in Notebook 7: {notebook7['keys']}"
    assert not notebook7["log"]["requests"], f"non-local requests: {notebook7['log']['requests']}"
    # Notebook 7.6.5's shortcuts plugin reads the schema of a plugin that is not loaded when another
    # plugin's settings change (notebook_core: pluginChanged -> t.plugins[i].schema); it does so
    # without any of the book's settings installed too, and nothing visible breaks.
    known = re.compile(r"^TypeError: Cannot read properties of undefined \(reading 'schema'\)\n"
                       r"\s+at \S+/static/notebook/notebook_core\.", re.M)
    # and the cell toolbar's harmless error that test_no_uncaught_page_error also allows in JupyterLab.
    toolbar = re.compile(r"_markdownOverlapsToolbar|_cellToolbarOverlapsContents")
    errors = [e for e in notebook7["log"]["pageerrors"] if not known.search(e) and not toolbar.search(e)]
    assert not errors, f"uncaught exceptions in Notebook 7: {errors}"
