"""The classroom bundle (``scripts/make_offline_bundle.py``): the student edition, zipped for a class.

- The zip holds one folder with the student site and notebooks exactly as built, the files that
  install the package and its Jupyter settings exactly as in the clone, LICENSE, CITATION.cff and
  a README, and nothing a build or an install leaves behind (``__pycache__``, ``*.egg-info``, ``build/``).
- No solution is in it: every solution of the book is looked for, as the phrases a reader would
  see of it (``tests/edition_helpers.py``), in every page and notebook of the zip.
- Unzipped, the site opens from ``file://`` in Chromium with no request leaving the machine.
- The package source in the zip builds into a wheel of the book's version, without the network.
- Without a student edition, or given a build with solutions, the script stops with a message
  saying what to build.

The student edition comes from ``_build/student`` (``scripts/build_edition.py student``; built here
if absent), or from the folder named by ``REPARAM_STUDENT_EDITION``.
"""
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import nbformat
import pytest

from edition_helpers import contains, html_words, read_source, toc_pages, words
from test_site_browser import browser, new_context, watch  # noqa: F401  (browser is a fixture)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import make_offline_bundle as bundle  # noqa: E402

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
TOP = f"{bundle.NAME}-{VERSION}"


@pytest.fixture(scope="session")
def student_edition(request):
    """A built student edition (a folder with html/ and notebooks/)."""
    given = os.environ.get("REPARAM_STUDENT_EDITION")
    if given:
        return Path(given)
    built = request.getfixturevalue("editions")["student"]
    assert built["returncode"] == 0, "the student edition failed to build:\n" + built["log"][-6000:]
    return built["html"].parent


@pytest.fixture(scope="module")
def classroom_zip(student_edition, tmp_path_factory):
    return bundle.make_bundle(student_edition, tmp_path_factory.mktemp("bundle") / "classroom.zip")


def test_the_zip_holds_the_student_edition_and_what_installs_it(student_edition, classroom_zip):
    with zipfile.ZipFile(classroom_zip) as archive:
        names = archive.namelist()
        assert {name.split("/")[0] for name in names} == {TOP}, "the zip should hold one folder"
        inside = {name[len(TOP) + 1:]: name for name in names}
        expected = {f"site/{p.relative_to(student_edition / 'html').as_posix()}": p
                    for p in (student_edition / "html").rglob("*") if p.is_file()}
        expected |= {f"notebooks/{p.name}": p for p in (student_edition / "notebooks").glob("*.ipynb")}
        for name in ("requirements.txt", "pyproject.toml", "LICENSE", "CITATION.cff",
                     "code/reparam/__init__.py", "code/reparam/widgets.py",
                     "jupyter-config/pyproject.toml", "jupyter-config/reparam_jupyter_settings.py"):
            expected[name] = ROOT / name
        missing = sorted(set(expected) - set(inside))
        assert not missing, f"not in the zip: {missing[:10]}"
        changed = [name for name, path in expected.items() if archive.read(inside[name]) != path.read_bytes()]
        assert not changed, f"differs from the file it was copied from: {changed[:10]}"
        leftovers = [name for name in inside if bundle.SKIP.search(name)]
        assert not leftovers, f"build or install leftovers in the zip: {leftovers[:10]}"
        readme = archive.read(inside["README_CLASSROOM.md"]).decode()
    assert "site/index.html" in readme and "pip install -r requirements.txt" in readme and VERSION in readme
    assert "site/index.html" in inside and any(name.startswith("notebooks/") for name in inside)


def zip_docname(name):
    """The page (``chapters/05_gumbel_softmax``) a page, download or notebook in the zip comes from, or None."""
    inside = name.split("/", 1)[1]
    for prefix in ("site/_sources/", "site/"):
        if inside.startswith(prefix):
            return re.sub(r"\.(html|ipynb|md)$", "", inside[len(prefix):])
    if inside.startswith("notebooks/"):
        return "chapters/" + Path(inside).stem
    return None


