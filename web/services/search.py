"""Search service: validated parameters -> neutral SearchRequest (+ visibility) -> result view.

Visibility is decided here, for every search, never by a view: anyone sees published
records; reviewers and administrators also see drafts when they ask for them."""
from __future__ import annotations

import difflib
import math
import time
from datetime import date
from dataclasses import dataclass, field, replace
from typing import Any

from indexer import (
    AnyOf, FacetBucket, FacetSpec, Highlight, Page, QueryError, Range, SearchBackend, SearchRequest, SimilarRequest,
    SuggestRequest, Term, Terms, Text,
)

from .. import disclosure
from .. import search_options as opts
from .. import vocabularies
from ..models import BY_INDEX
from .identity import Identity


@dataclass
class SearchParams:
    record_type: str = "all"
    q: str = ""
    selections: dict[str, list[str]] = field(default_factory=dict)
    sort: str | None = None
    page: int = 1
    size: int = 20
    cursor: str | None = None
    highlight: bool = True
    match: str = "all"  # "any": any of the words may match (the no-results page offers it)


@dataclass
class FacetValue:
    key: Any
    count: int
    selected: bool


@dataclass
class FacetView:
    key: str
    definition: opts.FacetDef
    values: list[FacetValue]


@dataclass
class SearchView:
    params: SearchParams
    total: int
    hits: list[dict[str, Any]]
    facets: list[FacetView]
    sorts: tuple[opts.SortDef, ...]
    sort: str
    next_cursor: str | None
    took_ms: float | None

    @property
    def pages(self) -> int:
        return max(1, math.ceil(min(self.total, 10_000) / max(self.params.size, 1)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "page": self.params.page,
            "size": self.params.size,
            "pages": self.pages,
            "sort": self.sort,
            "next_cursor": self.next_cursor,
            "hits": self.hits,
            "facets": {
                f.key: [{"key": v.key, "count": v.count, "selected": v.selected} for v in f.values] for f in self.facets
            },
        }


def _coerce(value: str, field_type: str) -> Any:
    if field_type == "boolean":
        if value.lower() in ("true", "1", "yes", "是"):
            return True
        if value.lower() in ("false", "0", "no", "否"):
            return False
        raise QueryError(f"{value!r} is not true or false", code="invalid_filter")
    if field_type in ("integer", "long", "short", "byte"):
        try:
            return int(value)
        except ValueError:
            raise QueryError(f"{value!r} is not a whole number", code="invalid_filter") from None
    if field_type in ("float", "double"):
        try:
            return float(value)
        except ValueError:
            raise QueryError(f"{value!r} is not a number", code="invalid_filter") from None
    return value


@dataclass
class Alternatives:
    """What to offer when a search finds nothing."""

    spelling: list[tuple[str, int]] = field(default_factory=list)  # (text, results)
    any_word: int = 0  # results when any word may match
    without: list[tuple[str, int]] = field(default_factory=list)  # (facet key, results without it)


SPELLING_TTL = 600  # seconds the spelling vocabulary of a record type is reused


class SearchService:
    def __init__(self, backend: SearchBackend):
        self.backend = backend
        self._vocabulary: dict[str, tuple[float, list[str]]] = {}

    def visibility(self, identity: Identity, include_unpublished: bool = False) -> list[Any]:
        if include_unpublished and identity.can_see_unpublished():
            return []
        return [Term("status", "published")]

    def _selection_filter(self, record_type: str, definition: opts.FacetDef, values: list[str]):
        if definition.by_year:
            years = []
            for v in values:
                if not (v.isascii() and v.isdigit() and 1000 <= int(v) <= 9999):
                    raise QueryError(f"{v!r} is not a year", code="invalid_filter", field=definition.key)
                years.append(Range(definition.field, gte=date(int(v), 1, 1), lt=date(int(v) + 1, 1, 1)))
            return years[0] if len(years) == 1 else AnyOf(tuple(years))
        if definition.ranges:
            buckets = {r.key: r for r in definition.ranges}
            ranges = []
            for v in values:
                r = buckets.get(v)
                if r is None:
                    raise QueryError(f"unknown range {v!r} for {definition.key}", code="invalid_filter", field=definition.key)
                ranges.append(Range(definition.field, gte=r.gte, lt=r.lt))
            return ranges[0] if len(ranges) == 1 else AnyOf(tuple(ranges))
        info = self.backend.catalog.resolve_field(opts.INDICES[record_type], definition.field)
        coerced = tuple(_coerce(v, info.type) for v in values)
        return Term(definition.field, coerced[0]) if len(coerced) == 1 else Terms(definition.field, coerced)

    @staticmethod
    def with_codes(p: SearchParams) -> SearchParams:
        """The selections with every vocabulary value as its code: a facet value may be given
        by its code, its Chinese label or its English label (field=New energy and energy saving)."""
        if p.record_type not in opts.RECORD_TYPES:
            return p
        selections = {}
        for key, values in p.selections.items():
            definition = opts.facet(p.record_type, key)
            vocab = vocabularies.get(definition.vocabulary) if definition is not None and definition.vocabulary else None
            selections[key] = [(vocab.resolve(v) or v) if vocab is not None else v for v in values]
        return replace(p, selections=selections)

    def build_request(self, identity: Identity, p: SearchParams) -> tuple[SearchRequest, str]:
        if p.record_type not in opts.RECORD_TYPES:
            raise QueryError(f"unknown type {p.record_type!r}", code="invalid_type", field="type")
        p = self.with_codes(p)
        facet_defs = opts.FACETS[p.record_type]
        selections = []
        for key, values in p.selections.items():
            values = [v for v in values if v != ""]
            if not values:
                continue
            definition = opts.facet(p.record_type, key)
            if definition is None:
                raise QueryError(f"unknown filter {key!r} for {p.record_type}", code="invalid_filter", field=key)
            selections.append((key, self._selection_filter(p.record_type, definition, values)))
        q = p.q.strip()
        sort_key = p.sort or opts.default_sort(p.record_type, bool(q))
        sort_def = opts.sort(p.record_type, sort_key)
        if sort_def is None:
            raise QueryError(f"unknown sort {sort_key!r}", code="invalid_sort", field="sort")
        request = SearchRequest(
            indices=opts.INDICES[p.record_type],
            query=Text(q, operator="or" if p.match == "any" else "and") if q else None,
            filters=tuple(self.visibility(identity)),
            facet_filters=tuple(selections),
            facets=tuple(d.spec() for d in facet_defs if d.shown),
            # "relevance" without words has nothing to rank by: the type's browse order instead
            sort=sort_def.sorts if (q or sort_key != "relevance") else opts.sort(p.record_type, opts.BROWSE_SORT[p.record_type]).sorts,
            page=Page(p.page, p.size),
            after=p.cursor,
            highlight=Highlight(fragment_size=160) if (p.highlight and q) else None,
        )
        return request, sort_key

    def search(self, identity: Identity, p: SearchParams) -> SearchView:
        p = self.with_codes(p)
        request, sort_key = self.build_request(identity, p)
        result = self.backend.search(request)
        selected = {k: set(v) for k, v in p.selections.items()}
        facets = []
        for d in opts.FACETS[p.record_type]:
            if not d.shown:
                continue
            buckets: list[FacetBucket] = result.facets.get(d.key, [])
            values = [FacetValue(b.key, b.count, self._key_str(b.key) in selected.get(d.key, set())) for b in buckets]
            facets.append(FacetView(d.key, d, values))
        hits = [self._hit(h) for h in result.hits]
        return SearchView(p, result.total, hits, facets, opts.SORTS[p.record_type], sort_key, result.next_cursor, result.took_ms)

    def count(self, identity: Identity, p: SearchParams) -> int:
        request, _ = self.build_request(identity, replace(p, size=0, page=1, cursor=None, highlight=False))
        return self.backend.search(replace(request, facets=())).total

    def vocabulary(self, record_type: str) -> list[str]:
        """Keywords and institution names of published records: the words a misspelt query
        most likely meant. Read from facets (both engines have them), kept for a while."""
        cached = self._vocabulary.get(record_type)
        if cached and time.monotonic() - cached[0] < SPELLING_TTL:
            return cached[1]
        request = SearchRequest(
            indices=opts.INDICES[record_type], filters=(Term("status", "published"),), page=Page(1, 0),
            facets=(FacetSpec("keywords", size=1000), FacetSpec("holders", size=500)),
        )
        result = self.backend.search(request)
        words = [str(b.key) for name in ("keywords", "holders") for b in result.facets.get(name, [])]
        self._vocabulary[record_type] = (time.monotonic(), words)
        return words

    def alternatives(self, identity: Identity, p: SearchParams) -> Alternatives:
        """For an empty result: the nearest spelling that finds something, "any word", and
        how many results each selected filter is hiding."""
        alt = Alternatives()
        q = p.q.strip()
        if q:
            for word in difflib.get_close_matches(q, self.vocabulary(p.record_type), n=5, cutoff=0.6):
                if word != q and (n := self.count(identity, replace(p, q=word))):
                    alt.spelling.append((word, n))
                if len(alt.spelling) >= 3:
                    break
            if len(q.split()) > 1 and p.match != "any":
                # the same words with "any may match", not a longer query built from them (which
                # can pass the length limit the user's own query stayed within)
                alt.any_word = self.count(identity, replace(p, match="any"))
        for key in p.selections:
            others = {k: v for k, v in p.selections.items() if k != key}
            if n := self.count(identity, replace(p, selections=others)):
                alt.without.append((key, n))
        return alt

    @staticmethod
    def _key_str(key: Any) -> str:
        if isinstance(key, bool):
            return "true" if key else "false"
        return str(key)

    @staticmethod
    def _hit(hit) -> dict[str, Any]:
        # hits are the same for everyone: the fields a visitor may see (web/disclosure.py)
        src, highlights = disclosure.public_hit(hit.index, hit.source, hit.highlights)
        return {
            "id": hit.id,
            "record_type": src.get("record_type"),
            "score": hit.score,
            "title": src.get("title"),
            "title_en": src.get("title_en"),
            "summary": src.get("summary"),
            "highlights": highlights,
            "source": {k: v for k, v in src.items() if k not in ("suggest",)},
        }

    def suggest(self, identity: Identity, text: str, record_type: str = "all", size: int = 8) -> list[dict[str, Any]]:
        indices = opts.INDICES.get(record_type, opts.INDICES["all"])
        if record_type == "all":
            indices = indices + ("institutions",)
        items = self.backend.suggest(SuggestRequest(text, indices, size))
        return [{"text": s.text, "record_type": BY_INDEX[s.index].RECORD_TYPE, "id": s.id} for s in items]

    def similar(self, identity: Identity, index: str, public_id: str, size: int = 5, indices: tuple[str, ...] = (), *,
                same: dict[str, str] | None = None, open_on: date | None = None) -> list[dict[str, Any]]:
        """Records like ``public_id`` (in ``indices``, default its own index). ``same``: only those
        whose field has this value (the matching's "same field", "same city"); ``open_on``: only
        technology needs still open that day."""
        filters = [*self.visibility(identity), *(Term(name, value) for name, value in (same or {}).items() if value)]
        if open_on is not None:
            filters.append(Range("open_until", gte=open_on))
        result = self.backend.similar(SimilarRequest(index, public_id, indices=indices, filters=tuple(filters), size=size))
        return [self._hit(h) for h in result.hits]
