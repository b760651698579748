"""The self-check quizzes in a browser: on the built site from ``file://``, and in a real JupyterLab.

On the site (the build of this test session, fixture ``site``; headless Chromium with every
non-local request blocked, as in ``test_site_browser.py``), on every chapter page:

- the quiz's script ran: one *Check* button per question, and the note for readers without
  JavaScript is hidden;
- a wrong option of the first multiple-choice question gets "Not quite." and that option's
  explanation, and the right number typed into the first numeric question (then Enter) gets
  "Correct." and the worked answer, each in a live region that screen readers announce;
- no request leaves the machine and no console error occurs.

On one chapter page, with its feedback and every explanation shown, the quiz also stays within the
page at a desktop width in the light mode and at a phone's width in the dark mode, takes the page's
own colours (in dark mode no light card behind it, as the theme gives other HTML outputs), and
passes an axe-core audit (WCAG 2.1 A and AA) in both modes.

In JupyterLab (``jupyterlab_harness``), one chapter is opened: its stored quiz, sanitized because
the notebook is not trusted, shows every explanation and no button; after Run All the quiz is
live, and one wrong and one right answer get their feedback.

Without Chromium the tests skip loudly, except in CI (``CI`` set), where they fail.
"""
import json
import re

import pytest

import jupyterlab_harness as lab
from reparam import selfcheck as sc
from test_site_browser import browser, new_context, watch  # noqa: F401  (browser is a fixture)

CHAPTERS = sc.chapters()
LAB_CHAPTER = "01_motivation"  # the quickest chapter to run
DESKTOP = {"width": 1200, "height": 1000}
PHONE = {"width": 390, "height": 844}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Harmless uncaught errors of JupyterLab 4.6's cell toolbar (see test_jupyterlab.py).
KNOWN_LAB_ERRORS = re.compile(r"_markdownOverlapsToolbar|_cellToolbarOverlapsContents")


def _plain(text):
    return " ".join(text.split())


def _feedback(fieldset):
    out = fieldset.locator(".reparam-selfcheck-feedback")
    return {"text": _plain(out.inner_text()), "class": out.get_attribute("class"),
            "live": out.get_attribute("aria-live"), "role": out.get_attribute("role")}


def answer_one_wrong_and_one_right(box, quiz):
    """Answer the first choice question wrong and the first numeric question right, as a reader
    would (click, type, Enter); return what differs from the expected feedback."""
    s, problems = quiz.strings, []
    fieldsets = box.locator("fieldset")
    if fieldsets.count() != len(quiz.questions):
        return [f"{fieldsets.count()} questions shown, {len(quiz.questions)} in the data"]

    i = next(n for n, q in enumerate(quiz.questions) if q["type"] == "choice")
    wrong = next(k for k, o in enumerate(quiz.questions[i]["options"]) if not o["correct"])
    fieldset = fieldsets.nth(i)
    fieldset.locator("label").nth(wrong).click()
    fieldset.get_by_role("button", name=s["check"]).click()
    expected = {"text": _plain(f"{s['incorrect']} {quiz.questions[i]['options'][wrong]['explanation']}"),
                "class": "reparam-selfcheck-feedback is-wrong", "live": "polite", "role": "status"}
    if _feedback(fieldset) != expected:
        problems.append(f"question {i + 1}, option {wrong + 1}: {_feedback(fieldset)} instead of {expected}")

    j = next(n for n, q in enumerate(quiz.questions) if q["type"] == "number")
    fieldset = fieldsets.nth(j)
    field = fieldset.get_by_role("textbox")
    field.fill(f"{quiz.questions[j]['answer']:g}")
    field.press("Enter")
    expected = {"text": _plain(f"{s['correct']} {quiz.questions[j]['explanation']}"),
                "class": "reparam-selfcheck-feedback is-correct", "live": "polite", "role": "status"}
    if _feedback(fieldset) != expected:
        problems.append(f"question {j + 1}: {_feedback(fieldset)} instead of {expected}")
    return problems


def _open(browser, path, log, **options):  # noqa: F811  (browser is the fixture's value)
    context = new_context(browser, log)
    page = context.new_page()
    if "color_scheme" in options:
        page.emulate_media(color_scheme=options["color_scheme"])
    if "viewport" in options:
        page.set_viewport_size(options["viewport"])
    watch(page, log)
    # The quiz's inline script has run once the document is parsed; the rest of the page (slider
    # frames, MathJax) is test_site_browser.py's to check.
    page.goto(path.as_uri(), wait_until="domcontentloaded")
    return context, page


# --- the site -------------------------------------------------------------------------------------


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_quiz_answers_on_the_site(site, browser, chapter):  # noqa: F811
    quiz = sc.selfcheck(chapter)
    log = {"requests": [], "console": []}
    context, page = _open(browser, site / "chapters" / f"{chapter}.html", log)
    box = page.locator("div.reparam-selfcheck")
    try:
        assert box.count() == 1, f"{chapter}: {box.count()} quizzes on the page"
        assert box.locator("button").count() == len(quiz.questions), "the script did not add the Check buttons"
        assert box.locator(".reparam-selfcheck-nojs").is_hidden(), "the note for readers without JavaScript shows"
        problems = answer_one_wrong_and_one_right(box, quiz)
    finally:
        context.close()
    assert not problems, f"{chapter}: " + "; ".join(problems)
    assert not log["requests"] and not log["console"], log


