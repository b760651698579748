"""The Korean edition's search (``_ext/korean_search.py``): a word is found with any particle attached.

- The stemmer cuts particles and endings (확률을, 확률이, 확률에서는 -> 확률), repeatedly, and keeps
  nouns that merely end like a particle (온도, 결과, 정의).
- The browser's stemmer (JavaScript, run in Chromium) gives the same stem as the index's (Python)
  for every word of the Korean catalogues and a list of hard cases.
- On the built Korean site, opened from ``file://``: searching a word finds the pages where it
  only ever appears with a particle attached (확률 if the text has such a page, else the real word
  with most such pages), and searching it with a particle (확률을) finds the same pages.
"""
import json
import re
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from babel.messages.pofile import read_po

from test_site_browser import browser, new_context, watch  # noqa: F401  (browser is a fixture)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))

from korean_search import JS_STEMMER, SUFFIXES, SearchKorean  # noqa: E402

HANGUL_WORD = re.compile(r"\w*[가-힣]\w*")


@pytest.fixture(scope="module")
def stem():
    return SearchKorean({}).stem


@pytest.mark.parametrize("word", ["확률", "확률을", "확률이", "확률의", "확률에서는", "확률로", "확률입니다", "확률이다"])
def test_particles_come_off(stem, word):
    assert stem(word) == "확률"


@pytest.mark.parametrize("word, expected", [
    ("정확도를", "정확"), ("정확도", "정확"),        # cut again and again: both forms meet
    ("추정량들의", "추정량"), ("데이터에서는", "데이터"),
    ("계산합니다", "계산"), ("정의된", "정의"),
    ("softmax를", "softmax"), ("REINFORCE는", "reinforc"), ("estimators", "estim"),  # Latin: Porter, as in English
])
def test_stems(stem, word, expected):
    assert stem(word) == expected


@pytest.mark.parametrize("noun", ["온도", "밀도", "결과", "정의", "차이", "경로", "평가", "효과"])
def test_nouns_that_end_like_a_particle_stay_whole(stem, noun):
    assert stem(noun) == noun
    assert stem(noun + "를") == stem(noun + "가") == noun


def test_suffixes_are_tried_longest_first():
    assert list(SUFFIXES) == sorted(SUFFIXES, key=lambda s: (-len(s), s))
    assert all(HANGUL_WORD.fullmatch(s) for s in SUFFIXES)


def korean_words():
    """Every Hangul word of the Korean catalogues' translations, and a few hard cases."""
    words = {"확률을", "정확도를", "softmax를", "REINFORCE는", "값이", "이", "를를", "estimators"}
    for path in (ROOT / "locales" / "ko").rglob("*.po"):
        with path.open("rb") as file:
            for message in read_po(file):
                if message.id and isinstance(message.string, str):
                    words.update(HANGUL_WORD.findall(message.string))
    return sorted(words)


def test_the_browser_stems_like_the_index(stem, browser):
    words = korean_words()
    page = browser.new_page()
    page.set_content("<!doctype html><meta charset='utf-8'><title>stemmer</title>")
    page.add_script_tag(content=JS_STEMMER)
    in_browser = page.evaluate("words => { const s = new Stemmer(); return words.map(w => s.stemWord(w.toLowerCase())); }",
                               words)
    page.close()
    different = {w: (stem(w).lower(), js) for w, js in zip(words, in_browser) if stem(w).lower() != js}
    assert not different, f"Python and JavaScript stem differently (word: (python, js)): {different}"


def page_words(html):
    """The words of a page's article, as a reader sees them (no scripts, styles, math or code)."""
    article = re.search(r'<article class="bd-article"[^>]*>(.*?)</article>', html, re.S).group(1)
    text = re.sub(r"<(script|style|pre|code)\b.*?</\1>|<[^>]+>", " ", article, flags=re.S)
    return set(HANGUL_WORD.findall(text))


def particle_only_pages(site, stem):
    """``(word, pages)``: a word that some pages show only with a particle, never bare; 확률 if it qualifies."""
    index = (site / "searchindex.js").read_text(encoding="utf-8")
    docnames = json.loads(index[index.index("(") + 1:index.rindex(")")])["docnames"]
    words = {f"{name}.html": page_words((site / f"{name}.html").read_text(encoding="utf-8")) for name in docnames}
    forms = {}  # stem -> page -> set of forms on the page
    for page, found in words.items():
        for word in found:
            forms.setdefault(stem(word), {}).setdefault(page, set()).add(word)
    candidates = {word: sorted(page for page, seen in pages.items() if word not in seen)
                  for word, pages in forms.items() if len(word) >= 2 and HANGUL_WORD.fullmatch(word)}
    candidates = {word: pages for word, pages in candidates.items() if pages}
    if candidates.get("확률"):
        return "확률", candidates["확률"]
    assert candidates, "no Korean word appears with a particle only: is the Korean site translated?"
    word = max(candidates, key=lambda w: (len(candidates[w]), w))
    return word, candidates[word]


def with_object_particle(word):
    """``word`` with 을 after a final consonant, 를 after a vowel, as Korean writes it."""
    return word + ("을" if (ord(word[-1]) - 0xAC00) % 28 else "를")


def search(site, browser, query):
    """The pages the site's search lists for ``query``, opened from file://."""
    log = {"requests": [], "console": []}
    context = new_context(browser, log)
    page = context.new_page()
    watch(page, log)
    page.goto((site / "search.html").as_uri() + "?q=" + quote(query))
    page.wait_for_selector("#search-results li", timeout=15_000)
    # Sphinx lists the results one at a time: read them once the list has stopped growing.
    page.wait_for_function("""() => {
        const n = document.querySelectorAll('#search-results li').length;
        const stable = window.__reparamCount === n; window.__reparamCount = n; return stable; }""",
        timeout=15_000, polling=500)
    hrefs = page.locator("#search-results li a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    context.close()
    assert not log["requests"] and not log["console"], log
    return {Path(href.split("?")[0].split("#")[0]).with_suffix(".html").as_posix() for href in hrefs}


def test_search_finds_a_word_with_its_particles(site_ko, browser, stem):
    """Searching the bare word on the Korean site finds the pages that only have it with a particle,
    and searching it with a particle finds the same pages."""
    word, expected = particle_only_pages(site_ko, stem)
    found = search(site_ko, browser, word)
    missing = [p for p in expected if p not in found]
    assert not missing, f"searching {word!r} did not find {missing}, which have it only with a particle; found {sorted(found)}"
    assert search(site_ko, browser, with_object_particle(word)) == found
