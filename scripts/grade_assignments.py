#!/usr/bin/env python
"""Graded assignments: release the student version, check an assignment, grade a folder of submissions.

    .venv/bin/python scripts/grade_assignments.py release assignments/02_score_function
    .venv/bin/python scripts/grade_assignments.py check   assignments/02_score_function
    .venv/bin/python scripts/grade_assignments.py grade   assignments/02_score_function submissions/ --out scores.csv

The tooling lives in assignments/tooling/bookgrader; see assignments/README.md.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "assignments" / "tooling"))

from bookgrader.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
