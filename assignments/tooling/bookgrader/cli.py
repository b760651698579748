"""Command line: release (make the student version), check (an assignment grades as it should),
grade (a folder of submissions, into a CSV score table)."""
import argparse
import sys
import tempfile
from pathlib import Path

import nbformat

from .assignment import Assignment, release, solved_notebook, student_version
from .grade import _number, grade_folder, grade_notebook
from .sandbox import Limits, landlock_available


def _limits(args):
    return Limits(total_seconds=args.timeout, cell_seconds=min(args.timeout, 30.0),
                  memory_bytes=int(args.memory_mb) * 2**20)


def in_sync(assignment):
    """Whether the committed student version is exactly what ``release`` makes from the source."""
    path = assignment.student_path
    return path.exists() and path.read_text(encoding="utf-8") == nbformat.writes(student_version(assignment)) + "\n"


def check(directory, limits, sandbox, log=print):
    """The teacher's solutions get full marks, the student version as handed out gets 0 on every
    test, and the student version is in sync with the source. Returns a list of problems."""
    assignment = Assignment.load(directory)
    problems = []
    if not in_sync(assignment):
        problems.append("the student version is not what `release` makes from the source: run release")
    with tempfile.TemporaryDirectory(prefix="bookgrader-check-") as tmp:
        solved = Path(tmp) / "solved.ipynb"
        nbformat.write(solved_notebook(assignment), solved)
        result = grade_notebook(assignment, solved, "solutions", limits=limits, sandbox=sandbox)
        log(f"{assignment.name}: solutions {_number(result.total)} / {_number(assignment.max_points)} "
            f"[{result.status}; sandbox {result.sandbox}]")
        for grade_id, message in result.messages.items():
            if message:
                problems.append(f"the solutions fail {grade_id}: {message}")
        blank = grade_notebook(assignment, assignment.student_path, "student version", limits=limits,
                               sandbox=sandbox)
        log(f"{assignment.name}: student version {_number(blank.total)} / {_number(assignment.max_points)}")
        for grade_id, points in blank.points.items():
            if points:
                problems.append(f"the empty student version passes {grade_id}: that test checks nothing")
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(prog="grade_assignments", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p_release = sub.add_parser("release", help="write student/NAME.ipynb from source/NAME.ipynb")
    p_release.add_argument("assignments", nargs="+", type=Path)

    def sandbox_options(p):
        p.add_argument("--sandbox", choices=("auto", "landlock", "none"), default="auto",
                       help="auto: Landlock where the kernel offers it (default); landlock: refuse to grade "
                            "without it; none: separate process, fresh folder and limits only")
        p.add_argument("--timeout", type=float, default=60.0, help="seconds per submission (default 60)")
        p.add_argument("--memory-mb", type=float, default=4096, help="address-space limit (default 4096)")

    p_check = sub.add_parser("check", help="solutions get full marks, the student version 0, versions in sync")
    p_check.add_argument("assignments", nargs="+", type=Path)
    sandbox_options(p_check)

    p_grade = sub.add_parser("grade", help="grade a folder of submitted notebooks into a CSV score table")
    p_grade.add_argument("assignment", type=Path)
    p_grade.add_argument("submissions", type=Path,
                         help="folder with NAME.ipynb per student, or a folder NAME/ per student")
    p_grade.add_argument("--out", type=Path, required=True, help="the CSV score table to write")
    p_grade.add_argument("--feedback", type=Path, help="also write a Markdown report per student here")
    sandbox_options(p_grade)

    args = parser.parse_args(argv)
    if args.command == "release":
        for directory in args.assignments:
            print(f"wrote {release(Assignment.load(directory))}")
        return 0
    abi = landlock_available()
    print(f"sandbox: {'Landlock ABI %d' % abi if abi and args.sandbox != 'none' else 'NO file-system sandbox'}"
          f" (--sandbox {args.sandbox})", file=sys.stderr)
    if args.sandbox == "auto" and not abi:
        print("WARNING: this kernel offers no Landlock: submissions run with your user's rights and can read "
              "and write your files. Grade in a container (see assignments/README.md).", file=sys.stderr)
    if args.sandbox == "landlock" and not abi:
        print("error: --sandbox landlock, but this kernel offers no Landlock", file=sys.stderr)
        return 2
    limits = _limits(args)
    if args.command == "check":
        failed = False
        for directory in args.assignments:
            for problem in check(directory, limits, args.sandbox):
                print(f"PROBLEM {directory}: {problem}")
                failed = True
        return 1 if failed else 0
    if not args.submissions.is_dir():
        parser.error(f"{args.submissions} is not a folder")
    results = grade_folder(args.assignment, args.submissions, args.out, limits=limits, sandbox=args.sandbox,
                           feedback=args.feedback, log=lambda line: print(line, file=sys.stderr))
    print(f"graded {len(results)} submission(s); wrote {args.out}", file=sys.stderr)
    return 0
