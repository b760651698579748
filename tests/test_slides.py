"""Slides: the chapters' slide metadata, the static decks in a browser, and a live presentation.

- ``tools/slide_metadata.py --check`` passes on every chapter (the stored metadata is the rules').
- The rules themselves, on small notebooks made here.
- ``scripts/build_slides.py`` builds every chapter's deck from the stored outputs; headless
  Chromium opens each from ``file://`` with every non-local request aborted (the guard of
  ``test_site_browser``) and steps through it to the end with reveal.js's API, checking at every
  step: no console error, math typeset by the local MathJax (no MathJax error, no raw ``$``,
  ``\\frac``, ``\\begin``), no raw MyST (``{prf:``, ``{eval}``, ``:label:``, ...), and nothing
  wider than the slide (a tall slide scrolls, a wide one would be cut off).
- With the built site's slider frames (session fixture ``site``), a deck's slider answers the arrow
  keys and the slide stays where it is.
- In a real JupyterLab, jupyterlab-slideshow presents chapter 2: the slider's slide shows the
  introduction and the slider cell, the presenter runs them (Shift+Enter, Ctrl+Enter), and every
  key on the live slider redraws the picture without leaving the slide.

Browser tests skip loudly without Chromium, except in CI, where they fail.
"""
import json
import os
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import build_slides  # noqa: E402
import slide_metadata  # noqa: E402
import jupyterlab_harness as lab  # noqa: E402
from test_site_browser import chromium_path, new_context, watch  # noqa: E402

CHAPTERS = sorted((ROOT / "chapters").glob("[0-9]*.ipynb"))
#: What must not be seen on a slide: MyST that was not converted, and TeX that was not typeset.
RAW = ["{prf:", "{eval}", "{cite", "{doc}", "{ref}", "{numref}", "{eq}", "{exercise", "{solution",
       "{admonition", ":label:", ":class:", "```", "$", "\\frac", "\\begin", "\\mathbb"]

# Everything the test reads from a deck at one step, after MathJax has finished.
STEP_JS = r"""
(raw) => {
  const slide = Reveal.getCurrentSlide();
  const skip = 'SCRIPT,STYLE,MJX-CONTAINER,MJX-ASSISTIVE-MML,TEXTAREA';
  const walker = document.createTreeWalker(slide, NodeFilter.SHOW_TEXT, {acceptNode(t) {
    for (let e = t.parentElement; e && e !== slide; e = e.parentElement) {
      if (skip.split(',').includes(e.tagName)) return NodeFilter.FILTER_REJECT;
      if (e.closest('.jp-CodeCell .jp-InputArea, .jp-OutputArea-output pre')) return NodeFilter.FILTER_REJECT;
    }
    return NodeFilter.FILTER_ACCEPT; }});
  const found = [];
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent;
    for (const r of raw) if (text.includes(r)) found.push(text.trim().slice(0, 80));
  }
  const i = Reveal.getIndices();
  return {where: `${i.h}/${i.v}/${i.f === undefined ? '-' : i.f}`, raw: found,
          errors: [...slide.querySelectorAll('mjx-merror, [data-mjx-error]')].map(e => e.textContent.slice(0, 80)),
          wide: slide.scrollWidth > slide.clientWidth + 1 ? slide.scrollWidth - slide.clientWidth : 0,
          tall: slide.scrollHeight > slide.clientHeight + 1,
          scrolls: ['auto', 'scroll'].includes(getComputedStyle(slide).overflowY)};
}
"""


def run_tool(capsys, *args):
    """Run ``tools/slide_metadata.py`` with ``args`` (in this process); return (exit status, output)."""
    try:
        status = slide_metadata.main([str(a) for a in args])
    except SystemExit as exit_:  # argparse's errors
        status = exit_.code
    out = capsys.readouterr()
    return status, out.out + out.err


# --- the metadata -------------------------------------------------------------------------------


