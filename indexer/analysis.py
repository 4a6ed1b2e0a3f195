"""A pure-Python model of the ``zh_en`` analyzer declared in ``mappings/es8/*.json``.

Elasticsearch analyses text with: standard tokenizer -> cjk_width -> lowercase -> cjk_bigram
-> porter_stem. The embedded SQLite engine cannot run Lucene, so it tokenises in Python with
this module, which follows the same rules closely enough that both engines find the same
records (``tests/conformance/test_analysis_parity.py`` compares the two on real texts):

* a run of CJK characters (Han, kana, Hangul) becomes overlapping bigrams; a lone CJK
  character stays a unigram. With ``unigrams=True`` every character of a longer run is also
  emitted, as Elasticsearch's index analyzer does, so one-character queries still match. The
  embedded engine's index (:func:`index_text`) keeps only the last character of each run as
  a unigram, and asks a one-character query as a prefix: every other character of a run is
  the start of a bigram, so ``"电"*`` finds 电 wherever it occurs, with fewer tokens to write;
* other letters and digits form words (``3.5kg``, ``u.s.a``, ``don't``, ``g06f17``), split the
  way Unicode word boundaries split them, then lower-cased and Porter-stemmed;
* full-width Latin letters and digits are folded to ASCII first, as cjk_width does.

Offsets point into the original text, which is what highlighting needs.
"""
from __future__ import annotations

import operator
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

from . import folding

_CJK_RANGES = (
    "\u1100-\u11ff"  # Hangul Jamo
    "\u3040-\u309f"  # Hiragana
    "\u30a1-\u30fa\u30fc-\u30ff"  # Katakana (not ゠ or the middle dot ・, punctuation to Lucene)
    "\u3130-\u318f"  # Hangul compatibility Jamo
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uac00-\ud7af"  # Hangul syllables
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\uff66-\uff9f"  # half-width katakana
    "\U00020000-\U0003134f"  # CJK extensions B-G
)
_CJK = f"[{_CJK_RANGES}]"
# character classes, not lookaheads: a class is one test per character, which matters when
# every value of every indexed document goes through this pattern
_W = rf"[^\W{_CJK_RANGES}]"  # a word character that is not CJK
_LETTER = rf"[^\W\d_{_CJK_RANGES}]"
_WORD = (
    rf"{_W}+(?:"
    rf"(?<={_LETTER})[.'’:·](?={_LETTER}){_W}+"  # MidNumLet/MidLetter between letters: u.s.a, don't
    rf"|(?<=\d)[.'’,;⁄](?=\d){_W}+"  # MidNumLet/MidNum between digits: 3.5, 1,000, 1⁄2
    r")*"
)
# a word holds a letter or digit: a lone "_" (ExtendNumLet) is no token to Lucene
_TOKEN = re.compile(rf"(?P<cjk>{_CJK}+)|(?P<word>(?=_*[^\W_{_CJK_RANGES}]){_WORD})")
_HAS_LATIN = re.compile(r"[a-z]")

_stemmer = snowballstemmer.stemmer("porter")


@dataclass(frozen=True)
class Token:
    text: str
    start: int  # offsets into the original text
    end: int


def _build_fold_table() -> dict[int, str]:
    table = {code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}  # full-width ASCII
    for code in range(0xFF65, 0xFFA0):  # half-width katakana, one character to one
        folded = unicodedata.normalize("NFKC", chr(code))
        if len(folded) == 1:
            table[code] = folded
    return table


_FOLD = _build_fold_table()


def fold_width(text: str) -> str:
    """Full-width ASCII to half-width, half-width katakana to full-width (cjk_width)."""
    return text.translate(_FOLD)


def prefix_form(text: str) -> str:
    """A whole value as the ``suggest_prefix`` analyzer keeps it for type-ahead prefixes: the
    shared char filter (traditional to simplified, NFKC), then cjk_width and lowercase."""
    return fold_width(folding.fold(text)).lower()


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    # Lucene's PorterStemmer leaves words of one or two characters alone
    return _stemmer.stemWord(word) if len(word) > 2 and _HAS_LATIN.search(word) else word


# Characters Python counts as word characters but Unicode word segmentation does not
# (circled and superscript numbers, vulgar fractions): Lucene drops them, so do we. Folded in
# the same one-to-one translation as the widths, so offsets into the original text hold.
_NORMALISE = {**_FOLD, **{c: " " for c in range(0x80, 0x30000) if unicodedata.category(chr(c)) == "No"}}
# Before all of that, the char filter both engines share (``folding``: traditional Chinese to
# simplified, NFKC), as Elasticsearch runs char filters before its tokenizer: one translation
_PREPARE = folding.Translation({**_NORMALISE, **{c: to.translate(_NORMALISE) for c, to in folding.table().items()}})


