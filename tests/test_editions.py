"""The student and the instructor editions, each built by ``scripts/build_edition.py`` with -W.

Every solution of every page is found in the sources (``tests/edition_helpers.py``), as the phrases a
reader would see of it. Then:

- the student edition shows none of them: not on a page, not in the search index, not in a
  downloadable source (``_sources``), not in the notebooks for a class, and those notebooks still
  run without the code the solutions held;
- the instructor edition shows all of them, prints them open, and adds the instructor guide;
- apart from the solutions and the instructor guide, the two editions have the same pages with
  the same text, and the default build is what it was (solutions as dropdowns, no guide).

Both editions are built once per session, at the same time (``editions`` fixture).
"""
import ast
import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup

from edition_helpers import (EDITIONS, ROOT, contains, html_words, read_source, search_terms,
                             toc_pages, words)
from test_site_browser import browser, html_pages, new_context, watch  # noqa: F401 (browser: a fixture)

sys.path.insert(0, str(ROOT / "editions"))
from strip_solutions import strip_markdown  # noqa: E402

INSTRUCTOR_TOC = ROOT / "editions" / "instructor_toc.yml"


@pytest.fixture(scope="session")
def built(editions):
    """{edition: its html folder}, failing every dependent test if a build failed."""
    failed = {e: editions[e]["log"][-6000:] for e in EDITIONS if editions[e]["returncode"] != 0}
    if failed:
        pytest.fail("edition builds failed:\n" + "\n\n".join(f"== {e}\n{log}" for e, log in failed.items()))
    return {edition: editions[edition]["html"] for edition in EDITIONS}


@pytest.fixture(scope="session")
def sources():
    """Every page of the book (the default table of contents) with its solutions found."""
    return [read_source(path) for path in toc_pages()]


@pytest.fixture(scope="session")
def solutions(sources):
    return [solution for source in sources for solution in source.solutions]


@pytest.fixture(scope="session")
def distinctive(built, solutions):
    """{(page, exercise): the solution's phrases that its page in the instructor edition shows only in it}.

    Other content of a page may repeat some words of a solution (a self-check question's answer,
    say); only the phrases shown nowhere else on the page tell whether the page shows the solution.
    """
    outside, phrases = {}, {}
    for solution in solutions:
        if solution.page not in outside:
            soup = BeautifulSoup((built["instructor"] / f"{solution.page}.html").read_text(encoding="utf-8"), "html.parser")
            for box in soup.select("div.solution"):
                box.decompose()
            outside[solution.page] = html_words(str(soup))
        phrases[solution.page, solution.exercise] = [p for p in solution.phrases if not contains(outside[solution.page], p)]
    return phrases


def instructor_guide():
    parts = yaml.safe_load(INSTRUCTOR_TOC.read_text())
    return [entry["file"] for part in parts for entry in part["chapters"]]


def article(path, *, drop_solutions=False):
    """The words of a page's main text; with ``drop_solutions``, without its solution boxes.

    Outputs of cells tagged ``nbval-ignore-output`` (timings and the like, which differ from run to
    run) are left out.
    """
    soup = BeautifulSoup(Path(path).read_text(encoding="utf-8"), "html.parser")
    # The search page has no article, and index.html (a redirect) not even a main part.
    main = soup.select_one("article.bd-article") or soup.select_one("main") or soup
    for element in main.select(".tag_nbval-ignore-output .cell_output" + (", div.solution" if drop_solutions else "")):
        element.decompose()
    return " ".join(words(main.get_text(" ")))


# The builds


@pytest.mark.parametrize("edition", EDITIONS)
def test_edition_builds_without_warnings(editions, edition):
    result = editions[edition]
    assert result["returncode"] == 0, f"the {edition} edition failed to build (-W -n --keep-going):\n" + result["log"][-8000:]
    assert not re.search(r"\bWARNING:", result["log"]), result["log"][-8000:]


def test_every_solution_can_be_recognised(sources, solutions):
    """Every solution directive of the sources is found, with phrases that nothing else in its source says."""
    directives = sum(len(re.findall(r"\{solution(?:-start)?\}", path.read_text(encoding="utf-8"))) for path in toc_pages())
    assert directives > 0 and len(solutions) == directives, (
        f"{len(solutions)} solutions found in {[s.docname for s in sources]}, {directives} solution directives")
    vague = [f"{s.page}: solution to {s.exercise}" for s in solutions if not s.phrases]
    assert not vague, f"solutions with no phrase of their own to look for: {vague}"


# The student edition has no solution anywhere