def test_chapters_carry_the_slide_metadata_of_the_rules(capsys):
    status, out = run_tool(capsys, "--check", *CHAPTERS)
    assert status == 0, "run `.venv/bin/python tools/slide_metadata.py chapters/*.ipynb`:\n" + out[-3000:]


def _notebook(*cells):
    made = []
    for kind, source in cells:
        made.append(nbformat.v4.new_markdown_cell(source) if kind == "md" else nbformat.v4.new_code_cell(source))
    return nbformat.v4.new_notebook(cells=made)


def test_rules_on_a_small_notebook(tmp_path, capsys):
    nb = _notebook(
        ("md", "# Title\n\nOne line."),
        ("code", "import numpy as np"),
        ("md", "## A section\n\nText."),
        ("md", "The slider below moves the temperature."),
        ("code", "widgets.gumbel_softmax_bars_slider()"),
        ("md", "After the slider."),
        ("code", "x = 1"),
        ("md", "What x means."),
        ("md", "````{exercise}\n:label: ex-1\nDo it.\n````\n\n````{solution-start} ex-1\n````\n\nAnswer:"),
        ("code", "answer = 42"),
        ("md", "````{solution-end}\n````"),
        ("md", "### Deeper\n\n" + "A long paragraph. " * 200),
    )
    assert slide_metadata.slide_types(nb) == [
        "slide", "-", "slide", "subslide", "-", "subslide", "-", "fragment", "subslide", "skip", "skip", "subslide"]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    assert run_tool(capsys, "--check", path)[0] == 1
    assert run_tool(capsys, path)[0] == 0
    written = json.loads(path.read_text())
    assert "slideshow" not in written["cells"][1]["metadata"]  # continuing: no slide_type at all
    assert written["cells"][0]["metadata"]["slideshow"] == {"slide_type": "slide"}
    assert run_tool(capsys, "--check", path)[0] == 0
    assert "0 change(s)" in run_tool(capsys, path)[1]  # idempotent


