r"""Self-check questions at the end of each chapter, with feedback that explains every answer.

``selfcheck("02_score_function")`` returns a :class:`SelfCheck`; as a cell's result it shows the
chapter's questions as self-contained HTML (its own CSS and a small inline script; no external
script, font, stylesheet or request), on the static website and in Jupyter alike.

- A multiple-choice question has radio buttons; a numeric one a text field, and an answer counts
  if it lies within the question's tolerance (shown to the reader). *Check* says "Correct." or
  "Not quite." (words, not only a colour) and why, in a live region that screen readers announce.
- Without JavaScript, as in a notebook JupyterLab has not trusted (it strips scripts and styles),
  nothing is lost but the *Check* button: every question carries its explanations in a
  ``<details>`` element, and a note says how to get the button.

The questions are data, not code: one JSON file per chapter in ``selfcheck_data/<language>/``,
next to ``interface.json``, which holds the few words of the interface. A translation is a folder
with the same files; ``selfcheck(chapter)`` takes its language from the environment variable
``REPARAM_LANGUAGE``, which the book's build sets for each language's site, and
``selfcheck(chapter, language="ko")`` asks for one. A chapter file holds

.. code-block:: json

    {"questions": [
      {"id": "q1", "type": "choice", "text": "...",
       "options": [{"text": "...", "correct": true, "explanation": "..."},
                   {"text": "...", "correct": false, "explanation": "..."}]},
      {"id": "q2", "type": "number", "text": "...", "answer": 0.1, "tolerance": 0.005,
       "explanation": "... (the worked answer, shown when right)",
       "hint": "... (shown when wrong)",
       "mistakes": [{"value": 0, "explanation": "... (a common wrong answer, and why)"}]}
    ]}

Text is plain Unicode (σ, ∇, ≈), never HTML or TeX: it is escaped, and it reads the same where
no math renderer runs.

Examples
--------
>>> from reparam.selfcheck import chapters, selfcheck
>>> "02_score_function" in chapters()
True
>>> quiz = selfcheck("01_motivation")
>>> quiz
<Self-check on 01_motivation: 4 questions>
>>> [q["type"] for q in quiz.questions]
['choice', 'number', 'choice', 'choice']
>>> "http" in quiz.to_html()
False
"""
import html
import json
import math
import numbers
import os
import re
from pathlib import Path

__all__ = ["DATA_DIR", "LANGUAGE_ENV", "SelfCheck", "chapters", "languages", "selfcheck"]

#: Where the question files live: ``DATA_DIR / language / f"{chapter}.json"``.
DATA_DIR = Path(__file__).resolve().parent / "selfcheck_data"

#: The environment variable that chooses the language when ``selfcheck`` is not given one.
LANGUAGE_ENV = "REPARAM_LANGUAGE"

#: The words of the interface, each a key of ``interface.json`` ("{tolerance}" is filled in).
INTERFACE_KEYS = ("check", "correct", "incorrect", "choose_first", "enter_number", "your_answer",
                  "within", "options_explained", "solution", "no_script")

# Layout that matters without the stylesheet is inline: JupyterLab keeps style attributes when it
# sanitizes an untrusted output, and drops <style> and <script> elements.
_LABEL = "display:flex;align-items:baseline;gap:.5em;margin:.35em 0;cursor:pointer"
# JupyterLab's CSS takes the disclosure triangle off <summary>: put it back (the stylesheet turns it
# when the details are open; without the stylesheet it stays closed).
_SUMMARY = "display:list-item;list-style-type:disclosure-closed;list-style-position:inside;cursor:pointer"