@pytest.mark.parametrize("mode, viewport", [("light", DESKTOP), ("dark", PHONE)])
def test_quiz_layout_and_accessibility(site, browser, mode, viewport):  # noqa: F811
    """With feedback shown and every explanation open: within the viewport, in the page's own colours
    in dark mode (not on the theme's light card for HTML outputs), and no axe-core violation."""
    from axe_playwright_python.sync_playwright import Axe

    quiz = sc.selfcheck("02_score_function")
    log = {"requests": [], "console": []}
    context, page = _open(browser, site / "chapters" / "02_score_function.html", log,
                          color_scheme=mode, viewport=viewport)
    box = page.locator("div.reparam-selfcheck")
    problems = answer_one_wrong_and_one_right(box, quiz)
    box.locator("details").evaluate_all("ds => ds.forEach(d => { d.open = true; })")
    found = box.evaluate("""box => {
        const parent = getComputedStyle(box.parentElement), own = getComputedStyle(box);
        return {theme: document.documentElement.dataset.theme,
                right: Math.max(...[box, ...box.querySelectorAll('*')].map(e => e.getBoundingClientRect().right)),
                width: window.innerWidth, scroll: box.scrollWidth, client: box.clientWidth,
                card: parent.backgroundColor, color: own.color, page: getComputedStyle(document.body).color};
    }""")
    # preload: False keeps axe from fetching the stylesheets, which a file:// page may not (its one
    # rule that needs them, css-orientation-lock, concerns whole pages, not this fragment).
    result = Axe().run(page, context={"include": [["div.reparam-selfcheck"]]},
                       options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "preload": False})
    context.close()
    assert not problems, problems
    assert found["theme"] == mode
    assert found["right"] <= found["width"] and found["scroll"] <= found["client"], f"wider than the page: {found}"
    assert found["color"] == found["page"], f"the quiz's text colour is not the page's: {found}"
    if mode == "dark":
        assert found["card"] == "rgba(0, 0, 0, 0)", f"the quiz sits on the theme's light card: {found}"
    violations = [(v["id"], [n["target"] for n in v["nodes"]], v["nodes"][0]["failureSummary"])
                  for v in result.response["violations"]]
    assert not violations, f"axe-core, {mode} mode: {violations}"
    assert not log["requests"] and not log["console"], log


# --- JupyterLab -----------------------------------------------------------------------------------


def test_quiz_in_jupyterlab(tmp_path, browser):  # noqa: F811
    """Untrusted, the stored quiz shows its explanations and no button; after Run All it answers."""
    quiz = sc.selfcheck(LAB_CHAPTER)
    path = f"chapters/{LAB_CHAPTER}.ipynb"
    lab.copy_chapters(tmp_path, names=[f"{LAB_CHAPTER}.ipynb"])
    cells = json.loads((tmp_path / path).read_text(encoding="utf-8"))["cells"]
    cell = next(i for i, c in enumerate(cells) if c["cell_type"] == "code" and "selfcheck(" in "".join(c["source"]))
    log = {}
    # A second browser from the same Playwright (two sync Playwrights cannot run in one thread), with
    # the harness's flags, which let the browser reach the server on 127.0.0.1.
    lab_browser = browser.browser_type.launch(executable_path=lab.chromium_path(), args=lab.BROWSER_ARGS,
                                              headless=True)
    try:
        with lab.JupyterServer(tmp_path) as server:
            page = lab.new_page(lab_browser, log)
            lab.open_app(page, server)
            lab.open_notebook(page, path)
            lab.show_cells(page, [cell])
            box = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) div.reparam-selfcheck")
            stored = {"buttons": box.locator("button").count(), "scripts": box.locator("script").count(),
                      "note": box.locator(".reparam-selfcheck-nojs").is_visible(),
                      "details": box.locator("details").count(), "text": _plain(box.inner_text())}
            _, run = lab.run_all(page)
            lab.show_cells(page, [cell])
            box.locator("button").first.wait_for(timeout=30_000)
            live = {"buttons": box.locator("button").count(),
                    "note": box.locator(".reparam-selfcheck-nojs").is_visible()}
            problems = answer_one_wrong_and_one_right(box, quiz)
            lab.close_all(page)
    finally:
        lab_browser.close()
    assert stored["buttons"] == stored["scripts"] == 0 and stored["note"], f"the untrusted quiz: {stored}"
    assert stored["details"] == len(quiz.questions)
    assert quiz.questions[0]["text"] in stored["text"]
    assert run["ok"], run
    assert live == {"buttons": len(quiz.questions), "note": False}, f"after Run All: {live}"
    assert not problems, "; ".join(problems)
    assert not log["requests"], log["requests"]
    # (Console messages are not checked: jupyterlab-myst logs every cross-reference to another page.)
    errors = [e for e in log["pageerrors"] if not KNOWN_LAB_ERRORS.search(e)]
    assert not errors, f"uncaught exceptions in JupyterLab: {errors}"