def test_tool_names_a_bad_argument(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("not a notebook")
    status, out = run_tool(capsys, tmp_path / "notes.txt")
    assert status == 2 and "notebooks:" in out and "notes.txt" in out


def test_myst_becomes_deck_markdown():
    chapter = build_slides.Chapter(4, {}, {"02_score_function": "The score-function estimator"},
                                   {"williams1992simple": ("Williams", "1992"),
                                    "mohamed2020monte": ("Mohamed et al.", "2020")})
    text = ("$$\na = b\n$$ (eq-x)\n\n````{prf:theorem} Big\n:label: thm-x\nBody {eval}`v`.\n````\n\n"
            "See {eq}`eq-x`, {prf:ref}`thm-x`, {doc}`02_score_function`, {cite}`williams1992simple` "
            "and {cite:t}`mohamed2020monte`.")
    out = build_slides.convert_markdown(text, chapter, {"v": "0.25"})
    assert "a = b\\tag{4.1}$$" in out
    assert "<strong>Theorem 4.1 (Big)</strong>" in out and "Body 0.25." in out
    assert ("See (4.1), Theorem 4.1, The score-function estimator, [Williams, 1992] and "
            "Mohamed et al. [2020].") in out
    with pytest.raises(ValueError, match=r"\{eval\}`w`"):
        build_slides.convert_markdown("{eval}`w`", chapter, {})
    with pytest.raises(ValueError, match="thm-nowhere"):
        build_slides.convert_markdown("{prf:ref}`thm-nowhere`", chapter, {})


# --- the static decks ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    """Chromium with the JupyterLab harness's flags: the site tests' host-name wall, with
    127.0.0.1 (where the JupyterLab of the live test listens) let through. The decks' pages abort
    every non-local request anyway (``new_context``)."""
    if chromium_path() is None:
        message = "!!! SLIDE BROWSER TESTS NOT RUN: chromium is missing (apt-get install chromium). !!!"
        if os.environ.get("CI"):
            pytest.fail(message + " In CI the browser tests must run.")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=lab.BROWSER_ARGS,
                                             headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    out = tmp_path_factory.mktemp("slides")
    return build_slides.build(CHAPTERS, out, site=None, log=lambda *_: None)


def open_deck(browser, path, log):
    context = new_context(browser, log)
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 720})
    watch(page, log)
    page.goto(Path(path).as_uri())
    page.wait_for_function("() => window.Reveal && Reveal.isReady() && window.MathJax && MathJax.startup"
                           " && MathJax.startup.promise", timeout=30_000)
    page.evaluate("async () => { await MathJax.startup.promise; }")
    return page


def walk(page, limit=2000):
    """Step through the deck with ``Reveal.next()``; return what ``STEP_JS`` saw at every step."""
    seen = [page.evaluate(STEP_JS, RAW)]
    for _ in range(limit):
        if page.evaluate("() => Reveal.isLastSlide() && !Reveal.availableFragments().next"):
            break
        page.evaluate("() => Reveal.next()")
        seen.append(page.evaluate(STEP_JS, RAW))
    return seen


def test_a_deck_per_chapter(decks):
    assert [p.name for p in decks] == [f"{c.stem}.slides.html" for c in CHAPTERS]
    assert (decks[0].parent / "reveal.js" / "dist" / "reveal.js").is_file()
    assert (decks[0].parent / "mathjax" / "tex-svg.js").is_file()


@pytest.mark.parametrize("index", range(len(CHAPTERS)), ids=[c.stem for c in CHAPTERS])
def test_deck_steps_to_the_end_offline(browser, decks, index):
    log = {"requests": [], "console": []}
    page = open_deck(browser, decks[index], log)
    total = page.evaluate("() => Reveal.getTotalSlides()")
    seen = walk(page)
    last = page.evaluate("() => Reveal.isLastSlide() && !Reveal.availableFragments().next")
    slides = {s["where"].rsplit("/", 1)[0] for s in seen}
    mathjax = page.evaluate("() => document.querySelectorAll('mjx-container').length")
    page.context.close()
    assert not log["requests"], f"non-local requests: {log['requests']}"
    assert not log["console"], f"console errors: {log['console']}"
    assert last and len(slides) == total, f"visited {len(slides)} of {total} slides; at the end: {last}"
    assert total >= 10 and mathjax > 0
    for what in ("raw", "errors"):
        bad = {s["where"]: s[what] for s in seen if s[what]}
        assert not bad, f"{decks[index].name}: {what} on slides {bad}"
    wide = {s["where"]: s["wide"] for s in seen if s["wide"]}
    assert not wide, f"{decks[index].name}: content wider than the slide (px) on {wide}"
    assert all(s["scrolls"] for s in seen if s["tall"]), "a slide taller than the screen does not scroll"


def test_deck_sliders_use_the_sites_frames(browser, site, tmp_path):
    """With the built site, chapter 4's deck carries every frame; the arrow keys move the slider,
    not the slide."""
    chapter = ROOT / "chapters" / "04_gumbel_max.ipynb"
    [deck] = build_slides.build([chapter], tmp_path, site=site, log=lambda *_: None)
    log = {"requests": [], "console": []}
    page = open_deck(browser, deck, log)
    box = page.locator("div.reparam-slider")
    assert box.count() == 1, "the deck does not carry the site's slider"
    page.evaluate("() => Reveal.slide(...Object.values(Reveal.getIndices(Reveal.getSlides()"
                  ".find(s => s.querySelector('div.reparam-slider')))))")
    where = page.evaluate("() => JSON.stringify(Reveal.getIndices())")
    state = "() => [document.querySelector('div.reparam-slider img').src, document.querySelector('div.reparam-slider output').textContent]"
    before = page.evaluate(state)
    box.locator("input[type=range]").focus()
    page.keyboard.press("ArrowRight")
    after = page.evaluate(state)
    assert after[0] != before[0] and after[1] != before[1], "the slider did not move"
    assert page.evaluate("() => JSON.stringify(Reveal.getIndices())") == where, "the arrow key changed the slide"
    page.context.close()
    assert not log["requests"] and not log["console"], log


# --- presenting live in JupyterLab --------------------------------------------------------------


def test_live_presentation_with_a_working_slider(browser, tmp_path):
    """jupyterlab-slideshow presents chapter 2 in a real JupyterLab; its slider works on the slide."""
    chapters = lab.copy_chapters(tmp_path, names={"02_score_function.ipynb"})
    path = chapters / "02_score_function.ipynb"
    nb = nbformat.read(path, as_version=4)
    slide_metadata.apply(nb)  # the metadata the tool gives, whatever the chapter stores today
    nbformat.write(nb, path)
    kinds = slide_metadata.slide_types(nb)
    slider = next(i for i, c in enumerate(nb.cells) if slide_metadata.is_slider(c))
    intro = slider - 1
    assert kinds[intro] == "subslide" and kinds[slider] == "-", "the slider should share a slide with its introduction"
    visible = lab.js("return current().content.widgets.map((c, i) => "
                     "c.node.classList.contains('jp-deck-mod-visible') ? i : null).filter(i => i !== null);")
    log = {}
    with lab.JupyterServer(tmp_path) as server:
        page = lab.new_page(browser, log, viewport={"width": 1280, "height": 720})
        lab.open_app(page, server)
        lab.open_notebook(page, "chapters/02_score_function.ipynb")
        # The presenter selects the slider's introduction and starts the slideshow there with the
        # notebook toolbar's button, then steps up a slide and back down with the arrow keys.
        page.evaluate(lab.js("current().content.activeCellIndex = arg;"), intro)
        page.locator(".jp-NotebookPanel-toolbar [data-jp-item-name='deck']").locator("button, jp-button").first.click()
        on_slide = lab.js_predicate(
            "return current().content.widgets[arg].node.classList.contains('jp-deck-mod-visible');")
        page.wait_for_function(on_slide, arg=slider, timeout=30_000)
        shown = page.evaluate(visible)
        page.keyboard.press("ArrowUp")
        page.wait_for_function(f"(arg) => !({on_slide})(arg)", arg=slider, timeout=10_000)
        page.keyboard.press("ArrowDown")
        page.wait_for_function(on_slide, arg=slider, timeout=10_000)
        back = page.evaluate(visible)
        page.keyboard.press("Shift+Enter")    # the introduction; the slider cell becomes active
        page.keyboard.press("Control+Enter")  # runs the slider cell and stays on the slide
        page.wait_for_function(lab.js_predicate(
            "return !!current().content.widgets[arg].node.querySelector('.noUi-handle');"),
            arg=slider, timeout=60_000)
        assert lab.slider_boxes(page) == [slider]
        lab.click_handle(page, 0)
        keys = {}
        for key in ("ArrowRight", "ArrowRight", "End", "ArrowLeft", "Home"):
            step = lab.press_key(page, 0, key, focus=False)["after"]
            keys[key if key not in keys else key + " again"] = (step["changed"], step.get("readout"))
        still_shown = page.evaluate(visible)
        page.context.close()
    assert shown == [intro, slider], f"the slide shows cells {shown}, expected the introduction and the slider"
    assert back == shown, f"ArrowUp, ArrowDown: the slide shows cells {back}, before {shown}"
    assert all(changed for changed, _ in keys.values()), f"keys that did not redraw the picture: {keys}"
    assert len({readout for _, readout in keys.values()}) == len(keys), keys
    assert still_shown == shown, f"the keys moved the slideshow: it shows cells {still_shown}"
    assert not log["requests"], f"non-local requests: {log['requests']}"
    assert not log["pageerrors"], log["pageerrors"]