# The last rule: pydata-sphinx-theme shows every HTML output on a light card in its dark mode (for outputs
# that assume a white page); this one takes its colours from the page, so it follows the page instead.
_CSS = """
.reparam-selfcheck{margin:.5em 0 1em;max-width:100%;overflow-wrap:anywhere}
.reparam-selfcheck fieldset{min-width:0;margin:0 0 .9em;padding:.6em .9em .7em;border-radius:.4em;
 border:1px solid var(--pst-color-border,var(--jp-border-color1,#bbb))}
.reparam-selfcheck legend{float:left;width:100%;padding:0;margin:0 0 .2em;font-size:inherit;line-height:inherit;
 font-weight:600}
.reparam-selfcheck legend+*{clear:both}
.reparam-selfcheck input[type=radio]{margin:0}
.reparam-selfcheck input[type=text]{font:inherit;color:inherit;background:transparent;width:9em;max-width:100%;
 padding:.15em .4em;border:1px solid currentColor;border-radius:.3em}
.reparam-selfcheck button{font:inherit;color:inherit;background:transparent;cursor:pointer;margin:.3em 0;
 padding:.2em 1em;border:1px solid currentColor;border-radius:.3em}
.reparam-selfcheck button:hover{background:rgba(127,127,127,.15)}
.reparam-selfcheck-feedback{margin:.4em 0;padding-left:.6em;border-left:.3em solid transparent}
.reparam-selfcheck-feedback:empty{display:none}
.reparam-selfcheck-feedback.is-correct{border-left-color:var(--pst-color-success,var(--jp-success-color1,#2e7d32))}
.reparam-selfcheck-feedback.is-wrong{border-left-color:var(--pst-color-danger,var(--jp-error-color1,#c62828))}
.reparam-selfcheck-feedback strong{font-weight:700}
.reparam-selfcheck details{margin:.3em 0 0;font-size:95%}
.reparam-selfcheck details[open]>summary{list-style-type:disclosure-open!important}
.reparam-selfcheck details ul{margin:.3em 0;padding-left:1.2em}
.reparam-selfcheck details li{margin:.3em 0}
html[data-theme=dark] .bd-content div.cell_output .text_html:has(>.reparam-selfcheck){background:none!important;
 color:inherit!important;padding:0!important}
""".strip()

# Finds its container from its own <script> element (no element ids), adds a Check button to each
# question and hides the note for readers without JavaScript. The answers come from the JSON block beside it.
_SCRIPT = r"""
(function(box){
var data=JSON.parse(box.querySelector('script.reparam-selfcheck-data').textContent),s=data.strings;
var note=box.querySelector('.reparam-selfcheck-nojs');if(note)note.hidden=true;
function number(text){
 text=text.replace(/\u2212/g,'-').replace(/\s+/g,'');
 if(/^[+-]?\d+,\d+$/.test(text))text=text.replace(',','.');
 var f=text.match(/^([^/]+)\/([^/]+)$/);
 if(f)return Number(f[1])/Number(f[2]);
 return text===''?NaN:Number(text);
}
Array.prototype.forEach.call(box.querySelectorAll('fieldset.reparam-selfcheck-q'),function(fs,i){
 var q=data.questions[i],out=fs.querySelector('.reparam-selfcheck-feedback'),field=fs.querySelector('input[type=text]'),
  button=document.createElement('button');
 button.type='button';button.textContent=s.check;out.parentNode.insertBefore(button,out);
 function say(ok,text){
  out.className='reparam-selfcheck-feedback'+(ok===null?'':ok?' is-correct':' is-wrong');
  out.textContent='';
  if(ok!==null){var w=document.createElement('strong');w.textContent=ok?s.correct:s.incorrect;
   out.appendChild(w);out.appendChild(document.createTextNode(' '));}
  out.appendChild(document.createTextNode(text));
 }
 function near(x,y){return Math.abs(x-y)<=q.tolerance*(1+1e-9);}
 function check(){
  if(q.type==='choice'){
   var chosen=fs.querySelector('input[type=radio]:checked');
   if(!chosen)return say(null,s.choose_first);
   var k=+chosen.value;return say(k===q.correct,q.explanations[k]);
  }
  var x=number(field.value);
  if(!isFinite(x))return say(null,s.enter_number);
  if(near(x,q.answer))return say(true,q.explanation);
  for(var m=0;m<q.mistakes.length;m++)if(near(x,q.mistakes[m].value))return say(false,q.mistakes[m].explanation);
  say(false,q.hint);
 }
 button.addEventListener('click',check);
 fs.addEventListener('input',function(){say(null,'');});
 if(field)field.addEventListener('keydown',function(e){if(e.key==='Enter'){e.preventDefault();check();}});
});
})(document.currentScript.parentElement);
""".strip()


def languages():
    """The languages that have questions: the folder names of :data:`DATA_DIR`."""
    return sorted(p.name for p in DATA_DIR.iterdir() if p.is_dir())


def _check_language(language):
    available = languages()
    if not isinstance(language, str) or language not in available:
        raise ValueError(f"language must be one of {available}, got {language!r}")
    return DATA_DIR / language


def chapters(language="en"):
    """The chapters that have self-check questions in ``language``, e.g. ``'02_score_function'``."""
    folder = _check_language(language)
    return sorted(p.stem for p in folder.glob("*.json") if p.name != "interface.json")


