"""Shared fixtures: the book is built once per test run, with warnings as errors.

The suite runs on two pytest-xdist workers (``-n 2 --dist loadfile`` in pyproject.toml): each
file's tests run together, in order, in one worker (a notebook's nbval cells share their kernel).
Tests of several files need the built site, so the builds here are made once per run by the first
worker that asks for them, while the other waits, and read by every worker (``once_per_run``).
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

ROOT = Path(__file__).resolve().parent.parent


def once_per_run(name, make, tmp_path_factory):
    """``make()`` (a JSON value) made once per test run, whichever xdist worker asks first.

    The workers share the parent of their temporary folders: the first takes the lock there and
    stores its result; the others wait for the lock and read it. Without xdist, ``make()``.
    """
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return make()
    shared = tmp_path_factory.getbasetemp().parent
    stored = shared / f"{name}.json"
    with FileLock(shared / f"{name}.lock"):
        if not stored.is_file():
            stored.write_text(json.dumps(make()), encoding="utf-8")
        return json.loads(stored.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def book_build(tmp_path_factory):
    """Build the book with the README's command, warnings as errors (`-W -n --keep-going`):
    ``scripts/build_book.py`` builds the English site, then the Korean one from its outputs; return
    ``{"returncode", "stdout", "stderr"}``.

    myst-nb executes every notebook inline (the prose's {eval} numbers need a live kernel), so
    this build re-executes the chapters whatever was built before.
    """
    def build():
        result = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "build_book.py"), "-W", "-n", "--keep-going"],
            capture_output=True, text=True, cwd=ROOT,
        )
        return {"returncode": result.returncode, "stdout": result.stdout, "stderr": result.stderr}

    return once_per_run("book_build", build, tmp_path_factory)


@pytest.fixture(scope="session")
def site(book_build):
    """The built HTML site, failing every dependent test if the build failed."""
    if book_build["returncode"] != 0:
        pytest.fail("the book build failed:\n" + book_build["stdout"][-6000:] + book_build["stderr"][-6000:])
    return ROOT / "_build" / "html"


@pytest.fixture(scope="session")
def site_ko(site):
    """The Korean site (한국어판), built with the English one into ``_build/html/ko``."""
    return site / "ko"


@pytest.fixture(scope="session")
def editions(site, tmp_path_factory):
    """The student and the instructor editions, built with the outputs the default build computed."""
    from edition_helpers import build_editions

    built = once_per_run("editions", lambda: {edition: {**result, "html": str(result["html"])}
                                              for edition, result in build_editions().items()},
                         tmp_path_factory)
    return {edition: {**result, "html": Path(result["html"])} for edition, result in built.items()}


#: The files that take longest, started first: the JupyterLab survey on one worker while the other
#: builds the site and audits it (the rest, in collection order, fills in beside them).
LONGEST_FIRST = ("tests/test_jupyterlab.py", "tests/test_accessibility.py")


def pytest_collection_modifyitems(items):
    def rank(item):
        file = item.nodeid.split("::", 1)[0]
        return LONGEST_FIRST.index(file) if file in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: a file's tests keep their order
