#!/usr/bin/env python
"""Build the student or the instructor edition of the book from the one source.

    .venv/bin/python scripts/build_edition.py student      # -> _build/student/html, _build/student/notebooks
    .venv/bin/python scripts/build_edition.py instructor   # -> _build/instructor/html
    .venv/bin/python scripts/build_edition.py instructor --language ko   # -> _build/ko/instructor/html

Options as in ``jupyter-book build``: ``-W`` (warnings are errors), ``-n`` (nit-picky), ``--keep-going``,
``--all`` (re-read every page), ``-v``, ``-q``; and ``--outputs-from _build/jupyter_execute`` to
take the outputs of a default build that has just run, instead of executing every notebook again.
``--language ko`` builds the edition in Korean, from the catalogues of ``locales/ko`` as
``scripts/build_book.py`` does, into ``_build/ko/EDITION``.

An edition is the book's ``_config.yml`` with ``editions/EDITION.yml`` merged onto it, and the
book's ``_toc.yml`` with the parts of ``editions/EDITION_toc.yml`` (if there is one) after its own.
The merged files are written next to the output (``_build/EDITION/_config.yml`` and ``_toc.yml``),
so the two editions cannot drift from the default build: they are that build plus a few lines.

- student: sphinx-exercise's ``hide_solutions`` leaves every solution out of the pages and the
  search index. Then the copies of the sources that the pages offer for download
  (``html/_sources``) have their solutions removed, and the chapter notebooks, without solutions
  and with their stored outputs, are written to ``_build/student/notebooks`` for a class.
- instructor: the solutions (collapsed on screen, open when printed) and the instructor guide.

The default ``jupyter-book build .`` into ``_build/html`` is not affected.
"""
import argparse
import shutil
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
EDITIONS = ROOT / "editions"
sys.path.insert(0, str(EDITIONS))

from strip_solutions import strip_markdown, strip_notebook  # noqa: E402


def merge(base, overlay):
    """``base`` with ``overlay`` merged onto it: dictionaries key by key, any other value replaced."""
    merged = dict(base)
    for key, value in overlay.items():
        both_dicts = isinstance(merged.get(key), dict) and isinstance(value, dict)
        merged[key] = merge(merged[key], value) if both_dicts else value
    return merged


def edition_folder(edition, language="en"):
    """Where an edition is built: ``_build/EDITION``, or ``_build/LANGUAGE/EDITION`` in another language."""
    return ROOT / "_build" / edition if language == "en" else ROOT / "_build" / language / edition


def edition_files(edition, language="en"):
    """Write the edition's merged configuration and table of contents; return their paths."""
    out = edition_folder(edition, language)
    out.mkdir(parents=True, exist_ok=True)
    config = merge(yaml.safe_load((ROOT / "_config.yml").read_text()),
                   yaml.safe_load((EDITIONS / f"{edition}.yml").read_text()) or {})
    # jupyter-book resolves local extension folders against the configuration file's folder,
    # which is now _build/EDITION: give it absolute paths, taken relative to the book's root.
    extensions = config.get("sphinx", {}).get("local_extensions") or {}
    for name, folder in extensions.items():
        extensions[name] = str((ROOT / folder).resolve())
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    extra = EDITIONS / f"{edition}_toc.yml"
    if extra.is_file():
        toc["parts"] = toc["parts"] + yaml.safe_load(extra.read_text())
    (out / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    (out / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False, allow_unicode=True))
    return out / "_config.yml", out / "_toc.yml"


