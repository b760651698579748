"""Remove exercise solutions from MyST markdown and from notebooks; the exercises stay.

Two forms of solution are removed (sphinx-exercise's syntax):

- a ``{solution}`` directive: its fenced block, from the opening fence to the closing one;
- a gated solution: everything from the ``{solution-start}`` directive through the
  ``{solution-end}`` directive, including whole cells in between (code cells with their outputs).

Fences follow CommonMark, as MyST does: a block opened by N backticks (or N colons, with the
``colon_fence`` extension) is closed by a line of at least N of the same character, so shorter
fences inside a solution (a code example) do not end it.
"""
import re

#: The opening line of a sphinx-exercise solution directive, in a backtick or a colon fence.
SOLUTION_OPEN = re.compile(r"^ {0,3}(?P<fence>`{3,}|:{3,})\{(?P<name>solution|solution-start|solution-end)\}")
#: An inline ``{eval}`expression``` of myst-nb and jupyterlab-myst.
EVAL_ROLE = re.compile(r"\{eval\}`([^`]+)`")


def _closes(line, fence):
    """Whether ``line`` is a closing fence for a block opened with ``fence``."""
    match = re.fullmatch(r" {0,3}(`+|:+)[ \t]*", line.rstrip("\r\n"))
    return match is not None and match[1][0] == fence[0] and len(match[1]) >= len(fence)


def strip_markdown(text, gated=False):
    """Return ``(text without solutions, whether a gated solution is still open at its end)``.

    ``gated`` says whether the text starts inside a gated solution (opened in an earlier cell).
    """
    kept, lines, i = [], text.splitlines(keepends=True), 0
    while i < len(lines):
        opening = SOLUTION_OPEN.match(lines[i])
        if opening is None:
            if not gated:
                kept.append(lines[i])
            i += 1
            continue
        name, fence = opening["name"], opening["fence"]
        if name == "solution-end" and not gated:
            raise ValueError(f"{{solution-end}} without a {{solution-start}} before it: {lines[i].strip()!r}")
        if name == "solution-start" and gated:
            raise ValueError(f"{{solution-start}} inside another gated solution: {lines[i].strip()!r}")
        i += 1  # skip the directive's block: options, content, closing fence
        while i < len(lines) and not _closes(lines[i], fence):
            i += 1
        if i == len(lines):
            raise ValueError(f"the {{{name}}} block that opens with {fence!r} is never closed")
        i += 1
        gated = {"solution": gated, "solution-start": True, "solution-end": False}[name]
        # The blank lines that separated the block from what follows would now double the gap.
        while i < len(lines) and not lines[i].strip() and (not kept or not kept[-1].strip()):
            i += 1
    return "".join(kept), gated


def strip_notebook(notebook):
    """Remove every solution from an nbformat-4 ``notebook`` in place; return how many were removed.

    A markdown cell that held nothing but solutions is dropped, and the inline-expression values
    that ``tools/execute_notebook.py`` stores in a cell (``user_expressions``) keep only the
    expressions still in its text.
    """
    cells, gated, removed = [], False, 0
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            if not gated:
                cells.append(cell)
            continue
        openings = [m["name"] for m in map(SOLUTION_OPEN.match, cell.source.splitlines()) if m]
        if not openings and not gated:
            cells.append(cell)
            continue
        removed += sum(name != "solution-end" for name in openings)
        text, gated = strip_markdown(cell.source, gated)
        if not text.strip():
            continue
        cell.source = text.strip("\n")
        if "user_expressions" in cell.metadata:
            left = set(EVAL_ROLE.findall(text))
            cell.metadata.user_expressions = [e for e in cell.metadata.user_expressions if e["expression"] in left]
        cells.append(cell)
    if gated:
        raise ValueError("a {solution-start} has no {solution-end} after it")
    notebook.cells = cells
    return removed
