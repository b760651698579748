"""The book builds with every notebook executed and no warning (warnings are errors)."""
import re


def test_book_builds_without_warnings(book_build):
    log = book_build.stdout + book_build.stderr
    assert book_build.returncode == 0, "jupyter-book build -W -n --keep-going failed:\n" + log[-8000:]
    # Sphinx writes "path: WARNING: message"; kernel start-up chatter ("WARNING | ...") is not a page's fault.
    assert not re.search(r"\bWARNING:", log), log[-8000:]


def test_every_page_of_the_toc_is_built(site):
    import yaml

    toc = yaml.safe_load((site.parent.parent / "_toc.yml").read_text())
    pages = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    missing = [p for p in pages if not (site / f"{p}.html").is_file()]
    assert not missing, f"pages in _toc.yml with no HTML: {missing}"
