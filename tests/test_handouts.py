"""The book on paper: the print stylesheet (``_static/print.css``) and ``scripts/make_handouts.py``.

``make_handouts`` prints every page of the table of contents of this session's build (fixture
``site``) to PDF with the browser of ``test_site_browser.py``. Then:

- every page has its PDF: A4, with the page's title on its first page, its figures, and none of
  the navigation's text (each piece of which is first found on the page on screen and
  not in its article, so that finding it in the PDF can only mean the navigation was printed);
- printing a chapter hides each piece of navigation chrome (computed ``display: none``) that is
  visible on screen, and the article takes the page's width;
- a page whose math MathJax has not typeset is not printed (make_handouts checks every page);
- a slider prints the frame it shows: the image in the PDF is that frame, pixel for pixel;
- a page in the dark colour mode prints in the light one, and returns to dark afterwards.
"""
import base64
import io
import re
import sys
import unicodedata
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from test_site_browser import browser, new_context  # noqa: F401  (browser is a fixture)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import make_handouts  # noqa: E402

A4_POINTS = (595, 842)
CHAPTER = "chapters/05_gumbel_softmax"  # has sliders, figures, display math, theorems and code
#: Navigation chrome that print.css hides, all of it shown on a chapter page on screen (print.css
#: also hides the back-to-top button, which the screen shows only after scrolling).
CHROME = ["#pst-skip-link", ".bd-header", ".bd-header-article", ".bd-sidebar-primary",
          ".bd-sidebar-secondary", ".prev-next-footer", "button.copybtn"]


def squeeze(text):
    """Text without its white space and ligatures: PDF text spaces words unlike the page, and writes "ﬀ"."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def navigation_texts(html):
    """Pieces of the navigation's text on a page that its article does not also say."""
    soup = BeautifulSoup(html, "html.parser")
    article = squeeze(soup.select_one("article.bd-article").get_text(" "))
    nav = soup.select("#pst-skip-link, #pst-back-to-top, .bd-header, .prev-next-footer, nav.bd-docs-nav p.caption")
    texts = {" ".join(e.get_text(" ", strip=True).split()) for e in nav}
    texts |= {f"{p.get_text(' ', strip=True)} {t.get_text(' ', strip=True)}"  # "previous 4. The Gumbel-max trick"
              for p, t in zip(soup.select(".prev-next-subtitle"), soup.select(".prev-next-title"))}
    return sorted(t for t in texts if t and squeeze(t) not in article)


