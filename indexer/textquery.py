"""Parse what a user typed into a small, engine-neutral tree.

Both engines compile the same tree, so they agree on what a query *means*; only the matching
of tokens differs by engine. Supported syntax, deliberately small and forgiving:

* words separated by white space (joined by the request's operator, AND by default);
* ``"quoted phrases"`` (an unbalanced quote runs to the end of the text);
* ``-word`` or ``-"phrase"`` to exclude;
* ``OR`` (upper case) between two items makes them alternatives.

Anything else (``*``, ``\\``, ``AND``, brackets, control characters, emoji) is treated as
text; characters that no analyzer indexes simply produce no tokens. Nothing here can raise
on odd input except the explicit length limits, which raise :class:`QueryError`.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from . import folding
from .errors import QueryError

MAX_QUERY_CHARS = 256
MAX_CLAUSES = 32

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")
_DROP_CATEGORIES = {"So", "Sk", "Co", "Cs", "Cn"}
_QUOTES = str.maketrans({"“": '"', "”": '"', "＂": '"', "「": '"', "」": '"'})


@dataclass(frozen=True)
class Word:
    text: str
    negated: bool = False


@dataclass(frozen=True)
class QuotedPhrase:
    text: str
    negated: bool = False


Item = Word | QuotedPhrase


@dataclass(frozen=True)
class ParsedQuery:
    """``groups`` are joined by the request operator; the items inside one group are
    alternatives (joined by OR). Negated items are kept apart in ``excluded``."""

    groups: tuple[tuple[Item, ...], ...]
    excluded: tuple[Item, ...]

    @property
    def is_empty(self) -> bool:
        return not self.groups and not self.excluded


def clean(text: str) -> str:
    """Fold as the analyzers do (traditional Chinese to simplified, NFKC); remove control and
    invisible characters and symbols (emoji, private use); fold typographic quotes to ``"``. Symbols are dropped because engines disagree about them
    (Lucene's tokenizer makes an emoji a word of its own, which would then be required)."""
    text = _CONTROL.sub(" ", text or "")
    # the engines' shared folding first, so a compatibility symbol that stands for letters or
    # digits (℃ -> °C, ㎡ -> m2) is not dropped with the other symbols below
    text = folding.fold(text)
    text = "".join(" " if unicodedata.category(ch) in _DROP_CATEGORIES or ch in "\ufe0e\ufe0f" else ch for ch in text)
    return unicodedata.normalize("NFC", text.translate(_QUOTES)).strip()


def parse(text: str) -> ParsedQuery:
    text = clean(text)
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"查询过长（最多 {MAX_QUERY_CHARS} 个字符）/ query too long (at most {MAX_QUERY_CHARS} characters)",
            code="query_too_long",
            field="q",
        )
    raw_items: list[Item | str] = []  # str "OR" marks an alternative
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        negated = False
        if ch == "-" and i + 1 < n and not text[i + 1].isspace():
            negated = True
            i += 1
            ch = text[i]
        if ch == '"':
            end = text.find('"', i + 1)
            end = n if end < 0 else end
            body = text[i + 1 : end].strip()
            i = end + 1
            if body:
                raw_items.append(QuotedPhrase(body, negated))
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] != '"':
            j += 1
        word = text[i:j]
        i = j
        if word == "OR" and not negated:
            raw_items.append("OR")
        elif word:
            raw_items.append(Word(word, negated))

    groups: list[list[Item]] = []
    excluded: list[Item] = []
    pending_or = False
    for item in raw_items:
        if item == "OR":
            pending_or = bool(groups)
            continue
        assert not isinstance(item, str)
        if item.negated:
            excluded.append(item)
            pending_or = False
        elif pending_or:
            groups[-1].append(item)
            pending_or = False
        else:
            groups.append([item])
    if len(groups) + len(excluded) > MAX_CLAUSES:
        raise QueryError(
            f"查询词过多（最多 {MAX_CLAUSES} 个）/ too many search terms (at most {MAX_CLAUSES})",
            code="too_many_terms",
            field="q",
        )
    return ParsedQuery(tuple(tuple(g) for g in groups), tuple(excluded))
