"""Execute chapter notebooks in place, storing code outputs and the values of inline expressions.

    .venv/bin/python tools/execute_notebook.py chapters/02_score_function.ipynb [more.ipynb ...]

Like ``jupyter execute --inplace``, with one addition: after the code cells above it have run, each
markdown cell's inline ``{eval}`name``` expressions are evaluated in the kernel and stored in the
cell's ``user_expressions`` metadata, in the format jupyterlab-myst writes when a reader runs the
cell. A notebook opened in JupyterLab then shows the numbers in its prose before anything is run
(the website evaluates the same expressions itself, when the book is built).

Widget state is not stored: a stored slider shows its still frame until the notebook is run, and a
notebook carrying widget state would open as modified under the book's saveState setting.
"""
import argparse
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

#: ``{eval}`expression``` in MyST markdown.
EVAL_ROLE = re.compile(r"\{eval\}`([^`]+)`")


def evaluate_expressions(client, cell):
    """Evaluate the cell's inline expressions in the running kernel; return jupyterlab-myst metadata."""
    expressions = EVAL_ROLE.findall(cell.source)
    if not expressions:
        cell.metadata.pop("user_expressions", None)
        return
    msg_id = client.kc.execute("", silent=True, store_history=False,
                               user_expressions={str(i): e for i, e in enumerate(expressions)})
    reply = client.wait_for_reply(msg_id)
    results = reply["content"]["user_expressions"]
    stored = []
    for i, expression in enumerate(expressions):
        result = results[str(i)]
        if result["status"] != "ok":
            raise RuntimeError(f"inline expression {expression!r} failed: {result.get('ename')}: {result.get('evalue')}")
        stored.append({"expression": expression, "result": result})
    cell.metadata["user_expressions"] = stored


def execute(path, timeout=900):
    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", store_widget_state=False,
                            resources={"metadata": {"path": str(path.parent)}})
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type == "code":
                client.execute_cell(cell, index)
            elif cell.cell_type == "markdown":
                evaluate_expressions(client, cell)
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for path in args.notebooks:
        print(f"executing {path}", file=sys.stderr)
        execute(path)


if __name__ == "__main__":
    main()
