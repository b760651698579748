"""Helpers of ``test_editions.py``: build both editions at once; find every solution's text.

The solutions are found here independently of ``editions/strip_solutions.py`` (which removes them
from the student notebooks): with markdown-it, the CommonMark parser under MyST, so that a mistake
in one is not repeated in the other.
"""
import html
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml
from bs4 import BeautifulSoup
from markdown_it import MarkdownIt
from mdit_py_plugins.colon_fence import colon_fence_plugin

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from build_edition import edition_folder  # noqa: E402
EDITIONS = ("student", "instructor")
# As the default build is tested (conftest.py), and with every page read afresh (--all): a build that
# reuses its last environment would not re-emit its warnings nor apply changed editions/ extensions.
# --outputs-from: the notebooks the default build (the session's `site` fixture) has just executed.
FLAGS = ["-W", "-n", "--keep-going", "--all", "--outputs-from", str(ROOT / "_build" / "jupyter_execute")]
MIN_PROSE_WORDS = 4  # a phrase of fewer words could turn up anywhere on a page
MIN_CODE_WORDS = 3

_MARKDOWN = MarkdownIt("commonmark").use(colon_fence_plugin)
_SEPARATOR = "\x00"


#: The builds of ``build_editions``: name -> (edition, language). The Korean instructor edition
#: holds the one part of the Korean book that no other build shows, the instructor guide.
BUILDS = {"student": ("student", "en"), "instructor": ("instructor", "en"), "instructor_ko": ("instructor", "ko")}