def test_the_zip_holds_no_solution(classroom_zip):
    """Each solution's phrases (none of which its page says elsewhere) are looked for in that page's copies."""
    solutions = {}
    for path in toc_pages():
        source = read_source(path)
        solutions[source.docname] = source.solutions
    assert any(solutions.values()), "no solution found in the book's sources, so their absence proves nothing"
    shown = {}
    with zipfile.ZipFile(classroom_zip) as archive:
        for name in archive.namelist():
            if not name.endswith((".html", ".ipynb", ".md")):
                continue
            raw = archive.read(name).decode("utf-8")
            if name.endswith(".ipynb"):
                notebook = nbformat.reads(raw, as_version=4)
                raw_text = "\n".join(c.source + "\n" + "\n".join(str(o.get("text", "")) + str(o.get("data", {}))
                                                                for o in c.get("outputs", [])) for c in notebook.cells)
                text = " ".join(words(raw_text))
            else:
                text = html_words(raw) if name.endswith(".html") else " ".join(words(raw))
            found = [f"{s.exercise}: {' '.join(p)}" for s in solutions.get(zip_docname(name), [])
                     for p in s.phrases if contains(text, p)]
            if found or 'class="solution' in raw or "{solution" in raw:
                shown[name] = found[:3] or ["a solution box or directive"]
    assert not shown, f"solutions in the classroom zip: {shown}"


def test_the_package_in_the_zip_builds_offline(classroom_zip, tmp_path):
    with zipfile.ZipFile(classroom_zip) as archive:
        archive.extractall(tmp_path)
    root = tmp_path / TOP
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                             "-w", str(tmp_path / "wheels"), str(root)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert [p.name for p in (tmp_path / "wheels").iterdir()] == [f"reparam-{VERSION}-py3-none-any.whl"]


def test_the_zipped_site_reads_offline(classroom_zip, tmp_path, browser):  # noqa: F811 (the browser fixture)
    """Unzipped anywhere, site/index.html opens the book from file:// with no request leaving the machine."""
    with zipfile.ZipFile(classroom_zip) as archive:
        archive.extractall(tmp_path)
    log = {"requests": [], "console": []}
    context = new_context(browser, log)
    page = context.new_page()
    watch(page, log)
    page.goto((tmp_path / TOP / "site" / "index.html").as_uri())
    page.wait_for_url(lambda url: not url.endswith("/index.html"))
    page.locator("a.right-next").first.click()  # on to the first chapter, with its formulas
    page.wait_for_load_state("load")
    typeset = page.evaluate("async () => { await MathJax.startup.promise; "
                            "return [document.querySelectorAll('mjx-container').length, document.querySelectorAll('.math').length]; }")
    context.close()
    assert typeset[0] > 0 and typeset[0] >= typeset[1], f"formulas typeset / math elements: {typeset}"
    assert not log["requests"] and not log["console"], log


def test_no_student_edition_stops_with_what_to_build(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_offline_bundle.py"),
                             "--edition", str(tmp_path / "nothing"), "--out", str(tmp_path / "c.zip")],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "scripts/build_edition.py student" in result.stderr, result.stderr
    assert not (tmp_path / "c.zip").exists() and not (tmp_path / "c.zip.partial").exists()


def test_a_build_with_solutions_is_refused(student_edition, tmp_path):
    """A build whose pages show a solution box, as the default build's do, is refused: no zip is made."""
    fake = tmp_path / "edition"
    shutil.copytree(student_edition / "notebooks", fake / "notebooks")
    (fake / "html").mkdir()
    (fake / "html" / "index.html").write_text("<html></html>")
    (fake / "html" / "page.html").write_text('<div class="solution admonition">the answer</div>')
    with pytest.raises(ValueError, match="not a student edition"):
        bundle.make_bundle(fake, tmp_path / "c.zip")
    assert not (tmp_path / "c.zip").exists()
