"""The self-check questions (``reparam.selfcheck``): their data, their answers, their HTML.

- Every question file loads: each question has one correct option or a numeric answer with a
  tolerance, and every option, answer and common mistake has an explanation. Every chapter has 3 to
  5 questions, at least one of them numeric, and a Self-check section right before its Exercises.
- Every numeric answer is recomputed here, with the package where it applies.
- Bad input (an unknown chapter or language, a malformed question file) is a ValueError that names
  the argument, or the file, question and field.
- The HTML asks for nothing outside itself (no URL, no ``src``/``href``, no import), escapes the
  question text, is the same on every call, and carries every explanation outside its script, so a
  reader without JavaScript still finds them. Its script judges answers from a JSON block that
  must agree with the questions.

The quiz's behaviour in a browser is tested in ``test_selfcheck_browser.py``.
"""
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from numpy.polynomial.hermite_e import hermegauss
from scipy.special import logit

import reparam
from reparam import estimators, selfcheck as sc

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))
ALL = [(language, chapter) for language in sc.languages() for chapter in sc.chapters(language)]


class Markup(HTMLParser):
    """Collects the tags with their attributes, the text outside <script> and <style>, and the scripts."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.text, self.scripts, self._inside = [], [], [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._inside.append(tag)

    def handle_endtag(self, tag):
        if self._inside and self._inside[-1] == tag:
            self._inside.pop()

    def handle_data(self, data):
        if not self._inside:
            self.text.append(data)
        elif self._inside[-1] == "script":
            self.scripts.append(data)


# --- the data -------------------------------------------------------------------------------------


@pytest.mark.parametrize("language, chapter", ALL)
def test_question_file_is_valid(language, chapter):
    """Loading validates every field (see the loader); the book's own rules on top."""
    quiz = sc.selfcheck(chapter, language=language)
    assert 3 <= len(quiz.questions) <= 5, f"{chapter}: {len(quiz.questions)} questions, the book wants 3 to 5"
    assert any(q["type"] == "number" for q in quiz.questions), f"{chapter}: no numeric question"
    for q in quiz.questions:
        if q["type"] == "choice":
            assert sum(o["correct"] for o in q["options"]) == 1
            assert all(o["explanation"] for o in q["options"])
        else:
            assert q["tolerance"] > 0 and q["explanation"] and q["hint"]
        # Plain text only: TeX or markup would show raw where no math renderer runs.
        texts = [q["text"]] + [o[k] for o in q.get("options", []) for k in ("text", "explanation")]
        assert not any(re.search(r"[$\\]|<[a-z/]", t) for t in texts), f"{chapter} {q['id']}: TeX or HTML in the text"


def test_every_chapter_has_questions_and_no_file_is_orphaned():
    assert sc.chapters() == CHAPTERS


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_a_self_check_before_its_exercises(chapter):
    """A "## Self-check" heading, then one code cell (input removed on the site) that shows this
    chapter's quiz, then the Exercises."""
    cells = json.loads((ROOT / "chapters" / f"{chapter}.ipynb").read_text(encoding="utf-8"))["cells"]
    sources = ["".join(c["source"]) for c in cells]
    heading = [i for i, (cell, source) in enumerate(zip(cells, sources))
               if cell["cell_type"] == "markdown" and source.startswith("## Self-check")]
    assert len(heading) == 1, f"{chapter}: {len(heading)} Self-check headings"
    code, after = cells[heading[0] + 1], sources[heading[0] + 2]
    assert code["cell_type"] == "code" and f'selfcheck("{chapter}")' in "".join(code["source"])
    assert "remove-input" in code["metadata"].get("tags", [])
    assert after.startswith("## Exercises"), f"{chapter}: the Self-check is not right before the Exercises"
    html_outputs = [o for o in code.get("outputs", []) if "text/html" in o.get("data", {})]
    assert len(html_outputs) == 1, f"{chapter}: run tools/execute_notebook.py to store the quiz's output"


