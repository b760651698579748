#!/usr/bin/env python
"""Static slide decks, one per chapter, that open from ``file://`` with no network.

    .venv/bin/python scripts/build_slides.py [--out _build/slides] [--site _build/html | --no-site]
                                             [chapters/NN_name.ipynb ...]

Writes ``_build/slides/NN_name.slides.html`` for every chapter (or for those given), and an
``index.html`` that lists them. Nothing is executed: the decks show the outputs stored in the
notebooks. The slides follow the rules of ``tools/slide_metadata.py`` (which the chapters' own
metadata must match; a test checks it), built with nbconvert's ``SlidesExporter`` and the
template in ``slides/templates/reparam_deck``.

Everything a deck loads is copied next to it: reveal.js (5.2, MIT licence) from the
``sphinx-revealjs`` package into ``reveal.js/``, and the parts of MathJax 3 that the book's site
uses from ``sphinx-mathjax-offline`` into ``mathjax/`` (the same parts as ``_ext/offline_site.py``).

nbconvert's markdown does not know MyST, so each markdown cell is rewritten for the deck first:

- ``{eval}`name``` becomes the value stored in the cell's ``user_expressions`` (written by
  ``tools/execute_notebook.py``);
- theorems, definitions, proofs, notes and exercises become headed boxes, numbered as on the site
  ("Theorem 4.1", "Exercise 2.3"); exercise solutions are left out;
- ``{eq}``, ``{numref}``, ``{prf:ref}``, ``{ref}`` and ``{doc}`` become the text the site shows
  ("(1.2)", "Fig. 4.1", "Theorem 2.1", a chapter's title); labelled equations carry their number;
- ``{cite}`` and ``{cite:t}`` become author-year text from ``references.bib``
  ("[Williams, 1992]", "Mohamed et al. [2020]");
- a markdown cell too tall for one slide is split between its blocks over several slides.

A figure gets its caption below it. A slider shows every frame, with its range input, when the
built site (``--site``, by default ``_build/html`` if it exists) holds the same slider: the deck
reuses the site's embedded frames, after checking that the site's first frame describes the same
picture as the notebook's stored one (their alt texts). Otherwise the deck shows the stored frame.
"""
import argparse
import copy
import html
import importlib.util
import re
import shutil
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "_ext"))

import slide_metadata as rules  # noqa: E402
from offline_site import MATHJAX_PARTS, _mathjax_source  # noqa: E402

TEMPLATE_DIR = ROOT / "slides" / "templates"
TEMPLATE = "reparam_deck"
#: A code cell longer than this shows its input folded (``<details>``) in the deck.
FOLD_CODE_LINES = 16
#: What of reveal.js a deck loads (relative to its folder in sphinx-revealjs).
REVEAL_PARTS = ["dist/reveal.js", "dist/reveal.css", "dist/theme/white.css",
                "dist/theme/fonts/source-sans-pro", "LICENSE"]
#: Sphinx-proof directives and the names the site prints for them (each numbered on its own).
PROOF_KINDS = {"theorem": "Theorem", "proposition": "Proposition", "lemma": "Lemma",
               "definition": "Definition", "corollary": "Corollary", "remark": "Remark",
               "example": "Example", "conjecture": "Conjecture", "algorithm": "Algorithm",
               "axiom": "Axiom", "criterion": "Criterion", "observation": "Observation",
               "property": "Property", "assumption": "Assumption", "notation": "Notation"}
ADMONITIONS = {"note", "tip", "hint", "important", "warning", "caution", "attention", "danger",
               "error", "seealso"}