def build_editions():
    """Build the editions of ``BUILDS`` concurrently (none executes a notebook); return their results."""
    started = time.monotonic()
    runs = {name: subprocess.Popen([sys.executable, str(ROOT / "scripts" / "build_edition.py"), edition,
                                    "--language", language, *FLAGS],
                                   cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for name, (edition, language) in BUILDS.items()}
    logs = {name: run.communicate()[0] for name, run in runs.items()}
    seconds = time.monotonic() - started
    print(f"\n{len(BUILDS)} editions built in {seconds:.0f} s")
    return {name: {"returncode": runs[name].returncode, "log": logs[name], "seconds": seconds,
                   "html": edition_folder(edition, language) / "html"}
            for name, (edition, language) in BUILDS.items()}


def toc_pages(toc_path=ROOT / "_toc.yml"):
    """Source paths of the pages of a table of contents, root first."""
    toc = yaml.safe_load(Path(toc_path).read_text())
    paths = []
    for name in [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]:
        found = [p for p in (ROOT / f"{name}.ipynb", ROOT / f"{name}.md") if p.exists()]
        assert found, f"{name} of {toc_path} has no .ipynb or .md source"
        paths.append(found[0])
    return paths


def words(text):
    """Lower-case words (letters, digits, underscores inside a name), the unit every comparison uses."""
    return [w.strip("_") for w in re.findall(r"\w+", text.lower()) if w.strip("_")]


def html_words(text):
    """The words of an HTML document, everything between its tags included (scripts too)."""
    return " ".join(words(html.unescape(re.sub(r"<[^>]+>", " ", text))))


def contains(haystack, phrase):
    """Whether the phrase (a tuple of words) occurs in ``haystack`` (words joined by single spaces)."""
    return f" {' '.join(phrase)} " in f" {haystack} "


def prose_phrases(markdown):
    """Runs of plain words in MyST markdown, cut wherever markup renders differently from its source.

    Math, roles (``{eval}`x``` shows a value, ``{ref}`` a title), inline code, link targets, list
    markers, directive fences and options are cut out; what is left shows on the page word for word.
    """
    text = "\n".join(line for line in markdown.splitlines()
                     if not re.match(r"\s*(:[\w-]+:|`{3,}|:{3,})", line))
    for pattern in (r"\$\$.*?\$\$", r"\\begin\{(\w+\*?)\}.*?\\end\{\1\}", r"\$[^$]*\$", r"\{[\w:-]+\}`[^`]*`",
                    r"`[^`]*`", r"\]\([^)]*\)", r"(?m)^\s*(\d+\.|[-*+])\s"):
        text = re.sub(pattern, _SEPARATOR, text, flags=re.S)
    return [tuple(w) for w in map(words, text.split(_SEPARATOR)) if len(w) >= MIN_PROSE_WORDS]


def code_phrases(text):
    """The lines of code or of printed output, each as the words it shows."""
    return [tuple(w) for w in map(words, text.splitlines()) if len(w) >= MIN_CODE_WORDS]


def output_text(cell):
    """What a code cell printed or displayed as text."""
    parts = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            parts.append(output["text"])
        elif "data" in output and "text/html" in output["data"]:
            # A page shows the HTML (a self-check box, which may repeat a solution's words), not text/plain.
            markup = output["data"]["text/html"]
            markup = "".join(markup) if isinstance(markup, list) else markup
            parts.append(BeautifulSoup(markup, "html.parser").get_text(" "))
        elif "data" in output and "text/plain" in output["data"]:
            parts.append(output["data"]["text/plain"])
    return "\n".join(parts)


@dataclass
class Solution:
    page: str
    exercise: str
    phrases: list = field(default_factory=list)


@dataclass
class Source:
    """A page's source split into its solutions and everything else."""
    docname: str
    solutions: list = field(default_factory=list)
    rest: list = field(default_factory=list)  # pieces of text that are no solution


def _markdown_pieces(text, gated):
    """Split markdown into pieces (kind, text[, exercise label]), kind 'rest', 'solution', 'start' or 'end'.

    ``gated``: whether the text begins inside a gated solution.
    """
    lines = text.splitlines()
    pieces, position = [], 0
    for token in _MARKDOWN.parse(text):
        directive = re.match(r"\{(solution|solution-start|solution-end)\}\s*(\S*)", token.info or "")
        if token.type not in ("fence", "colon_fence") or not directive:
            continue
        begin, end = token.map
        pieces.append(("solution" if gated else "rest", "\n".join(lines[position:begin])))
        name, label = directive.groups()
        if name == "solution":
            pieces.append(("solution", token.content, label))
        elif name == "solution-start":
            pieces.append(("start", "", label))
            gated = True
        else:
            pieces.append(("end", ""))
            gated = False
        position = end
    pieces.append(("solution" if gated else "rest", "\n".join(lines[position:])))
    return pieces


def read_source(path):
    """A page's solutions (with the phrases a reader would see of each) and the rest of its text."""
    docname = Path(path).relative_to(ROOT).with_suffix("").as_posix()
    source = Source(docname)
    if Path(path).suffix == ".ipynb":
        cells = nbformat.read(path, as_version=4).cells
    else:
        cells = [nbformat.v4.new_markdown_cell(Path(path).read_text(encoding="utf-8"))]
    gated = None  # the open gated Solution, if any
    for cell in cells:
        if cell.cell_type != "markdown":
            phrases = code_phrases(cell.source) + code_phrases(output_text(cell))
            if gated:
                gated.phrases += phrases
            else:
                source.rest.append(cell.source + "\n" + output_text(cell))
            continue
        for kind, text, *label in _markdown_pieces(cell.source, gated is not None):
            if kind == "rest":
                source.rest.append(text)
            elif kind == "start":
                gated = Solution(docname, label[0])
                source.solutions.append(gated)
            elif kind == "end":
                gated = None
            elif label:  # a whole {solution} block
                source.solutions.append(Solution(docname, label[0], prose_phrases(text)))
            else:  # text inside a gated solution
                gated.phrases += prose_phrases(text)
    assert gated is None, f"{docname}: a {{solution-start}} without its {{solution-end}}"
    # Only phrases that nothing else on the page also says can tell whether a solution is shown.
    rest = " ".join(words("\n".join(source.rest)))
    for solution in source.solutions:
        solution.phrases = sorted({p for p in solution.phrases if not contains(rest, p)})
    return source


def search_terms(site):
    """{docname: set of the search index's terms for it} of a built site."""
    text = (Path(site) / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1:text.rindex(")")])
    terms = {name: set() for name in index["docnames"]}
    for term, docs in index["terms"].items():
        for doc in [docs] if isinstance(docs, int) else docs:
            terms[index["docnames"][doc]].add(term)
    return terms
