"""Slide metadata for the chapters: each cell's ``slideshow.slide_type``, set by fixed rules.

    .venv/bin/python tools/slide_metadata.py chapters/*.ipynb          # write the metadata
    .venv/bin/python tools/slide_metadata.py --check chapters/*.ipynb  # exit 1 if any cell differs

A teacher presents a chapter live in JupyterLab (jupyterlab-slideshow, README "Teaching"), and
``scripts/build_slides.py`` makes a static deck from the same metadata. The rules, first match wins:

1. A cell that holds nothing but exercise solutions (``{solution}``, or what lies between
   ``{solution-start}`` and ``{solution-end}``, code cells included) is ``skip``: the class sees
   the exercise, not its answer.
2. A markdown cell that starts with a ``#`` or ``##`` heading is a ``slide``: chapter title and
   sections are the deck's horizontal axis.
3. A markdown cell that starts with a ``###`` (or deeper) heading or with an exercise directive
   is a ``subslide``.
4. A slider gets a slide of its own, so the class sees the whole picture while it moves: its cell
   is a ``subslide``, unless the markdown cell just before it is a short introduction
   (``SLIDER_INTRO_CHARS``), which then starts the subslide and keeps the slider with it. The
   cell after a slider starts a new ``subslide``.
5. Any other cell continues the current slide if the slide's estimated height stays within
   ``SLIDE_LINES`` lines of text; otherwise it starts a ``subslide``. A markdown cell that
   continues a slide after a code cell is a ``fragment``: the result is shown first, then what it
   means.

A cell that continues its slide carries no ``slide_type`` at all. nbformat also allows ``"-"`` for
that, and nbconvert reads both alike, but jupyterlab-slideshow 0.3.4 reads only a missing value
as "continue" (a ``"-"`` cell becomes a step of its own that hides the rest of its slide).

Heights are estimated in lines of body text on a 1280x720 projector (``estimate_lines``): a
paragraph by its length, a display equation by its rows, a figure by its pixel height. A cell too
tall for one slide still gets one: the live presentation scrolls it, and the static deck splits
it between blocks.

The rules are idempotent: running the tool twice changes nothing the second time.
"""
import argparse
import base64
import math
import re
import struct
import sys
from pathlib import Path

import nbformat

#: Estimated lines of body text that fit on one slide (reveal.js at 1280x720, the decks' CSS).
SLIDE_LINES = 21
#: Characters of prose per line on a slide.
CHARS_PER_LINE = 85
#: Pixels of a figure per line of text.
PIXELS_PER_LINE = 27
#: A markdown cell at most this long, just before a slider, introduces it and shares its slide.
SLIDER_INTRO_CHARS = 420
#: A slider cell calls ``*_slider(`` or ``Slider(`` (the same pattern as tests/jupyterlab_harness.py).
SLIDER_CALL = re.compile(r"(\b\w+_slider|\bSlider)\s*\(")


_FENCE = re.compile(r"^(\s*)(`{3,}|:{3,})\s*(\{([\w:-]+)\})?\s*(.*)$")
_HEADING = re.compile(r"^(#{1,6})\s+\S")
_ROLE = re.compile(r"\{[\w:-]+\}`([^`]*)`")
_LIST_ITEM = re.compile(r"^\s*([*+-]|\d+[.)])\s+")


# --- markdown, block by block ---------------------------------------------------------------------


class Block:
    """A top-level block of MyST markdown.

    ``kind``: ``heading`` (``level`` set), ``fence`` (a code block or a directive: ``name`` is the
    directive, ``None`` for plain code; ``arg`` its argument; ``body`` the text inside, options
    included), ``math`` (a ``$$`` display equation), ``target`` (a ``(label)=`` line), or ``para``
    (anything else up to a blank line: paragraphs, lists, tables). ``text`` is the block's source.
    """

    def __init__(self, kind, text, **info):
        self.kind, self.text = kind, text
        self.level = info.get("level")
        self.name = info.get("name")
        self.arg = info.get("arg", "")
        self.body = info.get("body", "")

    def __repr__(self):
        return f"Block({self.kind!r}, {self.text[:40]!r})"


