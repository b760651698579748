"""Sphinx extension: read each notebook's outputs from a build that executed it, instead of executing it again.

The Korean site and the editions differ from the English default build in their words, solutions
and pages, never in what a code cell computes. ``scripts/build_book.py`` (for Korean) and
``scripts/build_edition.py --outputs-from _build/jupyter_execute`` set ``reuse_outputs_from`` to
the folder where the English build's myst-nb wrote the notebooks it executed and turn execution
off; this extension gives myst-nb each code cell's outputs from that executed copy (the sliders'
carry every frame, which ``_ext/offline_site.py`` embeds only during a build). A cell that printed
keeps its stored outputs instead, which nbval checks reproduce: myst-nb 1.4 saves the executed
copy with its stdout streams merged but the merged-away outputs left in. The cells must be the
source's, or the build stops: outputs of another version of a chapter are never shown. The
{eval} numbers come from the values stored in the notebook (``_ext/stored_eval.py``).

One output depends on the build's language: a chapter's self-check (``reparam.selfcheck``), which
the kernel shows in the language ``_ext/bilingual.py`` puts in ``REPARAM_LANGUAGE``. It is made
again here, in this build's language, as the kernel would have made it.
"""
import json
import re
from pathlib import Path

from reparam.selfcheck import selfcheck

from sphinx.errors import ExtensionError


def _cells(notebook):
    return [(c["cell_type"], "".join(c["source"])) for c in notebook["cells"]]


#: What a self-check shows as plain text: ``SelfCheck.__repr__``.
SELFCHECK = re.compile(r"<Self-check on (\w+): \d+ questions>")


def _in_this_language(output):
    """``output`` with a self-check made again in the build's language; any other output as it is."""
    found = SELFCHECK.fullmatch("".join(output.get("data", {}).get("text/plain", "")))
    if found:
        quiz = selfcheck(found[1])
        output = {**output, "data": {**output["data"], "text/plain": repr(quiz), "text/html": quiz.to_html()}}
    return output


def _swap(app, docname, source):
    folder = app.config.reuse_outputs_from
    path = Path(app.env.doc2path(docname))
    if not folder or path.suffix != ".ipynb":
        return
    executed = Path(folder) / f"{docname}.ipynb"
    if not executed.is_file():
        raise ExtensionError(f"reuse_outputs_from: {executed} is missing; build the default site first")
    built, notebook = json.loads(executed.read_text(encoding="utf-8")), json.loads(source[0])
    if _cells(built) != _cells(notebook):
        raise ExtensionError(f"reuse_outputs_from: {executed} was executed from another version of {path.name}; "
                             "build the default site again")
    for cell, built_cell in zip(notebook["cells"], built["cells"]):
        if cell["cell_type"] == "code" and not any(o["output_type"] == "stream" for o in built_cell["outputs"]):
            cell["outputs"] = [_in_this_language(output) for output in built_cell["outputs"]]
    source[0] = json.dumps(notebook)


def setup(app):
    app.add_config_value("reuse_outputs_from", "", "env")
    app.connect("source-read", _swap)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