def test_every_solution_has_phrases_only_it_shows(distinctive):
    vague = [f"{page}: solution to {exercise}" for (page, exercise), phrases in distinctive.items() if not phrases]
    assert not vague, f"solutions whose every phrase also shows elsewhere on their page: {vague}"


def test_student_pages_show_no_solution(built, distinctive):
    site, shown, texts = built["student"], {}, {}
    for (page, exercise), phrases in distinctive.items():
        if page not in texts:
            texts[page] = html_words((site / f"{page}.html").read_text(encoding="utf-8"))
        found = [" ".join(p) for p in phrases if contains(texts[page], p)]
        if found:
            shown[f"{page}: {exercise}"] = found
    assert not shown, f"solution text on the student pages: {shown}"
    pages = {page.relative_to(site).as_posix(): page.read_text(encoding="utf-8") for page in html_pages(site)}
    boxes = [name for name, html in pages.items() if 'class="solution' in html]
    assert not boxes, f"solution boxes on student pages: {boxes}"
    # A figure a solution drew would be copied into _images although no page shows it.
    unused = [image.name for image in (site / "_images").iterdir() if not any(image.name in html for html in pages.values())]
    assert not unused, f"images in the student edition that no page shows: {unused}"


def test_instructor_pages_show_every_solution(built, solutions):
    site, missing, boxes = built["instructor"], {}, {}
    for solution in solutions:
        if solution.page not in boxes:
            soup = BeautifulSoup((site / f"{solution.page}.html").read_text(encoding="utf-8"), "html.parser")
            boxes[solution.page] = " ".join(words(" ".join(box.get_text(" ") for box in soup.select("div.solution"))))
        lost = [" ".join(p) for p in solution.phrases if not contains(boxes[solution.page], p)]
        if lost:
            missing[f"{solution.page}: {solution.exercise}"] = lost
    assert not missing, f"solution text missing from the instructor's solution boxes: {missing}"


def test_student_search_index_has_no_solution_word(built, sources):
    """No word that only a solution uses is a search term of its page in the student edition.

    The words are those of the solution phrases that the instructor edition's page does not use
    outside its solution boxes; the instructor edition's index must have each of them (so the check
    looks at words the index does hold).
    """
    from sphinx.search.en import SearchEnglish

    language = SearchEnglish({})

    def term(word):  # as sphinx.search.IndexBuilder.feed stores a word
        stem = language.stem(word).lower()
        stem = word if not language.word_filter(stem) and language.word_filter(word) else stem
        return stem if language.word_filter(stem) else None

    student, instructor = search_terms(built["student"]), search_terms(built["instructor"])
    leaked, unindexed = {}, {}
    for source in sources:
        if not source.solutions:
            continue
        page = built["instructor"] / f"{source.docname}.html"
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for box in soup.select("div.solution"):
            box.decompose()
        elsewhere = {term(w) for w in re.findall(r"\w+", soup.get_text(" ").lower())}
        only = {term(w) for s in source.solutions for p in s.phrases for w in p if w.isalpha()} - elsewhere - {None}
        if only & student[source.docname]:
            leaked[source.docname] = sorted(only & student[source.docname])
        if only - instructor[source.docname]:
            unindexed[source.docname] = sorted(only - instructor[source.docname])
    assert not leaked, f"search terms of the student edition that only solutions use: {leaked}"
    assert not unindexed, f"solution words missing from the instructor edition's search index: {unindexed}"


def _notebook_words(path):
    notebook = nbformat.read(path, as_version=4)
    texts = [cell.source for cell in notebook.cells]
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            texts += [output.get("text", "")] + [str(v) for v in output.get("data", {}).values()]
    return " ".join(words("\n".join(texts)))


