"""Supply meets demand: the results that could answer a technology need, and the open needs a
result could answer, with the reason each one is offered.

Both directions are the engines' similar-records search across indices (a need's words against
achievements, patents and instruments; a result's words against the needs still open), and the
field and city are filters the reader can add. The reason is worked out here from the two
records as shown: the words they share, and whether they are in the same field and city, so a
company sees why a result is offered before it writes to the holder."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .identity import Identity
from .search import SearchService

SUPPLY_INDICES = ("achievements", "patents", "instruments")
NEEDS_INDEX = ("needs",)
_CJK_RUN = re.compile(r"[\u3400-\u9fff]{2,}")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]{2,}")
STOPWORDS = frozenset("the and for with from that this using based method system its are was were has have into".split())
FUNCTION_CHARS = "的和与及在对了为从以将其"  # not part of a phrase a reader would name
COMMON_CJK = frozenset({"一种", "及其", "方法", "技术", "研究", "应用", "系统", "装置", "制备", "基于", "用于", "寻求", "需要", "提高", "我们", "公司"})


@dataclass
class Match:
    """One record offered for another, and why."""

    id: str
    record_type: str
    title: str
    holders: list[str]
    shared: list[str] = field(default_factory=list)  # words both records use
    same_field: bool = False
    same_city: bool = False
    score: float = 0.0
    deadline: str | None = None  # for an offered need: its deadline

    @property
    def has_reason(self) -> bool:
        return bool(self.shared or self.same_field or self.same_city)


def _texts(doc: dict[str, Any]) -> tuple[list[str], str]:
    keywords = [k for k in doc.get("keywords") or [] if isinstance(k, str)]
    text = " ".join(x for x in (doc.get("title"), doc.get("title_en"), doc.get("summary")) if isinstance(x, str))
    return keywords, text


def _common_runs(a: str, b: str, shortest: int = 2) -> list[str]:
    """The longest pieces of Chinese text ``a`` shares with ``b`` (each at least ``shortest``
    characters, none inside another), in the order they appear in ``a``."""
    found: list[str] = []
    for run in _CJK_RUN.findall(a):
        i = 0
        while i <= len(run) - shortest:
            best = ""
            for j in range(len(run), i + shortest - 1, -1):
                piece = run[i:j]
                if piece in b:
                    best = piece
                    break
            if best:
                if best not in COMMON_CJK and not any(best in f for f in found):
                    found.append(best)
                i += len(best)
            else:
                i += 1
    return found


def shared_words(a: dict[str, Any], b: dict[str, Any], limit: int = 6) -> list[str]:
    """What two documents have in common, as a reader would name it: keywords of one found in the
    other, then the longest shared Chinese phrases of the titles, then shared English words."""
    a_kw, a_text = _texts(a)
    b_kw, b_text = _texts(b)
    out: list[str] = []

    def add(word: str) -> None:
        word = word.strip(FUNCTION_CHARS) if _CJK_RUN.match(word) else word
        if len(word) >= 2 and word not in COMMON_CJK and not any(word in o or o in word for o in out):
            out.append(word)

    for kw in a_kw:
        if kw.casefold() in (k.casefold() for k in b_kw) or kw in b_text:
            add(kw)
    for kw in b_kw:
        if kw in a_text:
            add(kw)
    for piece in _common_runs(a.get("title") or "", " ".join([b.get("title") or "", *b_kw, b.get("summary") or ""])):
        add(piece)
    b_words = {w.casefold() for w in _WORD.findall(b_text + " " + " ".join(b_kw))}
    for w in _WORD.findall(a_text):
        if w.casefold() in b_words and w.casefold() not in STOPWORDS:
            add(w.casefold())
    return out[:limit]


class NeedMatching:
    def __init__(self, search: SearchService):
        self.search = search

    def _match(self, source: dict[str, Any], hit: dict[str, Any]) -> Match:
        doc = hit.get("source") or {}
        return Match(
            id=hit["id"], record_type=hit.get("record_type") or "", title=hit.get("title") or "",
            holders=list(doc.get("holders") or []), shared=shared_words(source, doc),
            same_field=bool(source.get("field") and source.get("field") == doc.get("field")),
            same_city=bool(source.get("city") and source.get("city") == doc.get("city")),
            score=hit.get("score") or 0.0, deadline=(doc.get("display") or {}).get("deadline") or doc.get("deadline"),
        )

    @staticmethod
    def _rank(matches: list[Match], size: int) -> list[Match]:
        """The engine's similarity first; a shared field or city lifts a record among near equals."""
        top = max((m.score for m in matches), default=0.0) or 1.0
        key = {m.id: m.score / top + 0.2 * m.same_field + 0.1 * m.same_city for m in matches}
        return sorted(matches, key=lambda m: (-key[m.id], m.id))[:size]

    def _run(self, identity: Identity, index: str, source: dict[str, Any], public_id: str, indices: tuple[str, ...], size: int,
             same_field: bool, same_city: bool, open_on: date | None) -> list[Match]:
        same = {}
        if same_field and source.get("field"):
            same["field"] = source["field"]
        if same_city and source.get("city"):
            same["city"] = source["city"]
        hits = self.search.similar(identity, index, public_id, size=size * 3, indices=indices, same=same, open_on=open_on)
        return self._rank([self._match(source, h) for h in hits], size)

    def results_for_need(self, identity: Identity, need_id: str, *, size: int = 8, same_field: bool = False,
                         same_city: bool = False) -> list[Match]:
        """Achievements, patents and instruments that could answer the need ``need_id``."""
        source = self.search.backend.get_document("needs", need_id)
        if source is None:
            return []
        return self._run(identity, "needs", source, need_id, SUPPLY_INDICES, size, same_field, same_city, None)

    def needs_for_record(self, identity: Identity, index: str, public_id: str, *, size: int = 5, today: date | None = None,
                         same_field: bool = False, same_city: bool = False) -> list[Match]:
        """The technology needs, still open ``today``, that the record ``public_id`` could answer."""
        source = self.search.backend.get_document(index, public_id)
        if source is None:
            return []
        return self._run(identity, index, source, public_id, NEEDS_INDEX, size, same_field, same_city, today or date.today())
