#!/usr/bin/env python
"""Zip the student edition for a classroom without network: the site, the notebooks, the install files.

    .venv/bin/python scripts/build_edition.py student        # first: _build/student/{html,notebooks}
    .venv/bin/python scripts/make_offline_bundle.py          # -> _build/classroom.zip

The zip holds one folder, ``differentiating-through-random-sampling-VERSION/``, with

- ``site/``: the student edition of the website (no solutions); ``site/index.html`` opens the
  book from the files alone, formulas and sliders included;
- ``notebooks/``: the chapter notebooks without their solutions, with their stored outputs;
- ``requirements.txt``, ``pyproject.toml``, ``code/`` and ``jupyter-config/``: what
  ``pip install -r requirements.txt`` needs to install the book's package ``reparam`` and its
  Jupyter settings, so that the notebooks run and their sliders move;
- ``LICENSE`` and ``CITATION.cff``: the terms of reuse, and the edition to cite;
- ``README_CLASSROOM.md``: how to open the book, install, and find the notebooks.

Packages from PyPI are not included: they differ by operating system and Python version, and
JAX alone is larger than everything else here. The book reads with no installation at all.

The script refuses a folder that is not a student edition (a page with a solution box, or a
notebook with a solution directive), so that solutions cannot reach a class by mistake.
"""
import argparse
import re
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "differentiating-through-random-sampling"
#: Files and folders of the book's own, copied as they are, from the root of the clone.
INSTALL_FILES = ["requirements.txt", "pyproject.toml", "code", "jupyter-config", "LICENSE", "CITATION.cff"]
#: What a build or an install leaves in those folders, which a class does not need.
SKIP = re.compile(r"(^|/)(__pycache__|build|[^/]*\.egg-info|\.ipynb_checkpoints)(/|$)|\.py[co]$")

README = """\
# {title}: classroom bundle (student edition {version})

The book reads without a network connection; only installing the packages to run the notebooks needs one.

## Read the book

Open `site/index.html` in a web browser (double-click it). Every page, formula and slider works
from these files; nothing is fetched from the internet. The exercises have no solutions in this
edition.

## Run the notebooks

The chapters are in `notebooks/` as Jupyter notebooks, without the solutions of the exercises and
with their outputs stored, so any Jupyter shows them before they are run. To run them and drag the
sliders live, install Python 3.11 and then, in this folder (where `requirements.txt` is):

    python3.11 -m venv .venv
    .venv/bin/pip install -r requirements.txt
    .venv/bin/jupyter lab notebooks/

(on Windows: `py -3.11 -m venv .venv`, then `.venv\\Scripts\\pip` and `.venv\\Scripts\\jupyter`).
`requirements.txt` installs the exact versions the book was checked with, the book's package
`reparam` from `code/`, and the book's Jupyter settings from `jupyter-config/`. The install downloads
those packages from the Python Package Index, so do it once where there is a network, before class.

## Reuse and citation

The text and figures are licensed CC BY 4.0, the code MIT: see `LICENSE`. To cite this edition,
see `CITATION.cff`.
"""


def book_version():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def student_edition(edition_dir):
    """(site, notebooks) of a built student edition; raise with what to do if it is missing or not one."""
    edition_dir = Path(edition_dir)
    site, notebooks = edition_dir / "html", edition_dir / "notebooks"
    build = "build it first: .venv/bin/python scripts/build_edition.py student"
    if not (site / "index.html").is_file():
        raise FileNotFoundError(f"no student edition website in {site} ({build})")
    if not sorted(notebooks.glob("*.ipynb")):
        raise FileNotFoundError(f"no student notebooks in {notebooks} ({build})")
    with_solutions = [p.relative_to(site).as_posix() for p in sorted(site.rglob("*.html"))
                      if 'class="solution' in p.read_text(encoding="utf-8")]
    with_solutions += [p.name for p in sorted(notebooks.glob("*.ipynb")) if "{solution" in p.read_text(encoding="utf-8")]
    if with_solutions:
        raise ValueError(f"{edition_dir} is not a student edition: solutions in {with_solutions[:5]} ({build})")
    return site, notebooks


def bundle_files(edition_dir):
    """[(path in the zip, file on disk)] of the bundle, folder by folder."""
    site, notebooks = student_edition(edition_dir)
    files = [(Path("site") / p.relative_to(site), p) for p in sorted(site.rglob("*")) if p.is_file()]
    files += [(Path("notebooks") / p.name, p) for p in sorted(notebooks.glob("*.ipynb"))]
    for name in INSTALL_FILES:
        path = ROOT / name
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing from the clone")
        found = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        files += [(p.relative_to(ROOT), p) for p in found if not SKIP.search(p.relative_to(ROOT).as_posix())]
    return files


def make_bundle(edition_dir, out):
    """Write the zip ``out`` from the student edition in ``edition_dir``; return its path."""
    files = bundle_files(edition_dir)
    version = book_version()
    top = Path(f"{NAME}-{version}")
    readme = README.format(title="Differentiating through random sampling", version=version)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")  # never leave a half-written zip under the real name
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr((top / "README_CLASSROOM.md").as_posix(), readme)
        for name, path in files:
            archive.write(path, (top / name).as_posix())
    partial.replace(out)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edition", type=Path, default=ROOT / "_build" / "student",
                        help="the student edition's build folder, with html/ and notebooks/ (default _build/student)")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "classroom.zip", help="the zip to write")
    args = parser.parse_args(argv)
    try:
        out = make_bundle(args.edition, args.out)
    except (FileNotFoundError, ValueError) as error:
        parser.exit(2, f"make_offline_bundle: {error}\n")
    with zipfile.ZipFile(out) as archive:
        count = len(archive.namelist())
    print(f"{out}: {count} files, {out.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