def _recomputed():
    """Each numeric answer, computed independently (with the package where it applies)."""
    c = np.array([1.0, 0.0, 3.0])
    draws = estimators.score_function_categorical(lambda y: y @ c, np.log([0.2, 0.5, 0.3]), size=200, rng=0)
    nodes, weights = hermegauss(40)
    weights = weights / weights.sum()                   # expectations against N(0, 1), exact for polynomials
    f = (1.0 + nodes - 3.0) ** 2                        # (x - 3)^2 at x = mu + sigma eps, mu = sigma = 1
    pairs = reparam.gumbel_topk(np.log([0.1, 0.2, 0.3, 0.4]), 2, size=1_000_000, rng=0)
    taus = np.geomspace(1e-3, 10, 200_001)
    best_tau = [taus[np.argmin(0.43**2 * taus**2 + 0.8 / (m * taus))] for m in (1, 1000)]
    disarm = estimators.disarm_bernoulli(lambda b: (b[:, 0] - 0.45) ** 2, [0.0], size=100, rng=0)[:, 0]
    one_hot = np.eye(10)[np.zeros(8, dtype=int)]        # 8 certain variables of 10 categories
    return {
        ("01_motivation", "bernoulli-slope"):
            estimators.exact_bernoulli(lambda b: (b[:, 0] - 0.45) ** 2, [logit(0.3)])[0] / (0.3 * 0.7),
        # the draws of the third category are the rows whose third component is positive
        ("02_score_function", "one-draw"): np.unique(draws[draws[:, 2] > 0, 2]).item(),
        ("02_score_function", "optimal-baseline"): (weights @ (f * nodes**2)) / (weights @ nodes**2),
        ("03_reparametrization", "post-slip"): weights @ (2.0**2 * nodes) ** 2,
        ("03_reparametrization", "linear-variance"):
            estimators.pathwise_normal(lambda x: np.full_like(x, 3.0), 0.5, 1.0, size=1000, rng=0)[:, 0].var(),
        ("04_gumbel_max", "gumbel-mean"): np.euler_gamma,
        ("04_gumbel_max", "top-two"): np.mean((pairs[:, 0] == 3) & (pairs[:, 1] == 2)),
        # the largest coordinate of a relaxed sample is the Gumbel-max sample, at every temperature
        ("05_gumbel_softmax", "rounding"): reparam.softmax(np.log([0.4, 0.3, 0.2, 0.1]))[0],
        ("05_gumbel_softmax", "best-temperature"): best_tau[1] / best_tau[0],
        ("06_estimator_lab", "evaluations-to-resolve"): 4 * 0.003 / 0.1**2,
        ("06_estimator_lab", "disarm-at-half"): np.unique(disarm).item(),
        ("07_vaes", "kl-bound"): np.sum(one_hot * np.log(np.maximum(10 * one_hot, 1e-300))),
        ("07_vaes", "rloo-baseline"): np.mean([2.0, 3.0, 6.0]),
    }


def test_every_numeric_answer_is_right():
    computed = _recomputed()
    numeric = {(chapter, q["id"]): q for chapter in sc.chapters() for q in sc.selfcheck(chapter).questions
               if q["type"] == "number"}
    assert set(numeric) == set(computed), ("numeric questions without a recomputation here, or the other way "
                                           f"round: {set(numeric) ^ set(computed)}")
    wrong = {key: (q["answer"], computed[key]) for key, q in numeric.items()
             if not abs(computed[key] - q["answer"]) <= q["tolerance"]}
    assert not wrong, f"stored answer against recomputed value, outside the tolerance: {wrong}"
    # The disarm and exact values agree too: every DisARM estimate at a = 0 is the exact gradient.
    exact = estimators.exact_bernoulli(lambda b: (b[:, 0] - 0.45) ** 2, [0.0])[0]
    assert computed[("06_estimator_lab", "disarm-at-half")] == pytest.approx(exact, rel=1e-12)


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("chapter", ["02_score", "02_score_function.json", 2, None])
def test_unknown_chapter_is_named(chapter):
    with pytest.raises(ValueError, match=r"chapter must be one of \[.*'02_score_function'"):
        sc.selfcheck(chapter)


@pytest.mark.parametrize("language", ["xx", "", "EN", 1])
def test_unknown_language_is_named(language):
    with pytest.raises(ValueError, match=r"language must be one of \[.*'en'"):
        sc.selfcheck("01_motivation", language=language)
    with pytest.raises(ValueError, match="language must be one of"):
        sc.chapters(language)


GOOD = {
    "id": "q1", "type": "choice", "text": "Which?",
    "options": [{"text": "A", "correct": True, "explanation": "Because."},
                {"text": "B", "correct": False, "explanation": "Not B."}],
}
NUMBER = {"id": "q2", "type": "number", "text": "How much?", "answer": 0.5, "tolerance": 0.01,
          "explanation": "Half.", "hint": "Halve it.", "mistakes": [{"value": 2, "explanation": "Doubled."}]}


