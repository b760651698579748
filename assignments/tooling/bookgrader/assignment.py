"""An assignment: its source notebook in nbgrader's format, and the student version made from it.

Layout of one assignment folder (``assignments/NN_name/``)::

    source/NN_name.ipynb    the teacher's notebook: solutions, public and hidden tests (never hand out)
    student/NN_name.ipynb   made from the source by ``release``: hand this out
    ci/wrong.json           a wrong submission and the score it must get (checked by the test suite)

The source uses nbgrader's cell metadata (``metadata.nbgrader``) and markers:

* a *solution cell* (``solution: true``) holds the answer between ``### BEGIN SOLUTION`` and
  ``### END SOLUTION``; the student version has ``# YOUR CODE HERE`` / ``raise NotImplementedError()``;
* a *test cell* (``grade: true``, ``points``, ``grade_id``) holds public tests, which students see and
  run, and hidden tests between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``, which the
  student version does not contain;
* every other code cell is *given code* (imports, constants, helper functions): it must not need the
  solutions, because the grader runs it in the teacher's process to build the namespace of the tests.
"""
import ast
import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN_MARKERS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")


@dataclass
class TestCell:
    """One graded cell: all of its asserts pass (points) or not (zero)."""

    grade_id: str
    points: float
    source: str

    @property
    def public_source(self):
        """The cell as students see it: hidden regions removed."""
        return strip_region(self.source, HIDDEN_MARKERS)


@dataclass
class Assignment:
    """The parsed source notebook of one assignment folder."""

    directory: Path
    source_path: Path
    notebook: nbformat.NotebookNode
    given: list = field(default_factory=list)        #: sources of the given code cells, in order
    tests: list = field(default_factory=list)        #: TestCell, in order
    solutions: dict = field(default_factory=dict)    #: grade_id -> source of each solution cell

    @property
    def name(self):
        return self.directory.name

    @property
    def student_path(self):
        return self.directory / "student" / self.source_path.name

    @property
    def max_points(self):
        return sum(t.points for t in self.tests)

    @classmethod
    def load(cls, directory):
        directory = Path(directory).resolve()
        sources = sorted((directory / "source").glob("*.ipynb"))
        if len(sources) != 1:
            raise ValueError(f"{directory}/source must hold exactly one notebook, found {len(sources)}")
        notebook = nbformat.read(sources[0], as_version=4)
        assignment = cls(directory=directory, source_path=sources[0], notebook=notebook)
        ids = set()
        for cell in notebook.cells:
            meta = cell.metadata.get("nbgrader", {})
            grade_id = meta.get("grade_id")
            if meta.get("grade") or meta.get("solution"):
                if not grade_id or grade_id in ids:
                    raise ValueError(f"{sources[0].name}: graded and solution cells need unique grade_ids ({grade_id!r})")
                ids.add(grade_id)
            if cell.cell_type != "code":
                continue
            if meta.get("grade") and meta.get("solution"):
                raise ValueError(f"{grade_id}: a cell is either a solution or a test, not both")
            if meta.get("grade"):
                points = meta.get("points")
                if not isinstance(points, (int, float)) or points <= 0:
                    raise ValueError(f"{grade_id}: a test cell needs positive points")
                ast.parse(cell.source)  # test cells are plain Python: no magics
                assignment.tests.append(TestCell(grade_id, float(points), cell.source))
            elif meta.get("solution"):
                assignment.solutions[grade_id] = cell.source
            else:
                assignment.given.append(cell.source)
        if not assignment.tests:
            raise ValueError(f"{sources[0].name} has no test cells")
        return assignment

    def prelude(self):
        """Run the given code in the teacher's process; return the namespace the tests start from."""
        namespace = {"__name__": "__grading__"}
        for source in self.given:
            exec(compile(source, f"<given code of {self.name}>", "exec", dont_inherit=True, optimize=0), namespace)
        return namespace


def strip_region(source, markers):
    """Remove every region between the two marker lines (markers included)."""
    begin, end = (re.escape(m) for m in markers)
    return re.sub(rf"[ \t]*{begin}[^\n]*\n.*?[ \t]*{end}[^\n]*(\n|$)", "", source, flags=re.S)


def student_version(assignment):
    """The notebook to hand out, made with nbgrader's own preprocessors (as ``nbgrader
    generate_assignment`` does, without its database): solutions replaced by stubs, hidden tests and
    outputs removed, test and given cells locked, checksums recomputed."""
    from nbgrader.preprocessors import (CheckCellMetadata, ClearHiddenTests, ClearMarkScheme, ClearOutput,
                                        ClearSolutions, ComputeChecksums, LockCells)

    notebook = copy.deepcopy(assignment.notebook)
    resources = {}
    for preprocessor in (LockCells(), ClearSolutions(), ClearOutput(), CheckCellMetadata(), ComputeChecksums(),
                         ClearHiddenTests(), ClearMarkScheme(), ComputeChecksums(), CheckCellMetadata()):
        notebook, resources = preprocessor.preprocess(notebook, resources)
    return notebook


def release(assignment):
    """Write the student version next to the source; return its path."""
    path = assignment.student_path
    path.parent.mkdir(exist_ok=True)
    nbformat.write(student_version(assignment), path)
    return path


def solved_notebook(assignment, answers=None):
    """The student version with its solution cells filled in: by default with the teacher's solutions
    (markers removed), or with ``answers`` (grade_id -> source) where given. Used to check an
    assignment (the solutions must get full marks) and to build the submissions of the test suite."""
    notebook = nbformat.read(assignment.student_path, as_version=4)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if answers is not None and grade_id in answers:
            cell.source = answers[grade_id]
        elif answers is None and grade_id in assignment.solutions:
            lines = assignment.solutions[grade_id].split("\n")
            cell.source = "\n".join(line for line in lines if line.strip() not in SOLUTION_MARKERS)
    return notebook