DECK_CSS = """
:root { --jp-content-font-size1: 24px; --jp-code-font-size: 18px; --jp-ui-font-size1: 20px;
        --jp-content-line-height: 1.35; --jp-cell-padding: 0; }
html, body, main, .reveal { height: 100%; margin: 0; }  /* reveal.js sizes the deck from .reveal */
.reveal { font-size: 24px; }
.reveal .slides { text-align: left; }
/* A slide taller than the screen scrolls instead of being cut off. */
.reveal .slides section:not(.stack) { height: 100%; overflow-y: auto; box-sizing: border-box;
                                       padding: 0 0.4em 0.4em 0; }
.reveal h1, .reveal h2, .reveal h3, .reveal h4 { text-transform: none; }
.reveal a.anchor-link { display: none; }
.reveal pre { font-size: 18px; line-height: 1.25; width: auto; margin: 0; box-shadow: none; }
.reveal h1 { font-size: 1.9em; margin: 0.2em 0 0.5em; }
.reveal h2 { font-size: 1.5em; margin: 0.1em 0 0.4em; }
.reveal h3, .reveal h4 { font-size: 1.2em; margin: 0.1em 0 0.3em; }
.reveal p, .reveal li { line-height: 1.35; }
.reveal p { margin: 0.4em 0; }
.reveal ul, .reveal ol { display: block; margin-left: 1.3em; }
.reveal img { margin: 0; }
.jp-RenderedHTMLCommon { padding-right: 0; }
.jp-RenderedHTMLCommon h1, .jp-RenderedHTMLCommon h2, .jp-RenderedHTMLCommon h3 { line-height: 1.2; }
.jp-RenderedHTMLCommon mjx-container[display="true"] { margin: 0.5em 0 !important; }
.jp-Cell { padding: 0.15em 0; }
.jp-CodeCell .jp-InputArea-editor { padding: 0.2em 0.5em; }
.deck-box { border-left: 5px solid #3b6fb6; background: #f2f6fc; padding: 0.1em 0.8em; margin: 0.6em 0; }
.deck-box.deck-proof { border-left-color: #9aa5b1; background: #f7f7f7; }
.deck-box.deck-exercise { border-left-color: #2e7d32; background: #f1f8f1; }
.deck-box.deck-note { border-left-color: #c77c02; background: #fff8ec; }
.deck-box > p:first-child { margin-top: 0.4em; }
details.deck-code > summary { font-size: 0.75em; color: #555; cursor: pointer; padding: 0.1em 0.5em;
                              background: #f5f5f5; border: 1px solid #e0e0e0; }
.deck-caption { font-size: 0.8em; color: #333; margin: 0.2em 0 0.6em; }
.deck-caption p { margin: 0; }
"""


# --- the bibliography ---------------------------------------------------------------------------


def bibliography(path=ROOT / "references.bib"):
    """``{key: (authors as the site writes them, year)}`` from a BibTeX file."""
    from pybtex.database import parse_file

    entries = {}
    for key, entry in parse_file(str(path)).entries.items():
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        last = [re.sub(r"[{}]", "", " ".join(p.last_names)) for p in people]
        if len(last) >= 3:
            authors = f"{last[0]} et al."
        else:
            authors = " and ".join(last) or key
        entries[key] = (authors, entry.fields.get("year", "n.d."))
    return entries


# --- MyST markdown to the markdown nbconvert knows ---------------------------------------------


class Chapter:
    """One chapter's numbering state and the book-wide tables a conversion reads.

    ``labels``: every label of the book, ``{label: text the site shows}``, filled by a first pass
    over all chapters; ``titles``: ``{chapter name: title}``.
    """

    def __init__(self, number, labels, titles, bib, strict=True):
        self.number, self.labels, self.titles, self.bib = number, labels, titles, bib
        self.strict = strict  # False in the first pass, which only collects the labels
        self.counters = {}

    def next_number(self, kind):
        self.counters[kind] = self.counters.get(kind, 0) + 1
        return f"{self.number}.{self.counters[kind]}"

    def label(self, label, text):
        if label:
            self.labels[label] = text


def convert_markdown(text, chapter, values):
    """MyST ``text`` (solutions already removed) as CommonMark with HTML boxes, for the deck."""
    out = []
    for block in rules.blocks(text):
        if block.kind == "target":
            continue
        if block.kind == "math":
            out.append(_display_math(block.text, chapter))
        elif block.kind == "fence" and block.name:
            out.append(_directive(block, chapter, values))
        elif block.kind == "fence":
            out.append(block.text)
        else:
            out.append(convert_roles(block.text, chapter, values))
    return "\n\n".join(out)


