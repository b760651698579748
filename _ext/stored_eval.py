"""Sphinx extension: {eval}`name` that also works where no kernel is running.

myst-nb's ``eval`` role asks the notebook's live kernel for the value (``execute_notebooks:
inline``). Two places of the book have no kernel at hand: a paragraph that Sphinx's gettext
translation parses again after the notebook has run (the translated edition), and any build that
does not execute. ``tools/execute_notebook.py`` stores every value in the markdown cell's
``user_expressions`` metadata (jupyterlab-myst's format), so this role

* asks the kernel when there is one, as myst-nb does, and warns when the stored value differs
  (a stale notebook: run ``tools/execute_notebook.py`` on it; ``-W`` turns this into an error);
* otherwise takes the value stored in the notebook, and warns when there is none.

A name quoted in several cells with different stored values would be ambiguous without a kernel,
so that is a warning too. The output is the node myst-nb makes for a ``text/plain`` value.
"""
import json
import re
from functools import lru_cache
from pathlib import Path

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxRole

logger = logging.getLogger(__name__)

_QUOTED = re.compile(r"^(\".*\"|'.*')$")


@lru_cache(maxsize=64)
def _stored(path, mtime):
    """``(name -> text, names stored with different texts)`` of the notebook at ``path``."""
    del mtime  # part of the cache key only: a notebook saved again is read again
    values, ambiguous = {}, set()
    cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
    for cell in cells:
        for item in cell.get("metadata", {}).get("user_expressions", []):
            result = item.get("result", {})
            if result.get("status") != "ok" or "text/plain" not in result.get("data", {}):
                continue
            name, text = item["expression"], result["data"]["text/plain"]
            if values.setdefault(name, text) != text:
                ambiguous.add(name)
    return values, frozenset(ambiguous)


def _live(document, name):
    """The kernel's ``text/plain`` for ``name``, or None where the document has no live kernel."""
    from myst_nb.core.variables import RetrievalError
    from myst_nb.ext.eval import retrieve_eval_data

    try:
        outputs = retrieve_eval_data(document, name)
    except RetrievalError:
        return None
    for output in outputs:
        if "text/plain" in output.data:
            return output.data["text/plain"]
    return None


class StoredEvalRole(SphinxRole):
    def run(self):
        name = self.text.strip()
        path = Path(self.env.doc2path(self.env.docname))
        values, ambiguous = _stored(str(path), path.stat().st_mtime) if path.suffix == ".ipynb" else ({}, set())
        stored, live = values.get(name), _live(self.inliner.document, name)
        where = self.get_location()
        if live is not None:
            if stored != live:
                logger.warning(f"{{eval}}`{name}` is {live} now but the notebook stores {stored}: "
                               "run tools/execute_notebook.py on it", location=where)
            text = live
        elif stored is None:
            logger.warning(f"{{eval}}`{name}`: no kernel and no stored value (tools/execute_notebook.py "
                           "stores them)", location=where)
            return [], []
        else:
            if name in ambiguous:
                logger.warning(f"{{eval}}`{name}` is stored with different values in different cells: "
                               "give each quoted number its own name", location=where)
            text = stored
        if _QUOTED.match(text):
            text = text[1:-1]
        return [nodes.inline(text, text, classes=["output", "text_plain"])], []


def _register(app):
    # After every extension's setup, so that this role replaces myst-nb's.
    app.add_role("eval", StoredEvalRole(), override=True)


def setup(app):
    app.connect("builder-inited", _register)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
