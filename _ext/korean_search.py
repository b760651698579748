"""Sphinx extension: full-text search for the Korean edition (Sphinx has no Korean search language).

Korean writes a noun with its particle attached: 확률을, 확률이, 확률에서는 are all "확률". Sphinx's
search matches whole index words (a partial match only for queries of three letters or more), so
an index of the words as written would not find 확률을 for the query 확률. :class:`SearchKorean`
therefore indexes every word under its stem, and the browser stems the query by the same rule:

1. lower-case the word (it may be Latin: Gumbel, REINFORCE, softmax를);
2. while the word ends in one of :data:`SUFFIXES` (particles, the copula 이다, and the endings that
   make a verb of a noun with 하다 or 되다) and at least :data:`MIN_STEM` letters would remain,
   cut the longest such suffix (확률에서는 -> 확률, 정확도를 -> 정확도 -> 정확, 계산합니다 -> 계산);
3. stem what remains with the Porter stemmer if it is Latin letters, digits and ``_`` only, as the
   English edition does (estimators -> estim).

Repeating step 2 makes the stem of a word the stem of the word with a particle after it
(정확도 and 정확도를 both stem to 정확), which one cut would not. Keeping two letters stops
nouns that end like a particle from being cut (온도, 밀도, 결과, 정의, 차이, 경로 stay whole); the
price is that a one-syllable noun keeps its particle (값이 is indexed as 값이, not 값).

The rule is written twice, in Python (:meth:`SearchKorean.stem`, for the index) and in JavaScript
(:data:`JS_STEMMER`, for the query), from the one list of suffixes; ``tests/test_korean_search.py``
checks that both give the same stems.
"""
import json
import re

import snowballstemmer
from sphinx.search import SearchLanguage
from sphinx.search.en import english_stopwords, js_porter_stemmer

MIN_STEM = 2

#: What may follow a noun, cut off to find its stem. Longest first when matching.
SUFFIXES = tuple(sorted({
    # case and other particles
    "이", "가", "을", "를", "은", "는", "의", "에", "로", "와", "과", "도", "만", "들",
    "에서", "에게", "으로", "보다", "처럼", "만큼", "마다", "부터", "까지", "이나",
    # two particles together
    "에는", "에도", "에만", "에의", "로는", "로도", "로의", "와는", "과는", "와의", "과의", "만의", "만이", "만을",
    "에서는", "에서도", "에서의", "에게는", "으로는", "으로도", "으로의", "까지의", "부터의", "보다는",
    "로서", "로써", "으로서", "으로써",
    # the copula after a noun: 확률이다, 확률입니다
    "이다", "입니다", "이며", "이고", "이면", "이라는", "이라고", "이므로", "이지만", "라는", "라고", "였다", "이었다",
    # a noun made a verb with 하다 or 되다: 계산합니다, 정의된
    "하다", "한다", "합니다", "하는", "하고", "하며", "하면", "하여", "해서", "해야", "하지", "했다", "했습니다",
    "하기", "한", "할", "함", "된다", "됩니다", "되는", "되고", "되며", "되면", "되어", "된", "될", "됨",
}, key=lambda s: (-len(s), s)))

_LATIN = re.compile(r"[a-z0-9_]+")

_PORTER_CLASS = "var Stemmer = function() {"
if _PORTER_CLASS not in js_porter_stemmer:  # the renaming below must find Sphinx's class
    raise ImportError("korean_search: sphinx.search.en.js_porter_stemmer no longer defines 'var Stemmer'")

#: The query's stemmer in the browser: the same rule as :meth:`SearchKorean.stem`.
JS_STEMMER = js_porter_stemmer.replace(_PORTER_CLASS, "var PorterStemmer = function() {") + """
var Stemmer = function() {
  var porter = new PorterStemmer();
  var suffixes = %s;
  var minStem = %d;
  this.stemWord = function(word) {
    var w = word.toLowerCase(), cut = true;
    while (cut) {
      cut = false;
      for (var i = 0; i < suffixes.length; i++) {
        var s = suffixes[i];
        if (w.length - s.length >= minStem && w.slice(-s.length) === s) {
          w = w.slice(0, w.length - s.length);
          cut = true;
          break;
        }
      }
    }
    return /^[a-z0-9_]+$/.test(w) ? porter.stemWord(w) : w;
  };
};
""" % (json.dumps(SUFFIXES, ensure_ascii=False), MIN_STEM)


class SearchKorean(SearchLanguage):
    lang = "ko"
    language_name = "Korean"
    js_stemmer_code = JS_STEMMER
    stopwords = english_stopwords  # Latin words on Korean pages are English

    def init(self, options):
        self.porter = snowballstemmer.stemmer("porter")

    def stem(self, word):
        w, cut = word.lower(), True
        while cut:
            cut = False
            for suffix in SUFFIXES:  # Hangul and the BMP only: len() counts what JavaScript's .length does
                if len(w) - len(suffix) >= MIN_STEM and w.endswith(suffix):
                    w, cut = w[:-len(suffix)], True
                    break
        return self.porter.stemWord(w) if _LATIN.fullmatch(w) else w


def setup(app):
    app.add_search_language(SearchKorean)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