def test_student_downloads_have_no_solution(built, sources, distinctive):
    """The sources the pages offer for download, and the notebooks for a class: no solution, every exercise."""
    site = built["student"]
    notebooks = sorted((site.parent / "notebooks").glob("*.ipynb"))
    chapters = [s for s in sources if (ROOT / f"{s.docname}.ipynb").exists()]
    assert sorted(p.name for p in notebooks) == sorted(f"{Path(s.docname).name}.ipynb" for s in chapters)
    for source in sources:
        suffix = ".ipynb" if (ROOT / f"{source.docname}.ipynb").exists() else ".md"
        download = site / "_sources" / f"{source.docname}{suffix}"
        button = re.search(r'href="([^"]*_sources/[^"]*)"', (site / f"{source.docname}.html").read_text(encoding="utf-8"))
        assert button and (site / f"{source.docname}.html").parent.joinpath(button[1]).resolve() == download.resolve(), (
            f"the download button of {source.docname} does not point at {download.relative_to(site)}")
        copies = [download] + ([site.parent / "notebooks" / download.name] if suffix == ".ipynb" else [])
        for copy in copies:
            if suffix == ".ipynb":
                nbformat.validate(nbformat.read(copy, as_version=4))
                text = _notebook_words(copy)
                raw = "\n".join(c.source for c in nbformat.read(copy, as_version=4).cells)
            else:
                raw = copy.read_text(encoding="utf-8")
                text = " ".join(words(raw))
            shown = [f"{s.exercise}: {' '.join(p)}" for s in source.solutions
                     for p in distinctive[s.page, s.exercise] if contains(text, p)]
            assert not shown, f"{copy.relative_to(ROOT)} holds solution text: {shown}"
            assert not re.search(r"\{solution", raw), f"{copy.relative_to(ROOT)} still has a solution directive"
            original = (ROOT / f"{source.docname}{suffix}").read_text(encoding="utf-8")
            assert raw.count("{exercise}") == original.count("{exercise}"), f"{copy.relative_to(ROOT)} lost an exercise"
    for notebook in notebooks:  # a download and the class's copy are the same notebook
        assert notebook.read_text() == (site / "_sources" / "chapters" / notebook.name).read_text()


