"""bookgrader: graded assignments for the book, authored in nbgrader's format, graded in a sandbox.

    python scripts/grade_assignments.py release assignments/02_score_function
    python scripts/grade_assignments.py check   assignments/02_score_function
    python scripts/grade_assignments.py grade   assignments/02_score_function submissions/ --out scores.csv

See assignments/README.md.
"""
