"""The book builds with every notebook executed and no warning (warnings are errors)."""
import re


def test_book_builds_without_warnings(book_build):
    log = book_build["stdout"] + book_build["stderr"]
    assert book_build["returncode"] == 0, "scripts/build_book.py -W -n --keep-going failed:\n" + log[-8000:]
    # Sphinx writes "path: WARNING: message"; kernel start-up chatter ("WARNING | ...") is not a page's fault.
    assert not re.search(r"\bWARNING:", log), log[-8000:]


def test_every_page_of_the_toc_is_built(site):
    import yaml

    toc = yaml.safe_load((site.parent.parent / "_toc.yml").read_text())
    pages = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    missing = [p for p in pages if not (site / f"{p}.html").is_file()]
    assert not missing, f"pages in _toc.yml with no HTML: {missing}"


PAGE_BUDGET = 3 * 2**20  # bytes: a chapter page with its own images and embedded slider frames
SITE_BUDGET = 30 * 2**20  # bytes: the whole site, MathJax and theme included


def page_weight(page, site):
    """The page's HTML plus every local image it references (shared theme files not counted)."""
    html = page.read_text(encoding="utf-8")
    images = {(page.parent / src).resolve() for src in re.findall(r'<img[^>]+src="(?!data:)([^"#?]+)"', html)}
    return len(html.encode()) + sum(p.stat().st_size for p in images if p.is_file() and site in p.parents)


def _own_files(root, nested=None):
    """Files of the site at ``root``, without those of a site ``nested`` inside it."""
    return [p for p in root.rglob("*") if p.is_file() and nested not in p.parents]


def test_pages_and_site_stay_within_their_weight(site, site_ko):
    """Each language's site on its own: the Korean one sits inside the English one at ko/."""
    english, korean = site.resolve(), site_ko.resolve()
    for root, files in ((english, _own_files(english, korean)), (korean, _own_files(korean))):
        weights = {p.relative_to(root).as_posix(): page_weight(p, root) for p in files
                   if p.suffix == ".html" and "_static" not in p.parts and "_sources" not in p.parts}
        heavy = {name: f"{w / 2**20:.2f} MB" for name, w in weights.items() if w > PAGE_BUDGET}
        assert not heavy, f"{root.name}: pages over {PAGE_BUDGET / 2**20:.0f} MB: {heavy}"
        total = sum(p.stat().st_size for p in files)
        assert total < SITE_BUDGET, f"{root}: the site weighs {total / 2**20:.1f} MB, over {SITE_BUDGET / 2**20:.0f} MB"


def test_mathjax_carries_its_licence(site):
    """The site redistributes MathJax (Apache 2.0), so it must carry the licence's text."""
    folder = site / "_static" / "mathjax"
    assert (folder / "tex-svg.js").is_file()
    assert "Apache License" in (folder / "LICENSE").read_text(encoding="utf-8")
    assert "MathJax 3.2.2" in (folder / "README.md").read_text(encoding="utf-8")