def _names(source):
    """(names a code cell assigns, names it reads) at any depth; IPython's %magic and !shell lines ignored."""
    tree = ast.parse("\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))))
    stored, loaded = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (stored if isinstance(node.ctx, (ast.Store, ast.Del)) else loaded).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stored.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            stored |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return stored, loaded


def test_student_notebooks_run_without_the_solutions(built):
    """No cell left in a student notebook reads a variable that a removed solution cell set last.

    Walking the original notebook in order, a name read by a kept code cell (or by a kept
    ``{eval}`` expression) must not have been assigned last by a cell the student notebook lost:
    there it would be undefined, or hold another value than the stored outputs show.
    """
    problems = []
    for notebook in sorted((built["student"].parent / "notebooks").glob("*.ipynb")):
        kept = {cell.get("id"): cell for cell in nbformat.read(notebook, as_version=4).cells}
        original = nbformat.read(ROOT / "chapters" / notebook.name, as_version=4)
        set_by_solution = {}  # name -> whether the cell that assigned it last was removed
        for cell in original.cells:
            if cell.cell_type == "code":
                stored, loaded = _names(cell.source)
            elif cell.cell_type == "markdown" and cell.get("id") in kept:
                stored, loaded = set(), set()
                for expression in re.findall(r"\{eval\}`([^`]+)`", kept[cell.get("id")].source):
                    loaded |= _names(expression)[1]
            else:
                continue
            if cell.get("id") in kept:
                stale = sorted(n for n in loaded - stored if set_by_solution.get(n))
                problems += [f"{notebook.name}: {cell.source[:60]!r} reads {name}" for name in stale]
            set_by_solution.update({name: cell.get("id") not in kept for name in stored})
    assert not problems, f"student notebooks need what a solution cell computed: {problems}"


# The instructor edition


def test_instructor_guide_is_in_the_instructor_edition_only(built):
    guide = instructor_guide()
    assert guide, f"{INSTRUCTOR_TOC} lists no page"
    missing = [page for page in guide if not (built["instructor"] / f"{page}.html").is_file()]
    assert not missing, f"instructor guide pages not built: {missing}"
    assert not (built["student"] / "instructor").exists(), "the student edition has instructor pages"


def test_korean_instructor_edition_has_the_guide_in_korean(editions):
    """``build_edition.py instructor --language ko`` builds with -W; every guide page is Korean.

    A page counts as Korean if its ``<html>`` says so and most letters of its main text are Hangul
    (the formulas, code and the English terms given at first use are not).
    """
    result = editions["instructor_ko"]
    assert result["returncode"] == 0, "the Korean instructor edition failed to build:\n" + result["log"][-8000:]
    assert not re.search(r"\bWARNING:", result["log"]), result["log"][-8000:]
    english = {}
    for page in instructor_guide():
        path = result["html"] / f"{page}.html"
        assert path.is_file(), f"{page} is missing from the Korean instructor edition"
        text = path.read_text(encoding="utf-8")
        assert '<html lang="ko"' in text, f"{page}: not marked as Korean"
        main = article(path)
        hangul, latin = len(re.findall(r"[가-힣]", main)), len(re.findall(r"[A-Za-z]", main))
        if hangul < latin:
            english[page] = (hangul, latin)
    assert not english, f"guide pages with more Latin than Hangul letters (Hangul, Latin): {english}"
    quiz = (result["html"] / "chapters" / "05_gumbel_softmax.html").read_text(encoding="utf-8")
    assert re.findall(r'<div class="reparam-selfcheck" lang="(\w+)"', quiz) == ["ko"], "self-check not in Korean"


def test_instructor_solutions_print_open(built, distinctive, browser, tmp_path):  # noqa: F811 (the browser fixture)
    """On screen a solution is a collapsed dropdown; printed to PDF, every solution of the page is on paper.

    sphinx-togglebutton opens the dropdowns on the browser's ``beforeprint`` event, which printing
    to PDF fires too, and closes them again afterwards. The page (chapter 2) has plain and gated
    solutions; the phrases looked for show nowhere else on it, so one of a solution's phrases on
    paper shows that the solution printed open.
    """
    from pypdf import PdfReader

    page_name = "chapters/02_score_function"
    log = {"requests": [], "console": []}
    context = new_context(browser, log)
    page = context.new_page()
    watch(page, log)
    page.goto((built["instructor"] / f"{page_name}.html").as_uri(), wait_until="load")
    page.wait_for_function("document.querySelector('div.solution').classList.contains('toggle-hidden')")
    content = page.locator("div.solution section")
    assert content.count() and not any(c.is_visible() for c in content.all()), "on screen solutions should be collapsed"
    # The phrases looked for are words, not formulas or figures; without MathJax's SVG paths pypdf
    # reads the PDF's text in a second instead of ten.
    page.add_style_tag(content="mjx-container, img { display: none !important; }")
    page.pdf(path=str(tmp_path / "printed.pdf"))
    assert not any(c.is_visible() for c in content.all()), "after printing, solutions should be collapsed again"
    context.close()
    printed = " ".join(words(" ".join(p.extract_text() for p in PdfReader(tmp_path / "printed.pdf").pages)))
    on_page = {exercise: phrases for (name, exercise), phrases in distinctive.items() if name == page_name}
    unprinted = [exercise for exercise, phrases in on_page.items() if not any(contains(printed, p) for p in phrases)]
    assert on_page and not unprinted, f"solutions of {page_name} not in the printed PDF: {unprinted}"
    assert not log["requests"] and not log["console"], log


# The editions differ by the solutions and the guide only


def test_editions_share_every_other_page_and_word(built):
    student, instructor = built["student"], built["instructor"]
    guide = {f"{page}.html" for page in instructor_guide()}
    pages = [p.relative_to(student).as_posix() for p in html_pages(student)]
    assert pages == [p.relative_to(instructor).as_posix() for p in html_pages(instructor)
                     if p.relative_to(instructor).as_posix() not in guide]
    different = [page for page in pages
                 if article(student / page) != article(instructor / page, drop_solutions=True)]
    assert not different, f"pages whose text differs between the editions beyond the solutions: {different}"


def test_default_build_keeps_its_solutions_as_dropdowns(site, solutions):
    """The default build is unchanged: every solution is there, as a collapsed dropdown; no guide."""
    assert not (site / "instructor").exists()
    counts = {}
    for solution in solutions:
        counts[solution.page] = counts.get(solution.page, 0) + 1
    for page, count in counts.items():
        boxes = BeautifulSoup((site / f"{page}.html").read_text(encoding="utf-8"), "html.parser").select("div.solution")
        assert len(boxes) == count and all("dropdown" in box["class"] for box in boxes), page


# Removing solutions from markdown (editions/strip_solutions.py), on the cases the book does not show


def test_strip_markdown_respects_fence_lengths_and_colon_fences():
    text = ("Before.\n\n"
            "````{solution} ex-a\n:class: dropdown\n\n```python\nx = 1\n```\nstill inside\n````\n\n"
            ":::{solution} ex-b\nalso gone\n:::\n\n"
            "After.\n")
    assert strip_markdown(text) == ("Before.\n\nAfter.\n", False)


def test_strip_markdown_follows_a_gated_solution_across_texts():
    assert strip_markdown("Q.\n\n```{solution-start} ex\n```\n\nA begins.") == ("Q.\n\n", True)
    assert strip_markdown("A ends.\n\n```{solution-end}\n```\n\nNext.", gated=True) == ("Next.", False)


@pytest.mark.parametrize("text, message", [
    ("```{solution-end}\n```", "without a {solution-start}"),
    ("````{solution} ex\nnever closed\n```\n", "never closed"),
])
def test_strip_markdown_rejects_malformed_solutions(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        strip_markdown(text)
