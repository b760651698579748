"""The Korean site (``_build/html/ko``) and the language switch between it and the English one.

The checks every page of the English site gets (no external request, no console error, math
typeset, display equations that fit, sliders that answer the keyboard) run on the Korean site too:
``test_site_browser.py`` surveys both. Here, what only a site in two languages has:

- every page of each site declares its language (``<html lang>``) and has, in its top bar, a link
  to the same page in the other language, with ``hreflang`` and ``lang``, named in that language;
- in Chromium, from ``file://``, clicking that link leads from an English page to its Korean page
  and back again (a page of each kind: the root, a chapter with sliders, the search page), and at a
  phone's width it stays on screen;
- the sliders on Korean pages are marked as English (their alt texts are written in English);
- the self-check questions on a page are in the page's language.
"""
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from test_site_browser import browser, html_pages, new_context  # noqa: F401  (browser is a fixture)

ROOT = Path(__file__).resolve().parent.parent
PHONE = {"width": 390, "height": 844}
SWITCH = "a.reparam-language-switch"
#: Pages clicked through in the browser, one of each kind (every page's link is checked in its HTML).
ROUND_TRIP = ["intro.html", "chapters/05_gumbel_softmax.html", "search.html"]


def _switch(html):
    """``(attributes, text)`` of the page's language switch, or None."""
    found = re.search(r'<a class="[^"]*reparam-language-switch[^"]*"([^>]*)>(.*?)</a>', html, re.S)
    if not found:
        return None
    attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', found.group(1)))
    return attributes, re.sub(r"<[^>]+>|\s+", " ", found.group(2)).strip()


@pytest.mark.parametrize("language, other, name", [("en", "ko", "한국어"), ("ko", "en", "English")])
def test_every_page_has_its_language_and_a_switch_to_the_other(site, site_ko, language, other, name):
    here, there = (site, site_ko) if language == "en" else (site_ko, site)
    problems = {}
    pages = [p for p in html_pages(here) if p.name != "index.html"]  # index.html only redirects
    for page in pages:
        html = page.read_text(encoding="utf-8")
        found = []
        if not re.search(rf'<html[^>]* lang="{language}"', html):
            found.append(f'no <html lang="{language}">')
        switch = _switch(html)
        if switch is None:
            problems[page.relative_to(here).as_posix()] = found + ["no language switch"]
            continue
        attributes, text = switch
        target = (page.parent / attributes.get("href", "")).resolve()
        if target != (there / page.relative_to(here)).resolve() or not target.is_file():
            found.append(f"the switch leads to {attributes.get('href')}, not to this page in the other language")
        if (attributes.get("hreflang"), attributes.get("lang"), text) != (other, other, name):
            found.append(f"the switch is {attributes} {text!r}, not hreflang/lang {other!r} named {name!r}")
        if found:
            problems[page.relative_to(here).as_posix()] = found
    assert len(pages) >= 10, f"too few pages in {here}"
    assert not problems, problems


@pytest.mark.parametrize("name", ROUND_TRIP)
def test_the_switch_goes_there_and_back_in_the_browser(site, site_ko, browser, name):
    """Click the switch on an English page (desktop width), then, at a phone's width, on the Korean
    page it opened: back where we began. The link stays within the phone's screen."""
    english, korean = (site / name).resolve(), (site_ko / name).resolve()
    log = {"requests": [], "console": []}
    context = new_context(browser, log)
    page = context.new_page()
    page.goto(english.as_uri(), wait_until="domcontentloaded")
    page.locator(SWITCH).click()
    page.wait_for_load_state("domcontentloaded")
    there = Path(unquote(urlsplit(page.url).path))
    page.set_viewport_size(PHONE)
    box = page.locator(SWITCH).bounding_box()
    page.locator(SWITCH).click()
    page.wait_for_load_state("domcontentloaded")
    back = Path(unquote(urlsplit(page.url).path))
    context.close()
    assert (there, back) == (korean, english), f"the switch led from {name} to {there}, then to {back}"
    assert box and 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"], f"the switch is off a phone's screen: {box}"
    assert not log["requests"], log["requests"]


def test_sliders_on_korean_pages_are_marked_english(site_ko):
    pages = {p.relative_to(site_ko).as_posix(): p.read_text(encoding="utf-8") for p in html_pages(site_ko)}
    sliders = {name: re.findall(r'<div class="reparam-slider"[^>]*>', html) for name, html in pages.items()}
    sliders = {name: found for name, found in sliders.items() if found}
    assert sliders, "no slider on the Korean site"
    unmarked = {name: [s for s in found if 'lang="en"' not in s] for name, found in sliders.items()}
    assert not any(unmarked.values()), f"sliders without lang=\"en\": {unmarked}"


def test_self_checks_come_in_the_language_of_the_page(site, site_ko):
    """The build tells ``reparam.selfcheck`` its language: Korean questions on the Korean pages
    (for every chapter that has them), English ones on the English pages."""
    korean = ROOT / "code" / "reparam" / "selfcheck_data" / "ko"
    chapters = sorted(p.stem for p in korean.glob("*.json") if p.name != "interface.json")
    assert chapters, f"no Korean self-check questions in {korean}"
    found = {}
    for chapter in chapters:
        for language, root in (("en", site), ("ko", site_ko)):
            html = (root / "chapters" / f"{chapter}.html").read_text(encoding="utf-8")
            found[chapter, language] = re.findall(r'<div class="reparam-selfcheck" lang="(\w+)"', html)
    wrong = {key: langs for key, langs in found.items() if langs != [key[1]]}
    assert not wrong, f"self-checks in the wrong language, or not one per page (chapter, page): {wrong}"