def build(edition, *, warningiserror=False, nitpick=False, keep_going=False, freshenv=False, verbose=0, quiet=0,
          outputs_from=None, language="en"):
    """What ``jupyter-book build`` does, with the edition's files and output folder."""
    from jupyter_book.cli.main import builder_specific_actions
    from jupyter_book.sphinx import build_sphinx

    config, toc = edition_files(edition, language)
    html = edition_folder(edition, language) / "html"
    overrides = {"external_toc_path": toc.as_posix(), "latex_individualpages": False, "language": language}
    if language != "en":
        overrides["locale_dirs"] = [str(catalogues(ROOT / "_build", language))]
    if nitpick:
        overrides["nitpicky"] = True
    if outputs_from:  # _ext/reuse_outputs.py: the default build's executed notebooks
        overrides.update(nb_execution_mode="off", reuse_outputs_from=str(Path(outputs_from).resolve()))
    print(f"Building the {edition} edition into {html.relative_to(ROOT)}", flush=True)
    result = build_sphinx(ROOT, html, use_external_toc=True, noconfig=True, path_config=str(config),
                          confoverrides=overrides, builder="html", warningiserror=warningiserror,
                          keep_going=keep_going, freshenv=freshenv, verbosity=verbose,
                          quiet=quiet > 0, really_quiet=quiet > 1)
    builder_specific_actions(result, "html", html, "book", None, print)  # exits if the build failed
    return html


def strip_downloads(html, notebooks):
    """Remove the solutions from the downloadable sources in ``html/_sources``; write ``notebooks``.

    Every page offers its source for download from ``_sources`` (a chapter's .ipynb, a page's .md).
    """
    notebooks.mkdir(parents=True, exist_ok=True)
    for stale in notebooks.glob("*.ipynb"):
        stale.unlink()
    for source in sorted((html / "_sources").rglob("*")):
        if source.suffix == ".ipynb":
            notebook = nbformat.read(source, as_version=4)
            strip_notebook(notebook)
            nbformat.validate(notebook)
            nbformat.write(notebook, source)
            target = notebooks / source.name
            if target.exists():
                raise RuntimeError(f"two chapters are both called {source.name}; the notebooks folder is flat")
            nbformat.write(notebook, target)
        elif source.suffix == ".md":
            text, gated = strip_markdown(source.read_text(encoding="utf-8"))
            if gated:
                raise ValueError(f"{source}: a {{solution-start}} has no {{solution-end}} after it")
            source.write_text(text, encoding="utf-8")


def catalogues(build_dir, language):
    """``locales/`` copied to ``_build/LANGUAGE/locales``; return the copy.

    Sphinx compiles each ``.po`` into a ``.mo`` beside it: in the copy, that build output stays out
    of the sources. Times are kept, so an unchanged catalogue is not compiled (nor its page re-read) again.
    """
    source, target = ROOT / "locales", build_dir / language / "locales"
    for stale in target.rglob("*.po"):  # a catalogue removed from the sources
        if not (source / stale.relative_to(target)).exists():
            stale.unlink()
            stale.with_suffix(".mo").unlink(missing_ok=True)
    shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.mo"))
    return target


def add_build_options(parser):
    """jupyter-book build's options that this script and build_book.py pass on to Sphinx."""
    parser.add_argument("-W", dest="warningiserror", action="store_true", help="warnings are errors")
    parser.add_argument("-n", dest="nitpick", action="store_true", help="warn about every missing reference")
    parser.add_argument("--keep-going", action="store_true", help="with -W, report every warning, then fail")
    parser.add_argument("--all", dest="freshenv", action="store_true", help="re-read every page")
    parser.add_argument("-v", dest="verbose", action="count", default=0, help="more output")
    parser.add_argument("-q", dest="quiet", action="count", default=0, help="less output")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("edition", choices=["student", "instructor"])
    parser.add_argument("--language", choices=["en", "ko"], default="en", help="the edition in this language")
    add_build_options(parser)
    parser.add_argument("--outputs-from", metavar="DIR",
                        help="take the outputs from the notebooks a default build executed (_build/jupyter_execute) "
                             "instead of executing them again")
    args = vars(parser.parse_args(argv))
    edition = args.pop("edition")
    html = build(edition, **args)
    if edition == "student":
        notebooks = html.parent / "notebooks"
        strip_downloads(html, notebooks)
        print(f"Solutions removed from {html.relative_to(ROOT)}/_sources; "
              f"the notebooks for a class are in {notebooks.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
