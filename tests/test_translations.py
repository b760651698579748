"""The Korean edition keeps up with the English sources (issue 12).

For every catalogue ``locales/ko/LC_MESSAGES/<page>.po``:

- every message is translated, and none is fuzzy (a message whose English changed, which
  ``sphinx-intl update`` marks fuzzy and Sphinx would show in English);
- its messages are exactly those of the page today: the messages are extracted again from the
  sources (``scripts/build_book.py --extract``, the instructor guide included) and compared, so an
  English sentence added, changed or removed without updating the catalogue fails here;
- each translation keeps its message's markup: the same MyST roles with the same targets (a
  ``{ref}`` may translate its title), the same math, inline code, link targets, footnotes and
  substitutions; the order may change with the grammar. A translation that quotes the Korean
  original post in its own words (issue 12), whose notation may differ, says so with the translator
  comment ``# quotes the original post``: what it has in quotation marks is not compared.

And the self-check questions (``code/reparam/selfcheck_data``): every English question file has a
Korean one with the same questions, options, right answers, numbers and interface keys, every text
of it translated.

The README ("Korean edition") says how to update the catalogues after an English change.
"""
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locales" / "ko" / "LC_MESSAGES"
CATALOGUES = sorted(p.relative_to(LOCALE).with_suffix("").as_posix() for p in LOCALE.rglob("*.po"))
SELFCHECK = ROOT / "code" / "reparam" / "selfcheck_data"
ENGLISH_QUESTIONS = sorted(p.name for p in (SELFCHECK / "en").glob("*.json"))

ROLE = re.compile(r"\{([\w:+.-]+)\}`([^`]*)`")
EXPLICIT_TITLE = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.S)
DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
INLINE_MATH = re.compile(r"\$([^$]+?)\$", re.S)
MARKUP = {  # what a translation must keep, found outside roles and math
    "inline code": re.compile(r"`([^`]+)`"),
    "link target": re.compile(r"\]\(([^)]+)\)"),
    "footnote": re.compile(r"\[\^([^\]]+)\]"),
    "substitution": re.compile(r"\{\{\s*([^}]+?)\s*\}\}"),
}
LATEX_COMMAND = re.compile(r"\\[A-Za-z]+")
QUOTATION = re.compile(r'"[^"]*"|“[^”]*”')
QUOTES_THE_POST = "quotes the original post"


def messages(path):
    """The catalogue's messages (not its header), by msgid."""
    with open(path, "rb") as file:
        return {m.id: m for m in read_po(file) if m.id}