def pdf_images(page):
    """How many images a PDF page draws (image XObjects, without decoding them)."""
    resources = page.get("/Resources") or {}
    xobjects = resources.get("/XObject") or {}
    return sum(1 for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image")


@pytest.fixture(scope="module")
def handouts(site, browser, tmp_path_factory):  # noqa: F811 (the browser fixture)
    out = tmp_path_factory.mktemp("handouts")
    written = make_handouts.make_handouts(site, out, browser=browser)
    return {"out": out, "written": written, "pages": make_handouts.toc_pages(site)}


def test_every_page_of_the_toc_has_a_pdf(handouts):
    expected = [handouts["out"] / f"{page}.pdf" for page, _ in handouts["pages"]]
    assert handouts["written"] == expected
    assert len(expected) >= 10 and any("chapters/" in page for page, _ in handouts["pages"])


def test_each_pdf_is_the_page_on_paper(site, handouts):
    from pypdf import PdfReader

    problems = {}
    for page, title in handouts["pages"]:
        html = (site / f"{page}.html").read_text(encoding="utf-8")
        soup = BeautifulSoup(html, "html.parser")
        # The printed title is the page's heading without its chapter number (as the theme prints it).
        heading = re.sub(r"^\d+\.\s+", "", soup.select_one("article h1").get_text(" ", strip=True).rstrip("#").strip())
        reader = PdfReader(handouts["out"] / f"{page}.pdf")
        # Navigation would print at the start (header, sidebars) or the end (previous/next) of a
        # page; reading only those PDF pages keeps the test fast (text extraction is the slow part).
        texts = [p.extract_text() for p in (reader.pages[0], reader.pages[-1])]
        text = squeeze(" ".join(texts))
        found = []
        sizes = {tuple(round(float(v)) for v in p.mediabox[2:]) for p in reader.pages}
        if sizes != {A4_POINTS}:
            found.append(f"page sizes {sizes}, not A4")
        # The footer of every PDF page repeats the title: look for the heading in the rest of page 1.
        if squeeze(heading) not in squeeze(texts[0]).replace(squeeze(title), "", 1):
            found.append(f"no heading {heading!r} on its first page")
        found += [f"navigation printed: {nav!r}" for nav in navigation_texts(html) if squeeze(nav) in text]
        figures = len(soup.select("article img"))
        drawn = sum(pdf_images(p) for p in reader.pages)
        if drawn < figures:
            found.append(f"{drawn} images in the PDF for {figures} on the page")
        if found:
            problems[page] = found
    assert not problems, problems


def test_a_page_with_untypeset_math_is_not_printed(tmp_path, browser):  # noqa: F811
    """make_handouts checks every formula is typeset before printing: here MathJax is missing."""
    (tmp_path / "page.html").write_text("<!doctype html><html lang='en'><title>t</title><body>"
                                        "<span class='math'>\\(x^2\\)</span></body></html>", encoding="utf-8")
    with pytest.raises(RuntimeError, match="1 formulas not typeset"):
        make_handouts.print_page(browser, tmp_path, "page", "t", tmp_path / "page.pdf")
    assert not (tmp_path / "page.pdf").exists()


def test_the_navigation_texts_are_found_on_screen(site):
    """The check above has something to find: the chapter's navigation says all of this on screen."""
    texts = navigation_texts((site / f"{CHAPTER}.html").read_text(encoding="utf-8"))
    assert {"Skip to main content", "Back to top"} <= set(texts), texts
    assert any(t.startswith("previous ") for t in texts) and any(t.startswith("next ") for t in texts), texts


CHROME_JS = """
(selectors) => Object.fromEntries(selectors.map(s => [s, [...document.querySelectorAll(s)].map(e => getComputedStyle(e).display)]))
"""
LAYOUT_JS = """
() => {
  const slider = document.querySelector('div.reparam-slider');
  const img = slider.querySelector('img'), range = slider.querySelector('input[type=range]');
  return {article: document.querySelector('article.bd-article').getBoundingClientRect().width,
          page: document.documentElement.clientWidth,
          img: img.getBoundingClientRect().width, range: getComputedStyle(range).display,
          label: getComputedStyle(slider.querySelector('output')).display};
}
"""


def test_print_hides_the_navigation_and_keeps_the_content(site, browser):  # noqa: F811
    context = new_context(browser, {"requests": [], "console": []})
    page = context.new_page()
    page.goto((site / f"{CHAPTER}.html").as_uri(), wait_until="load")
    screen = page.evaluate(CHROME_JS, CHROME)
    screen_layout = page.evaluate(LAYOUT_JS)
    page.emulate_media(media="print")
    printed = page.evaluate(CHROME_JS, CHROME)
    printed_layout = page.evaluate(LAYOUT_JS)
    context.close()
    missing = [s for s, shown in screen.items() if not shown or "none" in shown]
    assert not missing, f"chrome not on the screen page, so its hiding in print is not tested: {missing}"
    assert screen_layout["range"] != "none"
    shown = {s: d for s, d in printed.items() if any(v != "none" for v in d)}
    assert not shown, f"navigation chrome printed: {shown}"
    assert printed_layout["range"] == "none" and printed_layout["label"] != "none"
    assert printed_layout["img"] > 300, printed_layout
    assert printed_layout["article"] >= 0.9 * printed_layout["page"], (
        f"the article takes {printed_layout['article']:.0f} of {printed_layout['page']} px in print")


def _slider_page(tmp_path):
    from reparam import widgets

    slider = widgets.gumbel_softmax_bars_slider(num=6, frames=True)
    css = (ROOT / "_static" / "print.css").as_uri()
    path = tmp_path / "slider.html"
    path.write_text("<!doctype html><html lang='en'><meta charset='utf-8'><title>slider</title>"
                    f"<link rel='stylesheet' href='{css}'><body>{slider._repr_mimebundle_()['text/html']}</body></html>",
                    encoding="utf-8")
    return path


def test_a_slider_prints_the_frame_it_shows(tmp_path, browser):  # noqa: F811
    import numpy as np
    from PIL import Image
    from pypdf import PdfReader

    context = new_context(browser, {"requests": [], "console": []})
    page = context.new_page()
    page.goto(_slider_page(tmp_path).as_uri())
    first = page.evaluate("document.querySelector('.reparam-slider img').src")
    page.locator("input[type=range]").focus()
    page.keyboard.press("End")
    shown = page.evaluate("document.querySelector('.reparam-slider img').src")
    pdf = page.pdf()
    context.close()
    assert shown != first
    images = [image.image for p in PdfReader(io.BytesIO(pdf)).pages for image in p.images]
    assert len(images) == 1, f"{len(images)} images printed for one slider"

    def pixels(image):
        return np.asarray(image.convert("RGB"), dtype=int)

    printed = pixels(images[0])
    frame = pixels(Image.open(io.BytesIO(base64.b64decode(shown.split(",", 1)[1]))))
    other = pixels(Image.open(io.BytesIO(base64.b64decode(first.split(",", 1)[1]))))
    assert printed.shape == frame.shape and (printed == frame).all(), "the PDF's image is not the frame shown"
    assert (printed != other).any()


def test_dark_mode_prints_light(site, browser):  # noqa: F811
    """print-light.js: the theme is light while the page prints (page.pdf fires beforeprint), dark again after."""
    context = new_context(browser, {"requests": [], "console": []})
    page = context.new_page()
    page.emulate_media(color_scheme="dark")
    page.goto((site / "intro.html").as_uri(), wait_until="load")
    page.evaluate("window.printedAs = []; addEventListener('beforeprint', () => printedAs.push(document.documentElement.dataset.theme))")
    before = page.evaluate("document.documentElement.dataset.theme")
    page.pdf()
    during, after = page.evaluate("printedAs"), page.evaluate("document.documentElement.dataset.theme")
    context.close()
    assert (before, during, after) == ("dark", ["light"], "dark")
