"""Pinyin for search: Chinese text as the syllables and initials a user types on a phone before
choosing characters, and a Latin query word read as pinyin.

Index time (both engines, ``indexer.derived``): the Han characters of a text become its
syllables without tones (吉林大学 -> ``ji lin da xue``) and their first letters (``j l d x``), by
pypinyin, which reads polyphonic characters from the words around them where its phrase
dictionary knows them (重庆 -> chong qing, 银行 -> yin hang). Other characters are left out.

Query time (both compilers): a word of Latin letters is read as full pinyin when it splits into
syllables (``dianchi``, ``dian chi``, ``diànchí``, ``dian4chi2``, ``xi'an``), otherwise as initials
(``jldx``); the engines then look for that run of syllables or initials as a phrase.
"""
from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

MAX_INITIALS = 10  # a longer run of letters is a word, not the first letters of one
MAX_KEY_CHARS = 100  # the completion fields' max_input_length

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
_TONE_DIGIT = re.compile(r"(?<=[a-zü])[1-5]")
_LETTERS = re.compile(r"[a-z]+")


@cache
def syllables() -> frozenset[str]:
    """Every toneless syllable pypinyin can give (ü written v), without the interjections made
    of consonants alone (m, n, ng, hm), which would let almost any run of letters split."""
    from pypinyin.pinyin_dict import pinyin_dict

    out = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            plain = _toneless(reading)
            if re.search(r"[aeiouv]", plain):
                out.add(plain)
    return frozenset(out)


def _toneless(text: str) -> str:
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c) or c == "\u0308")
    return unicodedata.normalize("NFC", text).replace("ü", "v").replace("u\u0308", "v")


def has_han(text: str) -> bool:
    return _HAN.search(text or "") is not None


@lru_cache(maxsize=65536)
def of_text(text: str) -> tuple[str, str]:
    """(syllables, initials) of the Han characters of ``text``, each space-separated; two empty
    strings when it has none.

    What ``lazy_pinyin(text, style=NORMAL, errors="ignore")`` gives, made from pypinyin's own
    parts: its segmentation of the text (runs of Han characters cut into the words of its phrase
    dictionary), then its converter on each word, whose reading depends on the word alone and
    is remembered. An import's texts share most of their words, and converting them again was
    most of an index document's pinyin (a unit test compares the two on every sample text)."""
    if not has_han(text):
        return "", ""
    _, segment = _pypinyin()
    read = [s for word in segment(text) for s in _word_reading(word)]
    return " ".join(read), " ".join(s[0] for s in read)


@cache
def _pypinyin():
    """The converter ``lazy_pinyin`` makes on every call (tones dropped, ü written v) and
    pypinyin's segmentation."""
    from pypinyin.converter import UltimateConverter
    from pypinyin.seg.simpleseg import seg

    return UltimateConverter(v_to_u=False, neutral_tone_with_five=False, tone_sandhi=False), seg


@lru_cache(maxsize=65536)
def _word_reading(word: str) -> tuple[str, ...]:
    from pypinyin import Style

    converter, _ = _pypinyin()
    return tuple(s for item in converter.convert(word, Style.NORMAL, False, "ignore", strict=True) for s in item if s)


def split(letters: str) -> list[str] | None:
    """``letters`` (a-z only) as consecutive syllables, the fewest that cover it (``xian`` is one
    syllable, not xi an); None when no split covers it."""
    known = syllables()
    n = len(letters)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for end in range(1, n + 1):
        for start in range(max(0, end - 6), end):
            head = best[start]
            if head is not None and letters[start:end] in known:
                candidate = head + [letters[start:end]]
                if best[end] is None or len(candidate) < len(best[end]):
                    best[end] = candidate
    return best[n]


def read_query(word: str) -> tuple[str, list[str]] | None:
    """How a query word reads as pinyin: ("syllables", [...]) or ("initials", [...]); None when
    it is not Latin letters (with tones, tone digits or apostrophes) at all."""
    plain = _toneless(word)
    text = _TONE_DIGIT.sub("", plain).replace("'", " ").replace("’", " ")
    toned = text != plain.replace("'", " ").replace("’", " ")  # digits read as tones: syllables only (CO2 is no initials)
    parts = text.split()
    if not parts or any(_LETTERS.fullmatch(p) is None for p in parts):
        return None
    pieces = [split(p) for p in parts]
    if all(p is not None for p in pieces):
        return "syllables", [s for p in pieces for s in p]  # type: ignore[union-attr]
    letters = "".join(parts)
    if toned:
        return None
    # no syllable starts with i, u or v (they are written yi, wu, yu), and few with a, e or o
    # (阿, 额, 欧): a word with one of the first, or more than one of the others, is a word
    if (len(parts) == 1 and 2 <= len(letters) <= MAX_INITIALS and not set(letters) & set("iuv")
            and sum(letters.count(v) for v in "aeo") <= 1):
        return "initials", list(letters)
    return None


def prefix_forms(text: str) -> list[str]:
    """The type-ahead keys of a suggestion in pinyin: its syllables run together and its
    initials (电池 -> ``dianchi``, ``dc``), so a typed prefix ``dianc`` or ``dc`` finds it."""
    read, initials = of_text(text)
    # at most what a completion input keeps (the mappings' max_input_length): both engines alike
    return [form[:MAX_KEY_CHARS] for form in (read.replace(" ", ""), initials.replace(" ", "")) if form]


_KEY_PREFIX = re.compile(r"[A-Za-z]+")


def is_key_prefix(text: str) -> bool:
    """Whether a type-ahead prefix may be the start of a pinyin key (Latin letters only)."""
    return _KEY_PREFIX.fullmatch(text.strip()) is not None
