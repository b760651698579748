"""_ext/stored_eval.py: {eval} from a notebook's stored values where no kernel runs, checked against it where one does.

The book's own build (tests/test_book_build.py, -W) checks the common case: all 300-odd live values equal
to the stored ones."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _notebook(stored, source, code="x = '0.25'"):
    markdown = {"cell_type": "markdown", "id": "m1", "source": source,
                "metadata": {"user_expressions": [
                    {"expression": name, "result": {"status": "ok", "data": {"text/plain": text}, "metadata": {}}}
                    for name, text in stored.items()]}}
    cells = [{"cell_type": "code", "id": "c1", "source": code, "metadata": {}, "outputs": [],
              "execution_count": None}, markdown]
    return {"nbformat": 4, "nbformat_minor": 5, "cells": cells,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}}


def _build(tmp_path, notebook, mode):
    (tmp_path / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / '_ext')!r})\n"
        "extensions = ['myst_nb', 'stored_eval']\n"
        f"nb_execution_mode = {mode!r}\n")
    (tmp_path / "index.ipynb").write_text(json.dumps(notebook))
    result = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-E", str(tmp_path),
                             str(tmp_path / "_build")], capture_output=True, text=True, timeout=300)
    html = (tmp_path / "_build" / "index.html")
    # Sphinx's warnings only: the kernel's own stderr (ipykernel's transport notice) is not one.
    warnings = "\n".join(line for line in result.stderr.splitlines() if "WARNING:" in line)
    return warnings, html.read_text() if html.exists() else ""


def test_stored_value_without_a_kernel(tmp_path):
    warnings, html = _build(tmp_path, _notebook({"x": "'0.25'"}, "The value is {eval}`x`."), "off")
    assert not warnings, warnings
    assert '<span class="output text_plain">0.25</span>' in html


def test_missing_value_without_a_kernel_warns(tmp_path):
    warnings, _ = _build(tmp_path, _notebook({}, "The value is {eval}`x`."), "off")
    assert "{eval}`x`: no kernel and no stored value" in warnings


def test_live_value_that_differs_from_the_stored_one_warns(tmp_path):
    warnings, html = _build(tmp_path, _notebook({"x": "'0.5'"}, "The value is {eval}`x`."), "inline")
    assert "{eval}`x` is '0.25' now but the notebook stores '0.5'" in warnings
    assert '<span class="output text_plain">0.25</span>' in html  # the kernel's value is shown

