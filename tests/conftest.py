"""Shared fixtures: the book is built once per test session, with warnings as errors."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def book_build():
    """Build the book exactly as the README says (`-W -n --keep-going`) and return the result.

    myst-nb executes every notebook inline (the prose's {eval} numbers need a live kernel), so
    this build re-executes the chapters whatever was built before.
    """
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "-W", "-n", "--keep-going"],
        capture_output=True, text=True, cwd=ROOT,
    )
    return result


@pytest.fixture(scope="session")
def site(book_build):
    """The built HTML site, failing every dependent test if the build failed."""
    if book_build.returncode != 0:
        pytest.fail("the book build failed:\n" + book_build.stdout[-6000:] + book_build.stderr[-6000:])
    return ROOT / "_build" / "html"
