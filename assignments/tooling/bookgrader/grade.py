"""Grade submitted notebooks: the tests run in the teacher's process, the student's code in the sandbox.

For each test cell of the *source* notebook (never the submission's copy of it), the teacher's process

1. finds the names the cell reads but does not define itself, the given code does not define, and
   Python's builtins do not define (``st_gradient``, ``p_hat``...);
2. asks the sandbox for those values: numbers, arrays and other data arrive decoded with ``json`` and
   numpy, functions arrive as proxies that send their arguments to the sandbox and bring back data;
3. runs the cell, public and hidden tests alike, in a fresh namespace made of the given code, those
   values and builtins, with assertions compiled in whatever ``-O`` says. The cell earns its points if
   it raises nothing.

So a submission can choose the data its names hold and what its functions return, and nothing else:
it cannot see the hidden tests, replace ``assert_allclose`` or ``isclose`` in the process that checks,
or print its way to a score; the score table is written by the teacher's process alone.
"""
import ast
import builtins
import csv
import os
import re
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from .assignment import Assignment
from .sandbox import SandboxError, SubmissionProcess

BUILTIN_NAMES = frozenset(dir(builtins))
MAX_SUBMISSION_BYTES = 20 * 2**20


def names_used(source):
    """(names the code reads, names it binds anywhere), for plain Python source."""
    loaded, bound = set(), set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            bound.update(node.names)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            bound.add(node.name)
    return loaded, bound


def student_names(test_source, prelude):
    """The names a test cell takes from the submission."""
    loaded, bound = names_used(test_source)
    return sorted(loaded - bound - set(prelude) - BUILTIN_NAMES)


@dataclass
class Result:
    """The grade of one submission."""

    student: str
    points: dict = field(default_factory=dict)    #: grade_id -> points earned
    messages: dict = field(default_factory=dict)  #: grade_id -> why the test failed ("" if passed)
    status: str = "ok"
    sandbox: str = "none"
    cells: list = field(default_factory=list)

    @property
    def total(self):
        return sum(self.points.values())


def _describe(error):
    text = f"{type(error).__name__}: {error}".strip().rstrip(":")
    return re.sub(r"\s+", " ", text)[:300]


def run_test(test, prelude, process):
    """Run one test cell against the submission; return "" if it passed, else the reason."""
    wanted = student_names(test.source, prelude)
    try:
        values, problems = process.get(wanted) if wanted else ({}, {})
    except SandboxError as error:
        return f"no answer from the submission: {error}"
    namespace = dict(prelude)
    namespace.update(values)
    code = compile(test.source, f"<test {test.grade_id}>", "exec", dont_inherit=True, optimize=0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the same verdict whatever the caller's warning filters
            exec(code, namespace)
    except NameError as error:
        name = getattr(error, "name", None)
        if name in problems:
            return f"{name} could not be read from the submission: {problems[name]}"
        return _describe(error)
    except SandboxError as error:
        return f"no answer from the submission: {error}"
    except Exception as error:  # noqa: BLE001 - a failing test, whatever it raised
        return _describe(error)
    return ""


def grade_notebook(assignment, notebook, student, *, protected=(), limits=None, sandbox="auto"):
    """Grade one submitted notebook; never raises for anything the submission does."""
    result = Result(student=student, points={t.grade_id: 0.0 for t in assignment.tests},
                    messages={t.grade_id: "" for t in assignment.tests})
    notebook = Path(notebook)
    if notebook.stat().st_size > MAX_SUBMISSION_BYTES:
        result.status = "refused: notebook larger than 20 MiB"
        result.messages = {k: result.status for k in result.messages}
        return result
    prelude = assignment.prelude()
    protected = [assignment.directory, *protected]
    with SubmissionProcess(notebook, protected=protected, limits=limits, sandbox=sandbox) as process:
        result.sandbox, result.cells = process.sandbox, process.cells
        for test in assignment.tests:
            message = run_test(test, prelude, process)
            result.messages[test.grade_id] = message
            result.points[test.grade_id] = 0.0 if message else test.points
        if process.error:
            result.status = f"error: {process.error}"
    return result


def find_submissions(folder):
    """(student, notebook) pairs: ``folder/NAME.ipynb``, or ``folder/NAME/`` holding one notebook.
    Notebooks inside hidden folders (``.ipynb_checkpoints``...) are ignored."""
    folder = Path(folder)
    found = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_file() and entry.suffix == ".ipynb":
            found.append((entry.stem, entry))
        elif entry.is_dir():
            notebooks = sorted(p for p in entry.rglob("*.ipynb")
                               if not any(part.startswith(".") for part in p.relative_to(entry).parts))
            found.append((entry.name, notebooks[0] if len(notebooks) == 1 else None))
    return found


def write_csv(assignment, results, path):
    """The score table: student, points, max, one column per test cell, status. Written to a
    temporary file and renamed, so a reader never sees half a table."""
    path = Path(path)
    columns = [t.grade_id for t in assignment.tests]
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "points", "max", *columns, "status"])
        for r in results:
            writer.writerow([r.student, _number(r.total), _number(assignment.max_points),
                             *(_number(r.points.get(c, 0.0)) for c in columns), r.status])
    os.replace(temporary, path)


def write_feedback(assignment, result, folder):
    """A short Markdown report per student: each test, its points, and why it failed. It names the
    failing exception and message, never the test's source (so hidden tests stay hidden)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"# {assignment.name}: {result.student}", "",
             f"Score: {_number(result.total)} / {_number(assignment.max_points)}", "",
             "| test | points | result |", "| --- | --- | --- |"]
    for t in assignment.tests:
        message = result.messages.get(t.grade_id, "") or "passed"
        lines.append(f"| {t.grade_id} | {_number(result.points.get(t.grade_id, 0.0))} / {_number(t.points)} "
                     f"| {message.replace('|', '/')} |")
    if result.status != "ok":
        lines += ["", f"Status: {result.status}"]
    (folder / f"{result.student}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _number(x):
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def grade_folder(assignment_dir, submissions, out, *, limits=None, sandbox="auto", feedback=None, log=print):
    """Grade every submission in a folder and write the score table; return the results."""
    assignment = Assignment.load(assignment_dir)
    submissions = Path(submissions).resolve()
    out = Path(out).resolve()
    # out of the submission's reach, even where a readable directory contains them: every assignment's
    # sources, the other submissions, the score table and the feedback folder
    protected = [assignment.directory.parent, submissions, out] + ([Path(feedback).resolve()] if feedback else [])
    results = []
    for student, notebook in find_submissions(submissions):
        start = time.monotonic()
        if notebook is None:
            result = Result(student=student, points={t.grade_id: 0.0 for t in assignment.tests},
                            status="error: no single notebook in the folder")
        else:
            result = grade_notebook(assignment, notebook, student, protected=protected, limits=limits,
                                    sandbox=sandbox)
        results.append(result)
        if feedback:
            write_feedback(assignment, result, feedback)
        log(f"{student}: {_number(result.total)} / {_number(assignment.max_points)}"
            f"  [{result.status}; sandbox {result.sandbox}; {time.monotonic() - start:.1f} s]")
    write_csv(assignment, results, out)
    return results