def _display_math(text, chapter):
    match = re.search(r"\$\$\s*\((\S+)\)\s*$", text.strip())
    if not match:
        return text
    number = chapter.next_number("equation")
    chapter.label(match.group(1), f"({number})")
    body = text.strip()[:match.start()].rstrip()
    return f"{body}\\tag{{{number}}}$$"


def _directive(block, chapter, values):
    options, body = rules.directive_options(block.body)
    name, arg = block.name, convert_roles(block.arg, chapter, values)
    kind = name.split(":", 1)[-1]
    if name.startswith("prf:") and kind == "proof":
        title, css = "Proof.", "deck-proof"
    elif name.startswith("prf:") or name == "exercise":
        word = PROOF_KINDS.get(kind, kind.capitalize()) if name != "exercise" else "Exercise"
        number = chapter.next_number(word)
        chapter.label(options.get("label"), f"{word} {number}")
        title = f"{word} {number}" + (f" ({arg})" if arg else "")
        css = "deck-exercise" if name == "exercise" else "deck-prf"
    elif name == "admonition":
        title, css = arg, "deck-note"
    elif name in ADMONITIONS:
        title, css = (arg or name.capitalize()), "deck-note"
    else:  # any other directive: its name and argument as the heading
        title, css = " ".join(x for x in (name, arg) if x), "deck-note"
    inner = convert_markdown(body, chapter, values)
    return (f'<div class="deck-box {css}">\n\n<p><strong>{html.escape(title, quote=False)}</strong></p>\n\n'
            f"{inner}\n\n</div>")


_ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")


def convert_roles(text, chapter, values):
    """Replace MyST roles in a line of text by what the site shows."""

    def replace(match):
        role, content = match.groups()
        explicit = re.match(r"^(.*?)\s*<([^<>]+)>$", content)
        shown, target = (explicit.group(1), explicit.group(2)) if explicit else (None, content.strip())
        if role == "eval":
            if content not in values:
                raise ValueError(f"no stored value for {{eval}}`{content}`: run tools/execute_notebook.py "
                                 "on the chapter first")
            return values[content]
        if role in ("cite", "cite:p", "cite:t"):
            keys = [k.strip() for k in content.split(",")]
            missing = [k for k in keys if k not in chapter.bib]
            if missing:
                raise ValueError(f"citation keys not in references.bib: {missing}")
            if role == "cite:t":
                return ", ".join(f"{chapter.bib[k][0]} [{chapter.bib[k][1]}]" for k in keys)
            return "[" + "; ".join(f"{chapter.bib[k][0]}, {chapter.bib[k][1]}" for k in keys) + "]"
        if role == "doc":
            name = Path(target).name
            return shown or chapter.titles.get(name, name)
        if role in ("eq", "numref", "prf:ref", "ref"):
            if target not in chapter.labels and chapter.strict:
                raise ValueError(f"{{{role}}}`{content}`: no equation, figure, theorem or exercise "
                                 f"of the book has the label {target!r}")
            found = chapter.labels.get(target, "?")
            if shown and "%s" in shown:
                return shown.replace("%s", found.split()[-1].strip("()"))
            return shown or found
        return content

    return _ROLE.sub(replace, text)


# --- one chapter as a deck notebook --------------------------------------------------------------


def _values(cell):
    """The cell's ``{eval}`` results, ``{expression: text}``."""
    found = {}
    for item in cell.metadata.get("user_expressions", []):
        data = item.get("result", {}).get("data", {})
        if "text/plain" in data:
            found[item["expression"]] = "".join(data["text/plain"])
    return found


def _split(text, first_kind):
    """Split markdown ``text`` between blocks into pieces that each fit a slide.

    Returns ``[(slide type, text)]``: the first piece keeps ``first_kind``, the others start
    subslides. A block taller than a slide stays whole (its slide scrolls).
    """
    pieces, current, height = [], [], 0.0
    for block in rules.blocks(text):
        lines = rules.estimate_lines(block)
        if current and height + lines > rules.SLIDE_LINES and block.kind != "target":
            pieces.append("\n\n".join(current))
            current, height = [], 0.0
        current.append(block.text)
        height += lines
    pieces.append("\n\n".join(current))
    return [(first_kind if i == 0 else "subslide", piece) for i, piece in enumerate(pieces)]