def _text(value, where):
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where} must be a non-empty string, got {value!r}")
    return value.strip()


def _number(value, where, *, positive=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{where} must be a finite number, got {value!r}")
    if positive and not value > 0:
        raise ValueError(f"{where} must be > 0, got {value!r}")
    return float(value)


def _choice(question, where):
    options = question.get("options")
    if not isinstance(options, list) or len(options) < 2:
        raise ValueError(f"{where}: 'options' must be a list of at least 2 options")
    checked = []
    for i, option in enumerate(options):
        at = f"{where}, option {i + 1}"
        if not isinstance(option, dict) or not isinstance(option.get("correct"), bool):
            raise ValueError(f"{at}: each option needs 'text', 'explanation' and 'correct' (true or false)")
        checked.append({"text": _text(option.get("text"), f"{at}: 'text'"),
                        "explanation": _text(option.get("explanation"), f"{at}: 'explanation'"),
                        "correct": option["correct"]})
    if sum(o["correct"] for o in checked) != 1:
        raise ValueError(f"{where}: exactly one option must have \"correct\": true, "
                         f"found {sum(o['correct'] for o in checked)}")
    return {"options": checked}


def _numeric(question, where):
    answer = _number(question.get("answer"), f"{where}: 'answer'")
    tolerance = _number(question.get("tolerance"), f"{where}: 'tolerance'", positive=True)
    mistakes = question.get("mistakes", [])
    if not isinstance(mistakes, list):
        raise ValueError(f"{where}: 'mistakes' must be a list")
    checked = []
    for i, mistake in enumerate(mistakes):
        at = f"{where}, mistake {i + 1}"
        if not isinstance(mistake, dict):
            raise ValueError(f"{at}: each mistake needs 'value' and 'explanation'")
        value = _number(mistake.get("value"), f"{at}: 'value'")
        if abs(value - answer) <= 2 * tolerance:
            raise ValueError(f"{at}: 'value' {value} is within two tolerances of the answer {answer}")
        checked.append({"value": value, "explanation": _text(mistake.get("explanation"), f"{at}: 'explanation'")})
    return {"answer": answer, "tolerance": tolerance, "mistakes": checked,
            "explanation": _text(question.get("explanation"), f"{where}: 'explanation'"),
            "hint": _text(question.get("hint"), f"{where}: 'hint'")}


def _read_json(path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path.name} is not valid JSON: {err}") from err


def _load(path):
    """The questions of one file, validated; every problem is a ValueError naming file, question and field."""
    data = _read_json(path)
    questions = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(questions, list) or not questions:
        raise ValueError(f"{path.name}: 'questions' must be a non-empty list")
    checked, ids = [], set()
    for n, question in enumerate(questions, start=1):
        if not isinstance(question, dict):
            raise ValueError(f"{path.name}, question {n}: must be an object")
        qid = question.get("id")
        where = f"{path.name}, question {qid!r}" if isinstance(qid, str) else f"{path.name}, question {n}"
        if not isinstance(qid, str) or not re.fullmatch(r"[A-Za-z0-9_-]+", qid) or qid in ids:
            raise ValueError(f"{where}: 'id' must be a unique name of letters, digits, '-' or '_'")
        ids.add(qid)
        kind = question.get("type")
        if kind not in ("choice", "number"):
            raise ValueError(f"{where}: 'type' must be 'choice' or 'number', got {kind!r}")
        body = _choice(question, where) if kind == "choice" else _numeric(question, where)
        checked.append({"id": qid, "type": kind, "text": _text(question.get("text"), f"{where}: 'text'"), **body})
    return checked


def _interface(folder):
    path = folder / "interface.json"
    data = _read_json(path)
    data = data if isinstance(data, dict) else {}
    missing = [key for key in INTERFACE_KEYS if not isinstance(data.get(key), str) or not data[key].strip()]
    if missing:
        raise ValueError(f"{path}: missing or empty interface strings {missing}")
    return {key: data[key] for key in INTERFACE_KEYS}


def _format_number(x):
    """A number as the reader would type it: 0.005, 18.42, 4 (never 4.0 or 5e-03)."""
    return f"{x:.10g}"


class SelfCheck:
    """One chapter's self-check questions; displayed, it is the interactive HTML quiz.

    Attributes
    ----------
    chapter, language : str
    questions : list of dict
        The validated questions (see the module docstring for their fields).
    strings : dict
        The words of the interface in ``language``.
    """

    def __init__(self, chapter, language, questions, strings):
        self.chapter, self.language = chapter, language
        self.questions, self.strings = questions, strings

    def __repr__(self):
        return f"<Self-check on {self.chapter}: {len(self.questions)} questions>"

    def _repr_html_(self):
        return self.to_html()

    def _question_html(self, n, q):
        e, s = html.escape, self.strings
        head = f'<fieldset class="reparam-selfcheck-q"><legend>{n}. {e(q["text"])}</legend>'
        if q["type"] == "choice":
            name = e(f"reparam-selfcheck-{self.chapter}-{q['id']}")
            body = "".join(f'<label style="{_LABEL}"><input type="radio" name="{name}" value="{i}" '
                           f'style="flex-shrink:0"><span>{e(o["text"])}</span></label>'
                           for i, o in enumerate(q["options"]))
            explained = "".join(f'<li><em>{e(o["text"])}</em><br>'
                                f'<strong>{e(s["correct"] if o["correct"] else s["incorrect"])}</strong> '
                                f'{e(o["explanation"])}</li>' for o in q["options"])
            details = (f'<details><summary style="{_SUMMARY}">{e(s["options_explained"])}</summary>'
                       f'<ul>{explained}</ul></details>')
        else:
            within = s["within"].format(tolerance=_format_number(q["tolerance"]))
            body = (f'<label style="{_LABEL};flex-wrap:wrap"><span>{e(s["your_answer"])} ({e(within)})</span>'
                    f'<input type="text" inputmode="decimal" autocomplete="off" spellcheck="false"></label>')
            details = (f'<details><summary style="{_SUMMARY}">{e(s["solution"])}</summary>'
                       f'<p>{_format_number(q["answer"])}. {e(q["explanation"])}</p></details>')
        return (f'{head}{body}'
                f'<p class="reparam-selfcheck-feedback" role="status" aria-live="polite"></p>'
                f"{details}</fieldset>")

    def _payload(self):
        """What the script needs to judge an answer: per question the right option or the number."""
        questions = []
        for q in self.questions:
            if q["type"] == "choice":
                correct = next(i for i, o in enumerate(q["options"]) if o["correct"])
                questions.append({"type": "choice", "correct": correct,
                                  "explanations": [o["explanation"] for o in q["options"]]})
            else:
                keys = ("type", "answer", "tolerance", "explanation", "hint", "mistakes")
                questions.append({key: q[key] for key in keys})
        data = json.dumps({"strings": self.strings, "questions": questions}, ensure_ascii=False, separators=(",", ":"))
        return data.replace("</", "<\\/")  # a "</script>" inside a string must not close the block

    def to_html(self):
        """The quiz as one self-contained HTML fragment (no element ids, no external resource)."""
        questions = "".join(self._question_html(n, q) for n, q in enumerate(self.questions, start=1))
        return (f'<div class="reparam-selfcheck" lang="{html.escape(self.language)}"><style>{_CSS}</style>'
                f'<p class="reparam-selfcheck-nojs"><em>{html.escape(self.strings["no_script"])}</em></p>'
                f"{questions}"
                f'<script type="application/json" class="reparam-selfcheck-data">{self._payload()}</script>'
                f"<script>{_SCRIPT}</script></div>")


def selfcheck(chapter, *, language=None):
    """The self-check questions of ``chapter`` (a notebook's name without ``.ipynb``) in ``language``.

    Parameters
    ----------
    chapter : str
        One of :func:`chapters`, e.g. ``"02_score_function"``.
    language : str, optional
        A folder of ``selfcheck_data`` (see :func:`languages`). By default the language in the
        environment variable ``REPARAM_LANGUAGE`` (:data:`LANGUAGE_ENV`; the book's build sets it
        for the site of each language), else English. A chapter without questions in the language
        of the environment gets the English ones, as an untranslated paragraph stays English.

    Returns
    -------
    SelfCheck
        Shown as a cell's result, the interactive quiz.

    Raises
    ------
    ValueError
        If ``chapter`` has no questions, ``language`` is given and has none, or a question file is
        malformed (the message names the file, the question and the field).
    """
    if language is None:
        wanted = os.environ.get(LANGUAGE_ENV, "").strip() or "en"
        language = wanted if wanted in languages() and chapter in chapters(wanted) else "en"
    folder = _check_language(language)
    available = chapters(language)
    if not isinstance(chapter, str) or chapter not in available:
        raise ValueError(f"chapter must be one of {available}, got {chapter!r}")
    return SelfCheck(chapter, language, _load(folder / f"{chapter}.json"), _interface(folder))