def blocks(text):
    """Split MyST markdown into its top-level :class:`Block` s, in order."""
    lines = text.split("\n")
    found, i = [], 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        fence = _FENCE.match(line)
        if fence and not fence.group(1):
            marker = fence.group(2)
            end = i + 1
            while end < len(lines) and not _closes(lines[end], marker):
                end += 1
            found.append(Block("fence", "\n".join(lines[i:end + 1]), name=fence.group(4),
                               arg=fence.group(5).strip(), body="\n".join(lines[i + 1:end])))
            i = end + 1
            continue
        if line.lstrip().startswith("$$"):
            end = i
            while not _ends_math(lines[end], first=end == i) and end + 1 < len(lines):
                end += 1
            found.append(Block("math", "\n".join(lines[i:end + 1])))
            i = end + 1
            continue
        heading = _HEADING.match(line)
        if heading:
            found.append(Block("heading", line, level=len(heading.group(1))))
            i += 1
            continue
        if re.match(r"^\(\S+\)=\s*$", line):
            found.append(Block("target", line))
            i += 1
            continue
        end = i
        while (end + 1 < len(lines) and lines[end + 1].strip() and not _HEADING.match(lines[end + 1])
               and not lines[end + 1].lstrip().startswith("$$") and not _FENCE.match(lines[end + 1])):
            end += 1
        found.append(Block("para", "\n".join(lines[i:end + 1])))
        i = end + 1
    return found


def _closes(line, marker):
    """Whether ``line`` closes a fence opened with ``marker`` (same character, at least as long)."""
    stripped = line.strip()
    return (len(stripped) >= len(marker) and set(stripped) == {marker[0]})


def _ends_math(line, first):
    """Whether a ``$$`` display equation ends on ``line`` (``$$`` or ``$$ (label)`` at its end)."""
    body = line.strip()[2:] if first else line.strip()
    return bool(re.search(r"\$\$\s*(\(\S+\))?\s*$", body))


def directive_options(body):
    """Split a directive's body into its ``:key: value`` options (a dict) and the rest (text)."""
    lines, options = body.split("\n"), {}
    i = 0
    while i < len(lines) and (m := re.match(r"^:([\w-]+):\s*(.*)$", lines[i])):
        options[m.group(1)] = m.group(2).strip()
        i += 1
    return options, "\n".join(lines[i:]).strip("\n")


# --- solutions --------------------------------------------------------------------------------------


def strip_solutions(text, inside=False):
    """Remove exercise solutions from ``text``; return ``(what is left, inside)``.

    ``inside``: whether the text starts within a ``{solution-start}`` ... ``{solution-end}`` pair
    opened in an earlier cell; the returned flag says whether it ends within one.
    """
    kept = []
    for block in blocks(text):
        if block.kind == "fence" and block.name == "solution-start":
            inside = True
        elif block.kind == "fence" and block.name == "solution-end":
            inside = False
        elif inside or (block.kind == "fence" and block.name == "solution"):
            continue
        else:
            kept.append(block.text)
    return "\n\n".join(kept), inside


# --- heights ----------------------------------------------------------------------------------------


def estimate_lines(block):
    """Estimated height of a markdown :class:`Block` on a slide, in lines of body text."""
    if block.kind == "heading":
        return {1: 2.5, 2: 2.0}.get(block.level, 1.6)
    if block.kind == "target":
        return 0.0
    if block.kind == "math":
        rows = block.text.count(r"\\") + 1
        fractions = 0.4 * min(block.text.count(r"\frac"), rows)
        return 1.6 * rows + fractions + 0.6
    if block.kind == "fence":
        if block.name is None:  # code shown as code
            return 0.85 * (block.body.count("\n") + 1) + 1.0
        _, body = directive_options(block.body)
        return 1.6 + sum(estimate_lines(b) for b in blocks(body))
    # paragraphs and lists: each item wraps on its own
    items, current = [], ""
    for line in block.text.split("\n"):
        if _LIST_ITEM.match(line) and current:
            items.append(current)
            current = line
        else:
            current = (current + " " + line.strip()) if current else line
    items.append(current)
    visible = [len(_ROLE.sub(lambda m: "x" * min(len(m.group(1)), 12), item)) for item in items]
    return sum(max(1, math.ceil(n / CHARS_PER_LINE)) for n in visible) + 0.5


def markdown_lines(text):
    """Estimated height of markdown ``text`` in lines."""
    return sum(estimate_lines(b) for b in blocks(text))


def _png_height(b64):
    data = base64.b64decode("".join(b64)[:64] + "==")[:24]
    return struct.unpack(">I", data[20:24])[0] if data[:8] == b"\x89PNG\r\n\x1a\n" else 300


def output_lines(output):
    """Estimated height of one code cell output in lines."""
    if output.get("output_type") == "stream":
        return 0.85 * min(len("".join(output.get("text", "")).splitlines()), 30)
    data = output.get("data", {})
    html = "".join(data.get("text/html", ""))
    if "image/png" in data:
        return _png_height(data["image/png"]) / PIXELS_PER_LINE
    if html:
        height = re.search(r'<img[^>]*\bheight="(\d+)"', html)
        return (int(height.group(1)) / PIXELS_PER_LINE + 2.0) if height else 0.85 * html.count("<tr") + 2.0
    return 0.85 * min(len("".join(data.get("text/plain", "")).splitlines()), 30)


