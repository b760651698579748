#!/usr/bin/env python
"""Print every page of a built site to PDF: one handout per chapter, appendix and guide page.

    .venv/bin/python scripts/make_handouts.py                                  # _build/html -> _build/handouts
    .venv/bin/python scripts/make_handouts.py --site _build/student/html --out _build/student/handouts
    .venv/bin/python scripts/make_handouts.py --page chapters/05_gumbel_softmax   # one page only

The pages are those of the site's table of contents (read from the root page's navigation, so an
edition's own pages come along), in its order, each written to ``OUT/<page>.pdf``
(``chapters/05_gumbel_softmax.pdf``, ``appendix/notation.pdf``, ...).

Each page is printed by the same headless Chromium the tests use (Debian's ``chromium`` through
Playwright), from ``file://`` with every non-local request blocked, in the light colour mode, on
A4, after MathJax has typeset the page. What goes on paper is decided by the site's print
stylesheet (``_static/print.css``): no navigation, sliders at their current frame, code wrapped.
Each page of a PDF carries the handout's title and its page number in the bottom margin.
"""
import argparse
import html
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_site_browser import chromium_path, launch, new_context  # noqa: E402  (one browser setup for both)

# The bottom margin of every PDF page: the handout's title, then "page n of N". Chromium draws it in
# the page margin set by print.css (@page), in its own tiny default font size unless one is given.
FOOTER = ('<div style="font-size:8px;width:100%;margin:0 14mm;display:flex;justify-content:space-between;'
          'font-family:sans-serif;color:#444"><span>{title}</span>'
          '<span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>')

# Waits until the page is ready to print: MathJax has typeset every formula, and web fonts are in.
READY_JS = """
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  await document.fonts.ready;
  return [...document.querySelectorAll('span.math, div.math')].filter(n => !n.querySelector('mjx-container')).length;
}
"""


def toc_pages(site):
    """[(page, title)] of the site's table of contents, root first: ``page`` is a path without .html.

    Read from the navigation of the root page (``index.html`` redirects to it), which lists every
    page of the table of contents in order, including those an edition adds.
    """
    from bs4 import BeautifulSoup

    site = Path(site)
    redirect = re.search(r'url=([^"\']+)\.html', (site / "index.html").read_text(encoding="utf-8"))
    if not redirect:
        raise ValueError(f"{site / 'index.html'} does not redirect to the book's root page")
    root = redirect.group(1)
    soup = BeautifulSoup((site / f"{root}.html").read_text(encoding="utf-8"), "html.parser")
    nav = soup.select_one("nav.bd-docs-nav")
    if nav is None:
        raise ValueError(f"{site / (root + '.html')} has no table of contents (nav.bd-docs-nav)")
    pages = [(root, soup.select_one("article h1").get_text(" ", strip=True).rstrip("#").strip())]
    for link in nav.select("a.reference.internal"):
        href = link["href"].split("#")[0]
        if href and href.endswith(".html"):
            pages.append((href[: -len(".html")], " ".join(link.get_text(" ", strip=True).split())))
    return pages


def print_page(browser, site, page, title, pdf):
    """Print ``site/page.html`` to ``pdf``; raise if a formula stays untypeset or a request leaves the machine."""
    log = {"requests": [], "console": []}
    context = new_context(browser, log)
    try:
        tab = context.new_page()
        tab.emulate_media(color_scheme="light")
        tab.goto((Path(site) / f"{page}.html").resolve().as_uri(), wait_until="load")
        untypeset = tab.evaluate(READY_JS)
        if untypeset:
            raise RuntimeError(f"{page}: {untypeset} formulas not typeset by MathJax")
        pdf.parent.mkdir(parents=True, exist_ok=True)
        tab.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True, display_header_footer=True,
                header_template="<span></span>", footer_template=FOOTER.format(title=html.escape(title)))
    finally:
        context.close()
    if log["requests"]:
        raise RuntimeError(f"{page}: requests to other machines: {log['requests']}")


def make_handouts(site, out, only=None, browser=None):
    """Write a PDF per page of ``site`` into ``out`` (or only the pages named in ``only``); return their paths."""
    site, out = Path(site), Path(out)
    if not (site / "index.html").is_file():
        raise FileNotFoundError(f"no built site in {site} (build it first: jupyter-book build .)")
    pages = toc_pages(site)
    if only:
        unknown = set(only) - {page for page, _ in pages}
        if unknown:
            raise ValueError(f"--page: not in the table of contents of {site}: {sorted(unknown)}")
        pages = [(page, title) for page, title in pages if page in only]
    if browser is None:
        if chromium_path() is None:
            raise RuntimeError("chromium is missing (apt-get install chromium)")
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            chromium = launch(playwright)
            try:
                return make_handouts(site, out, only, chromium)
            finally:
                chromium.close()
    written = []
    for page, title in pages:
        pdf = out / f"{page}.pdf"
        print_page(browser, site, page, title, pdf)
        written.append(pdf)
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html", help="a built site (default _build/html)")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "handouts", help="where the PDFs go")
    parser.add_argument("--page", action="append", dest="only", metavar="PAGE",
                        help="only this page, as in the table of contents (chapters/05_gumbel_softmax); repeatable")
    args = parser.parse_args(argv)
    for pdf in make_handouts(args.site, args.out, args.only):
        print(pdf)
    return 0


if __name__ == "__main__":
    sys.exit(main())