def _with(question, **changes):
    changed = json.loads(json.dumps(question))
    changed.update(changes)
    return changed


def _options(*flags, explanation="Why."):
    return [{"text": f"option {i}", "correct": flag, "explanation": explanation} for i, flag in enumerate(flags)]


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A copy of the English interface in a temporary data folder; returns a writer of one chapter file."""
    (tmp_path / "en").mkdir()
    shutil.copy(sc.DATA_DIR / "en" / "interface.json", tmp_path / "en" / "interface.json")
    monkeypatch.setattr(sc, "DATA_DIR", tmp_path)

    def write(questions, name="ch"):
        text = questions if isinstance(questions, str) else json.dumps({"questions": questions})
        (tmp_path / "en" / f"{name}.json").write_text(text, encoding="utf-8")
        return name
    return write


@pytest.mark.parametrize("questions, message", [
    ([_with(GOOD, options=_options(False, False))], r"ch\.json, question 'q1': exactly one option .*found 0"),
    ([_with(GOOD, options=_options(True, True))], r"question 'q1': exactly one option .*found 2"),
    ([_with(GOOD, options=_options(True, False, explanation=""))], r"question 'q1', option 1: 'explanation' must be"),
    ([_with(GOOD, options=[{"text": "A", "explanation": "x"}, {"text": "B", "correct": False, "explanation": "y"}])],
     r"option 1: each option needs 'text', 'explanation' and 'correct'"),
    ([_with(GOOD, options=_options(True))], r"'options' must be a list of at least 2"),
    ([_with(GOOD, text="  ")], r"question 'q1': 'text' must be a non-empty string"),
    ([_with(GOOD, type="essay")], r"'type' must be 'choice' or 'number', got 'essay'"),
    ([GOOD, _with(NUMBER, id="q1")], r"question 'q1': 'id' must be a unique name"),
    ([_with(GOOD, id="q 1")], r"'id' must be a unique name of letters"),
    ([_with(NUMBER, tolerance=0)], r"question 'q2': 'tolerance' must be > 0, got 0"),
    ([_with(NUMBER, tolerance=-0.1)], r"'tolerance' must be > 0"),
    ([_with(NUMBER, answer=float("nan"))], r"'answer' must be a finite number"),
    ([_with(NUMBER, answer="0.5")], r"'answer' must be a finite number, got '0.5'"),
    ([_with(NUMBER, answer=True)], r"'answer' must be a finite number, got True"),
    ([_with(NUMBER, hint="")], r"question 'q2': 'hint' must be a non-empty string"),
    ([_with(NUMBER, explanation=None)], r"question 'q2': 'explanation' must be a non-empty string"),
    ([_with(NUMBER, mistakes=[{"value": 0.505, "explanation": "x"}])], r"mistake 1: 'value' 0.505 is within two"),
    ([_with(NUMBER, mistakes=[{"value": 3}])], r"mistake 1: 'explanation' must be a non-empty string"),
    ([_with(NUMBER, mistakes={"value": 3})], r"'mistakes' must be a list"),
    ([], r"ch\.json: 'questions' must be a non-empty list"),
    ("{not json", r"ch\.json is not valid JSON"),
])
def test_malformed_question_file_is_named(data_dir, questions, message):
    with pytest.raises(ValueError, match=message):
        sc.selfcheck(data_dir(questions))


def test_language_comes_from_the_environment(data_dir, monkeypatch):
    """REPARAM_LANGUAGE (set by the book's build for each language's site) chooses the language; a
    chapter it has no questions for, or a language without any, falls back to English."""
    data_dir([GOOD], name="both")
    data_dir([GOOD], name="english_only")
    (sc.DATA_DIR / "ko").mkdir()
    shutil.copy(sc.DATA_DIR / "en" / "interface.json", sc.DATA_DIR / "ko" / "interface.json")
    shutil.copy(sc.DATA_DIR / "en" / "both.json", sc.DATA_DIR / "ko" / "both.json")
    monkeypatch.setenv(sc.LANGUAGE_ENV, "ko")
    assert sc.selfcheck("both").language == "ko" and 'lang="ko"' in sc.selfcheck("both").to_html()
    assert sc.selfcheck("english_only").language == "en"
    assert sc.selfcheck("both", language="en").language == "en"
    monkeypatch.setenv(sc.LANGUAGE_ENV, "xx")
    assert sc.selfcheck("both").language == "en"
    monkeypatch.delenv(sc.LANGUAGE_ENV)
    assert sc.selfcheck("both").language == "en"
    with pytest.raises(ValueError, match=r"chapter must be one of \['both'\]"):
        sc.selfcheck("english_only", language="ko")


def test_missing_interface_string_is_named(data_dir):
    name = data_dir([GOOD])
    path = sc.DATA_DIR / "en" / "interface.json"
    strings = json.loads(path.read_text())
    del strings["check"]
    path.write_text(json.dumps(strings))
    with pytest.raises(ValueError, match=r"interface\.json: missing or empty interface strings \['check'\]"):
        sc.selfcheck(name)


# --- the HTML -------------------------------------------------------------------------------------


def _payload(markup):
    blocks = [s for s in markup.scripts if s.lstrip().startswith("{")]
    assert len(blocks) == 1
    return json.loads(blocks[0])


@pytest.mark.parametrize("language, chapter", ALL)
def test_html_is_self_contained(language, chapter):
    quiz = sc.selfcheck(chapter, language=language)
    text = quiz.to_html()
    markup = Markup(text)
    linking = [(tag, attrs) for tag, attrs in markup.tags if {"src", "href", "srcset", "action", "data"} & set(attrs)]
    assert not linking, f"elements that load or link something: {linking}"
    assert not re.search(r"https?:|//[a-z]|@import|url\(|\bimport\(|fetch\(|XMLHttpRequest", text, re.I)
    assert not [attrs["id"] for _, attrs in markup.tags if "id" in attrs], "element ids clash when shown twice"
    assert text == sc.selfcheck(chapter, language=language).to_html(), "the HTML must not change between runs"
    assert quiz._repr_html_() == text


@pytest.mark.parametrize("language, chapter", ALL)
def test_every_explanation_is_readable_without_javascript(language, chapter):
    """Outside the scripts (what a reader of an untrusted notebook sees): every question, option,
    explanation and numeric answer, and one fieldset (with a legend) per question."""
    quiz = sc.selfcheck(chapter, language=language)
    markup = Markup(quiz.to_html())
    visible = " ".join(markup.text)
    expected = [quiz.strings["no_script"]]
    for q in quiz.questions:
        expected.append(q["text"])
        if q["type"] == "choice":
            expected += [o["text"] for o in q["options"]] + [o["explanation"] for o in q["options"]]
        else:
            expected += [q["explanation"], f"{q['answer']:.10g}."]
    missing = [e for e in expected if e not in visible]
    assert not missing, f"{chapter}: not readable without JavaScript: {missing}"
    tags = [tag for tag, _ in markup.tags]
    assert tags.count("fieldset") == tags.count("legend") == len(quiz.questions)
    assert tags.count("details") == len(quiz.questions)
    assert "button" not in tags, "the Check buttons are the script's to add: without it they would do nothing"


@pytest.mark.parametrize("language, chapter", ALL)
def test_script_data_agrees_with_the_questions(language, chapter):
    quiz = sc.selfcheck(chapter, language=language)
    markup = Markup(quiz.to_html())
    payload = _payload(markup)
    assert payload["strings"] == quiz.strings
    assert len(payload["questions"]) == len(quiz.questions)
    for data, q in zip(payload["questions"], quiz.questions):
        assert data["type"] == q["type"]
        if q["type"] == "choice":
            assert q["options"][data["correct"]]["correct"]
            assert data["explanations"] == [o["explanation"] for o in q["options"]]
        else:
            assert (data["answer"], data["tolerance"], data["hint"]) == (q["answer"], q["tolerance"], q["hint"])
            assert data["mistakes"] == q["mistakes"]
    radios = [attrs for tag, attrs in markup.tags if tag == "input" and attrs.get("type") == "radio"]
    names = {a["name"] for a in radios}
    assert len(names) == sum(q["type"] == "choice" for q in quiz.questions), "one radio group per choice question"


def test_text_is_escaped(data_dir):
    hostile = 'a < b & "c" </script><script>alert(1)</script>'
    name = data_dir([_with(GOOD, text=hostile, options=_options(True, False, explanation=hostile))])
    text = sc.selfcheck(name).to_html()
    markup = Markup(text)
    assert sum(1 for tag, _ in markup.tags if tag == "script") == 2, "the question text opened a script"
    assert hostile in " ".join(markup.text)
    assert _payload(markup)["questions"][0]["explanations"][0] == hostile