def markup(text, quotations=True):
    """What of ``text`` a translation must keep, as a Counter of (kind, value); without what is
    in quotation marks if not ``quotations``."""
    kept = Counter()
    if not quotations:
        text = QUOTATION.sub(" ", text)
    for name, content in ROLE.findall(text):
        titled = EXPLICIT_TITLE.match(content) if name not in ("eval", "math") else None
        kept["role", name, (titled.group(2) if titled else content).strip()] += 1
    rest = ROLE.sub(" ", text)
    for pattern in (DISPLAY_MATH, INLINE_MATH):
        kept.update(("math", " ".join(m.split())) for m in pattern.findall(rest))
        rest = pattern.sub(" ", rest)
    for kind, pattern in MARKUP.items():
        kept.update((kind, value) for value in pattern.findall(rest))
    # A display equation's message is LaTeX without delimiters: its commands must survive too.
    kept.update(("latex", command) for command in LATEX_COMMAND.findall(rest))
    return kept


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The messages of the sources today: {page: set of msgids}."""
    folder = tmp_path_factory.mktemp("gettext")
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_book.py"), "--extract", str(folder)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return {p.relative_to(folder / "pot").with_suffix("").as_posix(): set(messages(p))
            for p in (folder / "pot").rglob("*.pot")}


def test_every_page_has_a_catalogue_and_every_catalogue_a_page(extracted):
    assert sorted(extracted) == CATALOGUES, (
        f"pages without a Korean catalogue: {sorted(set(extracted) - set(CATALOGUES))}; "
        f"catalogues of no page: {sorted(set(CATALOGUES) - set(extracted))}")


@pytest.mark.parametrize("page", CATALOGUES)
def test_catalogue_is_translated_and_nothing_is_fuzzy(page):
    found = messages(LOCALE / f"{page}.po").values()
    untranslated = [m.id for m in found if not m.string]
    fuzzy = [m.id for m in found if m.fuzzy]
    assert not untranslated and not fuzzy, (
        f"{page}.po: {len(untranslated)} of {len(found)} messages untranslated, {len(fuzzy)} fuzzy; "
        f"the first: {(untranslated + fuzzy)[:3]}")


@pytest.mark.parametrize("page", CATALOGUES)
def test_catalogue_matches_the_sources(page, extracted):
    if page not in extracted:
        pytest.fail(f"{page}.po: no page {page} in the sources")
    current, catalogue = extracted[page], set(messages(LOCALE / f"{page}.po"))
    new, gone = sorted(current - catalogue), sorted(catalogue - current)
    assert not new and not gone, (
        f"{page}.po is behind the English: {len(new)} messages not in it (first: {new[:2]}), "
        f"{len(gone)} no longer in the sources (first: {gone[:2]}); update it as the README says")


@pytest.mark.parametrize("page", CATALOGUES)
def test_translations_keep_their_markup(page):
    changed = {}
    for msgid, message in messages(LOCALE / f"{page}.po").items():
        if not message.string:
            continue
        quotations = not any(QUOTES_THE_POST in comment for comment in message.user_comments)
        want, got = markup(msgid, quotations), markup(message.string, quotations)
        if want != got:
            changed[msgid[:60]] = {"lost": sorted((want - got).elements()), "added": sorted((got - want).elements())}
    assert not changed, f"{page}.po: translations whose roles, math or code differ from the English: {changed}"


def test_markup_finds_what_a_translation_must_keep():
    english = ("See {ref}`the proof <prf-ch2>` and {eval}`ch2_S` samples of $x \\sim p$, "
               "`reparam.gumbel` [here](../intro.md)[^1].")
    korean = "{eval}`ch2_S`개의 $x \\sim p$ 표본과 {ref}`증명 <prf-ch2>`, `reparam.gumbel`([여기](../intro.md))[^1]를 보십시오."
    assert markup(english) == markup(korean)
    assert markup(english) != markup(korean.replace("ch2_S", "ch2_T"))
    assert markup(english) != markup(korean.replace("$x \\sim p$", "x"))
    assert markup("\\frac{1}{n}\\sum_i x_i") != markup("\\frac{1}{n}")
    post = '"$f$ need not be differentiable." True for {doc}`03`.'
    quoted = '"$f_\\theta(x)$는 굳이 x에 대해 미분가능할 필요 없음" {doc}`03`에 대해서는 맞습니다.'
    assert markup(post) != markup(quoted) and markup(post, False) == markup(quoted, False)


# --- the self-check questions ---------------------------------------------------------------------


def _structure(data):
    """What must be the same in every language: ids, types, options' rightness, numbers."""
    if "questions" not in data:  # interface.json
        return sorted(data)
    return [{"id": q.get("id"), "type": q.get("type"), "correct": [o.get("correct") for o in q.get("options", [])],
             "answer": q.get("answer"), "tolerance": q.get("tolerance"),
             "mistakes": [m.get("value") for m in q.get("mistakes", [])]} for q in data["questions"]]


def _texts(data, where=""):
    """Every text of a question file or interface, with where it is."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _texts(value, f"{where}/{key}")
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _texts(value, f"{where}[{i}]")
    elif isinstance(data, str) and not where.endswith(("/id", "/type")):
        yield where, data


@pytest.mark.parametrize("name", ENGLISH_QUESTIONS)
def test_korean_questions_match_the_english(name):
    english_path, korean_path = SELFCHECK / "en" / name, SELFCHECK / "ko" / name
    assert korean_path.is_file(), f"no Korean self-check file {korean_path.relative_to(ROOT)}"
    english = json.loads(english_path.read_text(encoding="utf-8"))
    korean = json.loads(korean_path.read_text(encoding="utf-8"))
    assert _structure(korean) == _structure(english), f"{korean_path.name} differs from the English in structure"
    english_texts = dict(_texts(english))
    korean_texts = dict(_texts(korean))
    assert korean_texts.keys() == english_texts.keys(), f"{korean_path.name} has other texts than the English"
    untranslated = [where for where, text in korean_texts.items()
                    if text == english_texts[where] and re.search(r"[A-Za-z]{4,}", text)]
    assert not untranslated, f"{korean_path.name}: texts still in English: {untranslated}"
    placeholders = [where for where, text in korean_texts.items()  # "{tolerance}" in interface.json
                    if sorted(re.findall(r"\{\w+\}", text)) != sorted(re.findall(r"\{\w+\}", english_texts[where]))]
    assert not placeholders, f"{korean_path.name}: placeholders lost or added in {placeholders}"