def _slider_html(output):
    data = output.get("data", {})
    if "application/vnd.jupyter.widget-view+json" not in data or "text/html" not in data:
        return None
    return "".join(data["text/html"])


def _alt(fragment):
    match = re.search(r'<img[^>]*\balt="([^"]*)"', fragment)
    return html.unescape(match.group(1)) if match else None


SITE_SLIDER = re.compile(r'<div class="reparam-slider" style="[^"]*">.*?'
                         r'document\.currentScript\.parentElement\);</script></div>', re.S)


def site_sliders(site, name):
    """The sliders, every frame embedded, of the site's page for chapter ``name`` (or [])."""
    page = Path(site) / "chapters" / f"{name}.html" if site else None
    if page is None or not page.is_file():
        return []
    return SITE_SLIDER.findall(page.read_text(encoding="utf-8"))


def deck_notebook(notebook, chapter, frames):
    """The notebook the deck is made from: MyST converted, solutions and skipped cells left out,
    tall markdown split, figure captions added, sliders given ``frames`` (the site's HTML, in
    order, or None to keep the stored frame)."""
    cells, inside, slider = [], False, 0
    for original, kind in zip(notebook.cells, rules.slide_types(notebook)):
        if original.cell_type == "markdown":
            text, inside = rules.strip_solutions(original.source, inside)
        if kind == "skip":
            continue
        if original.cell_type == "markdown":
            for piece_kind, piece in _split(text, kind):
                converted = convert_markdown(piece, chapter, _values(original))
                cells.append(nbformat.v4.new_markdown_cell(converted, metadata=_slide(piece_kind)))
            continue
        cell = copy.deepcopy(original)
        cell.metadata = {**_slide(kind), "tags": original.metadata.get("tags", [])}
        for output in cell.get("outputs", []):
            if _slider_html(output) is None:
                continue
            del output.data["application/vnd.jupyter.widget-view+json"]  # the deck has no kernel
            if frames is not None:
                output.data["text/html"] = frames[slider]
            slider += 1
        cells.append(cell)
        figure = original.metadata.get("mystnb", {}).get("figure", {})
        if figure.get("caption"):
            number = chapter.next_number("figure")
            chapter.label(figure.get("name"), f"Fig. {number}")
            caption = convert_roles(figure["caption"], chapter, {})
            cells.append(nbformat.v4.new_markdown_cell(
                f'<div class="deck-caption">\n\n**Fig. {number}.** {caption}\n\n</div>'))
    deck = copy.deepcopy(notebook)
    deck.metadata.pop("widgets", None)
    deck.cells = cells
    return deck


def _slide(kind):
    return {} if kind == "-" else {"slideshow": {"slide_type": kind}}


def matching_frames(notebook, site_html):
    """The site's sliders if they are this notebook's, in order; else None, with the reason.

    They match when there are as many and each one's initial frame has the alt text of the
    notebook's stored frame (the alt text states the picture's numbers).
    """
    stills = [_slider_html(o) for c in notebook.cells if c.cell_type == "code"
              for o in c.get("outputs", []) if _slider_html(o) is not None]
    if not stills:
        return None, "no slider"
    if len(site_html) != len(stills):
        return None, f"the site has {len(site_html)} slider(s), the notebook {len(stills)}"
    for i, (site, still) in enumerate(zip(site_html, stills)):
        if _alt(site) != _alt(still):
            return None, f"slider {i + 1}: the site's first frame differs from the stored one (rebuild the site)"
    return site_html, f"{len(stills)} slider(s) with every frame, from the site"


# --- the files next to the decks -----------------------------------------------------------------


def reveal_source():
    spec = importlib.util.find_spec("sphinx_revealjs")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the sphinx-revealjs package (requirements.txt), which ships reveal.js, is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "_static" / "revealjs"


