"""Shared fixtures: the book is built once per test session, with warnings as errors."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def book_build():
    """Build the book with the README's command, warnings as errors (`-W -n --keep-going`):
    ``scripts/build_book.py`` builds the English site and the Korean one side by side; return the result.

    myst-nb executes every notebook inline (the prose's {eval} numbers need a live kernel), so
    this build re-executes the chapters whatever was built before.
    """
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_book.py"), "-W", "-n", "--keep-going"],
        capture_output=True, text=True, cwd=ROOT,
    )
    return result


@pytest.fixture(scope="session")
def site(book_build):
    """The built HTML site, failing every dependent test if the build failed."""
    if book_build.returncode != 0:
        pytest.fail("the book build failed:\n" + book_build.stdout[-6000:] + book_build.stderr[-6000:])
    return ROOT / "_build" / "html"


@pytest.fixture(scope="session")
def site_ko(site):
    """The Korean site (한국어판), built with the English one into ``_build/html/ko``."""
    return site / "ko"


@pytest.fixture(scope="session")
def editions(site):
    """The student and the instructor editions, built with the outputs the default build computed."""
    from edition_helpers import build_editions

    return build_editions()