def _normalise(text: str) -> str:
    return _PREPARE(text)


def tokens(text: str, *, unigrams: bool = False) -> list[Token]:
    """Tokens in order. With ``unigrams`` the characters of each CJK run longer than one
    follow its bigrams (a phrase of bigrams therefore stays contiguous)."""
    if not text:
        return []
    norm, origin = _PREPARE.with_offsets(text)
    out: list[Token] = []
    for m in _TOKEN.finditer(norm):
        start, end = m.span()
        if m.lastgroup == "cjk":
            run = norm[start:end]
            if len(run) == 1:
                out.append(Token(run, start, end))
                continue
            out.extend(Token(run[i : i + 2], start + i, start + i + 2) for i in range(len(run) - 1))
            if unigrams:
                out.extend(Token(ch, start + i, start + i + 1) for i, ch in enumerate(run))
        else:
            out.append(Token(stem(m.group().lower()), start, end))
    if origin is not None:
        out = [Token(t.text, *folding.original_span(origin, t.start, t.end, len(text))) for t in out]
    return out


def terms(text: str, *, unigrams: bool = False) -> list[str]:
    return [t.text for t in tokens(text, unigrams=unigrams)]


def index_text(text: str) -> str:
    """The form stored in an FTS5 column: index-time tokens joined by spaces.

    The bigrams and words of the whole value come first, so phrases of them stay contiguous;
    then the last character of each CJK run longer than one. A one-character query asks for
    that character as a prefix (the embedded engine's compiler), which finds it as the start
    of a bigram or as a run's last character: every place it occurs, as Elasticsearch's
    unigrams do, with about 40% fewer tokens than a unigram per character (the embedded
    engine's index writes, under SQLite's one-writer lock, are the ceiling of ingest, issue
    13). Short values (names, keywords, labels, pinyin) repeat across the documents of an
    import, so their forms are remembered."""
    if not text:
        return ""
    return _short_index_text(text) if len(text) <= _REMEMBERED_LENGTH else _index_text(text)


_REMEMBERED_LENGTH = 200


def _index_text(text: str) -> str:
    main: list[str] = []
    tail: list[str] = []  # each run's last character
    for m in _TOKEN.finditer(_normalise(text)):
        if m.lastgroup == "cjk":
            run = m.group()
            if len(run) == 1:
                main.append(run)
            else:
                main += map(operator.add, run, run[1:])  # the bigrams
                tail.append(run[-1])  # the one character no bigram starts with
        else:
            main.append(stem(m.group().lower()))
    return " ".join(main + tail)


_short_index_text = lru_cache(maxsize=65536)(_index_text)


_CJK_START = re.compile(_CJK)


def is_one_cjk(term: str) -> bool:
    """Whether a term is a single CJK character: the embedded engine asks for it as a prefix
    (:func:`index_text`)."""
    return len(term) == 1 and _CJK_START.match(term) is not None


def find_terms(text: str, wanted: set[str]) -> list[tuple[int, int]]:
    """Spans of ``text`` whose tokens (index-time: bigrams, unigrams, stemmed words) are in
    ``wanted``; the same spans :func:`tokens` would give, found without tokenising everything.
    Chinese terms are plain substrings of CJK runs, so one overlapping regex scan finds them."""
    if not text or not wanted:
        return []
    norm, origin = _PREPARE.with_offsets(text)
    spans: list[tuple[int, int]] = []
    cjk = [t for t in wanted if _CJK_START.match(t)]
    if cjk:
        pattern = _cjk_pattern(tuple(sorted(cjk, key=lambda t: (-len(t), t))))
        spans += [(m.start(), m.start() + len(m.group(1))) for m in pattern.finditer(norm)]
    if len(cjk) < len(wanted):
        for m in _TOKEN.finditer(norm):
            if m.lastgroup == "word" and stem(m.group().lower()) in wanted:
                spans.append(m.span())
    if origin is not None:
        spans = [folding.original_span(origin, s, e, len(text)) for s, e in spans]
    return sorted(spans)


@lru_cache(maxsize=1024)
def _cjk_pattern(terms: tuple[str, ...]) -> re.Pattern:
    return re.compile("(?=(" + "|".join(re.escape(t) for t in terms) + "))")


def has_terms(text: str) -> bool:
    """Whether the text yields any token at all (``*``, ``\\`` or emoji do not)."""
    return _TOKEN.search(_normalise(text or "")) is not None