def copy_assets(out):
    """Copy reveal.js and MathJax next to the decks (into ``out/reveal.js`` and ``out/mathjax``)."""
    for source, target, parts in ((reveal_source(), out / "reveal.js", REVEAL_PARTS),
                                  (_mathjax_source(), out / "mathjax", MATHJAX_PARTS)):
        for part in parts:
            destination = target / part
            if (source / part).is_dir():
                shutil.copytree(source / part, destination, dirs_exist_ok=True)
            else:
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source / part, destination)


# --- building -------------------------------------------------------------------------------------


def chapter_number(path):
    match = re.match(r"^(\d+)_", Path(path).name)
    if not match:
        raise ValueError(f"chapter notebooks are named NN_name.ipynb, got {Path(path).name}")
    return int(match.group(1))


def chapter_title(notebook):
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            heading = re.search(r"^#\s+(.+)$", cell.source, re.M)
            if heading:
                return heading.group(1).strip()
    return None


def exporter():
    from nbconvert.exporters import SlidesExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    # The exporter writes its own reveal.js and MathJax addresses (CDNs by default) into the
    # resources: set them here, relative to the decks' folder.
    slides = SlidesExporter(template_name=TEMPLATE, extra_template_basedirs=[str(TEMPLATE_DIR)],
                            reveal_url_prefix="reveal.js", mathjax_url="mathjax/tex-svg.js",
                            exclude_input_prompt=True, exclude_output_prompt=True)
    # Cells the site hides keep them hidden in the deck too.
    slides.register_preprocessor(TagRemovePreprocessor(
        remove_input_tags={"hide-input", "remove-input"}, remove_cell_tags={"remove-cell"},
        remove_all_outputs_tags={"remove-output"}, enabled=True), enabled=True)
    return slides


def build(paths, out, site=None, log=print):
    """Write one deck per notebook in ``paths`` into ``out``; return the deck paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    notebooks = {Path(p): nbformat.read(p, as_version=4) for p in paths}
    # All chapters, for cross-references and chapter titles, even when building only some decks.
    book = {p: nbformat.read(p, as_version=4) for p in sorted((ROOT / "chapters").glob("[0-9]*.ipynb"))}
    book.update(notebooks)
    titles = {p.stem: chapter_title(nb) or p.stem for p, nb in book.items()}
    bib, labels = bibliography(), {}
    for p, nb in book.items():  # first pass: every label's number
        deck_notebook(nb, Chapter(chapter_number(p), labels, titles, bib, strict=False), None)
    copy_assets(out)
    slides, written = exporter(), []
    for path, nb in notebooks.items():
        frames, why = matching_frames(nb, site_sliders(site, path.stem))
        deck = deck_notebook(nb, Chapter(chapter_number(path), labels, titles, bib), frames)
        resources = {"deck_title": titles[path.stem], "deck_css": DECK_CSS,
                     "fold_code_lines": FOLD_CODE_LINES, "metadata": {"name": path.stem}}
        body, _ = slides.from_notebook_node(deck, resources=resources)
        target = out / f"{path.stem}.slides.html"
        target.write_text(body, encoding="utf-8")
        written.append(target)
        log(f"{target}: {len(deck.cells)} cells; sliders: {why}")
    index = "".join(f'<li><a href="{p.name}">{html.escape(titles[p.name.split(".")[0]])}</a></li>'
                    for p in sorted(written))
    (out / "index.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Slides</title></head><body>'
        f"<h1>Differentiating through random sampling: slides</h1><ol>{index}</ol></body></html>",
        encoding="utf-8")
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="chapter notebooks (default: every chapters/NN_*.ipynb)")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "slides")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--site", type=Path, default=ROOT / "_build" / "html",
                       help="the built site whose slider frames the decks reuse (default: %(default)s, if it exists)")
    where.add_argument("--no-site", action="store_true", help="show each slider's stored frame only")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "chapters").glob("[0-9]*.ipynb"))
    for path in paths:
        if path.suffix != ".ipynb" or not path.is_file():
            parser.error(f"notebooks: {path} is not an .ipynb file")
        try:
            chapter_number(path)
        except ValueError as error:
            parser.error(f"notebooks: {error}")
    build(paths, args.out, site=None if args.no_site else args.site)
    return 0


if __name__ == "__main__":
    sys.exit(main())