def code_lines(cell):
    """Estimated height of a code cell (source and outputs) in lines."""
    source = 0.85 * (cell.source.count("\n") + 1) + 0.8
    return source + sum(output_lines(o) for o in cell.get("outputs", []))


# --- the rules --------------------------------------------------------------------------------------


def is_slider(cell):
    """Whether a code cell shows a slider (a call outside comments)."""
    code = "\n".join(line.split("#", 1)[0] for line in cell.source.splitlines())
    return cell.cell_type == "code" and bool(SLIDER_CALL.search(code))


def slide_types(notebook):
    """The slide type of every cell of ``notebook`` by the rules of this module's docstring."""
    cells = notebook.cells
    visible, inside = [], False  # what each cell shows once solutions are taken out (None: nothing)
    for cell in cells:
        if cell.cell_type == "markdown":
            text, inside = strip_solutions(cell.source, inside)
            visible.append(text if text.strip() else None)
        else:
            visible.append(None if inside else cell.source)
    intro = [cell.cell_type == "markdown" and visible[i] is not None and len(visible[i]) <= SLIDER_INTRO_CHARS
             and i + 1 < len(cells) and visible[i + 1] is not None and is_slider(cells[i + 1])
             for i, cell in enumerate(cells)]
    types, height, previous = [], 0.0, None  # previous: "slider", "code" or "markdown"
    for i, cell in enumerate(cells):
        if visible[i] is None:
            types.append("skip")
            continue
        overflow = previous == "slider"
        if cell.cell_type == "markdown":
            first = blocks(visible[i])[0]
            lines = markdown_lines(visible[i])
            overflow = overflow or height + lines > SLIDE_LINES
            if first.kind == "heading" and first.level <= 2:
                kind = "slide"
            elif first.kind == "heading" or (first.kind == "fence" and (first.name or "").startswith("exercise")):
                kind = "subslide"
            elif intro[i] or overflow:
                kind = "subslide"
            else:
                kind = "fragment" if previous == "code" else "-"
        else:
            lines = code_lines(cell)
            if is_slider(cell):
                kind = "-" if i > 0 and intro[i - 1] else "subslide"
            else:
                kind = "subslide" if overflow or height + lines > SLIDE_LINES else "-"
        if kind in ("slide", "subslide"):
            height = 0.0
        height += lines
        types.append(kind)
        previous = "slider" if is_slider(cell) else cell.cell_type
    return types


def stored(kind):
    """The ``slide_type`` stored for ``kind``: none for a cell that continues its slide (``-``)."""
    return None if kind == "-" else kind


def apply(notebook):
    """Set every cell's ``slideshow.slide_type`` by the rules; return the number of cells changed
    (0 when the notebook already follows them)."""
    changed = 0
    for cell, kind in zip(notebook.cells, slide_types(notebook)):
        slideshow = cell.metadata.get("slideshow", {})
        if slideshow.get("slide_type") == stored(kind) and ("slide_type" in slideshow) == (kind != "-"):
            continue
        changed += 1
        if kind == "-":
            slideshow.pop("slide_type", None)
            if not slideshow:
                cell.metadata.pop("slideshow", None)
        else:
            cell.metadata.setdefault("slideshow", {})["slide_type"] = kind
    return changed


def differences(notebook):
    """What differs from the rules: a list of ``"cell N: has X, rules give Y"``."""
    found = []
    for i, (cell, kind) in enumerate(zip(notebook.cells, slide_types(notebook))):
        slideshow = cell.metadata.get("slideshow", {})
        if "slide_type" in slideshow and kind == "-":
            found.append(f"cell {i}: has {slideshow['slide_type']!r}, rules give no slide_type (continue the slide)")
        elif slideshow.get("slide_type") != stored(kind):
            found.append(f"cell {i}: has {slideshow.get('slide_type')!r}, rules give {kind!r}")
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a notebook's metadata differs from the rules")
    args = parser.parse_args(argv)
    status = 0
    for path in args.notebooks:
        if path.suffix != ".ipynb" or not path.is_file():
            parser.error(f"notebooks: {path} is not an .ipynb file")
        notebook = nbformat.read(path, as_version=4)
        if args.check:
            found = differences(notebook)
            if found:
                status = 1
                print(f"{path}: slide metadata differs from the rules of tools/slide_metadata.py "
                      f"(run it without --check):\n  " + "\n  ".join(found))
        else:
            changed = apply(notebook)
            if changed:
                nbformat.write(notebook, path)
            print(f"{path}: {changed} change(s)")
    return status


if __name__ == "__main__":
    sys.exit(main())
