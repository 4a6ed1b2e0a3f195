"""Statistics: the search's own words and filters -> counts per chart, computed by the engine.

A dashboard is one search request with no hits and one facet per chart (Elasticsearch
aggregations, SQL in the embedded engine), so its numbers are the search's numbers: a bar's
count is the total of the search its link opens. Charts keep the search's multi-select rule: a
chart of cities counts every city under the other filters, and its bar for Jilin opens the
search with the city set to Jilin alone."""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from indexer import FacetBucket, FacetSpec, Page, QueryError, SearchBackend

from .. import search_options as opts
from .. import vocabularies
from ..stats_options import DASHBOARDS, MEASURES, ChartDef, Dashboard
from .identity import Identity
from .search import SearchParams, SearchService

TYPE_INDEX = {"achievement": "achievements", "patent": "patents", "instrument": "instruments"}


@dataclass
class BucketView:
    key: Any  # as the engine reports it: a code, a name, a year, a boolean, a range key
    value: str  # the same key as a URL filter value
    label: str
    count: int
    sums: dict[str, float] = field(default_factory=dict)
    share: float | None = None  # of the records the filters keep (lists may add up to more than 1)
    change: float | None = None  # year on year: (this year - last year) / last year
    parts: dict[str, int] = field(default_factory=dict)  # per record type (the overview's trend)
    selected: bool = False


@dataclass
class ChartView:
    definition: ChartDef
    facet: opts.FacetDef
    buckets: list[BucketView]
    measures: tuple[str, ...]  # the sums this reader may see, in order

    @property
    def key(self) -> str:
        return self.definition.key


@dataclass
class StatsView:
    dashboard: Dashboard
    params: SearchParams
    total: int
    totals: dict[str, float]
    charts: list[ChartView]
    took_ms: float

    def chart(self, key: str) -> ChartView | None:
        return next((c for c in self.charts if c.key == key), None)

    def to_dict(self, locale: str) -> dict[str, Any]:
        return {
            "type": self.params.record_type,
            "total": self.total,
            "totals": {k: round(v, 2) for k, v in self.totals.items()},
            "charts": [chart_dict(c, locale) for c in self.charts],
        }


def chart_dict(chart: ChartView, locale: str) -> dict[str, Any]:
    return {
        "key": chart.key,
        "title": chart.definition.title(locale),
        "kind": chart.definition.kind,
        "trend": chart.definition.trend,
        "measures": [{"field": m, "label": MEASURES[m].label(locale), "unit": MEASURES[m].unit_en if locale.startswith("en") else MEASURES[m].unit_zh}
                     for m in chart.measures],
        "buckets": [
            {"key": b.key, "value": b.value, "label": b.label, "count": b.count,
             "sums": {m: round(b.sums.get(m, 0.0), 2) for m in chart.measures},
             "share": None if b.share is None else round(b.share, 4),
             "change": None if b.change is None else round(b.change, 4),
             **({"by_type": b.parts} if chart.definition.by_type else {}),
             "selected": b.selected}
            for b in chart.buckets
        ],
    }


def url_value(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, float) and key.is_integer():
        return str(int(key))
    return str(key)


def bucket_label(facet: opts.FacetDef, key: Any, locale: str) -> str:
    en = locale.startswith("en")
    if facet.boolean or isinstance(key, bool):
        truthy = key is True or key == "true"
        return ("Yes" if truthy else "No") if en else ("是" if truthy else "否")
    if facet.ranges:
        zh_label, en_label = opts.RANGE_LABELS.get(str(key), (str(key), str(key)))
        return en_label if en else zh_label
    if facet.vocabulary:
        return vocabularies.get(facet.vocabulary).label(url_value(key), locale)
    return url_value(key)


def search_query(params: SearchParams, **override: list[str] | None) -> list[tuple[str, str]]:
    """The URL query of the search these parameters describe, with some filters replaced
    (a bar's link: its filter set to the bar's value alone)."""
    pairs: list[tuple[str, str]] = []
    if params.record_type != "all":
        pairs.append(("type", params.record_type))
    if params.q:
        pairs.append(("q", params.q))
    if params.match != "all":
        pairs.append(("match", params.match))
    selections = {**params.selections, **override}
    for key, values in selections.items():
        pairs += [(key, v) for v in values or []]
    return pairs


class StatsService:
    def __init__(self, backend: SearchBackend, search: SearchService):
        self.backend = backend
        self.search = search

    @staticmethod
    def measures(identity: Identity, names: tuple[str, ...]) -> tuple[str, ...]:
        """The sums this reader may see: a member-only value of a record is not given away by
        a total either (a filter can narrow a total down to one record)."""
        return tuple(n for n in names if identity.is_member or not MEASURES[n].members_only)

    def dashboard(self, identity: Identity, params: SearchParams, locale: str = "zh") -> StatsView:
        board = DASHBOARDS.get(params.record_type)
        if board is None:
            raise QueryError(f"no statistics for type {params.record_type!r}", code="invalid_type", field="type")
        base, _ = self.search.build_request(identity, replace(params, page=1, size=0, cursor=None, highlight=False, sort=None))
        facets = tuple(self._facet_spec(board.record_type, c, identity) for c in board.charts)
        totals = self.measures(identity, board.totals)
        request = replace(base, facets=facets, sums=totals, sort=(), page=Page(1, 0), highlight=None, after=None)
        result = self.backend.search(request)
        took = result.took_ms or 0.0
        parts: dict[str, dict[Any, int]] = {}
        if any(c.by_type for c in board.charts):
            for record_type, index in TYPE_INDEX.items():
                chart = next(c for c in board.charts if c.by_type)
                spec = self._facet_spec(board.record_type, chart, identity)
                one = self.backend.search(replace(request, indices=(index,), facets=(spec,), sums=()))
                took += one.took_ms or 0.0
                parts[record_type] = {b.key: b.count for b in one.facets.get(chart.key, [])}
        charts = [self._chart(board, c, result.facets.get(c.key, []), result.total, params, identity, locale, parts) for c in board.charts]
        return StatsView(board, params, result.total, result.sums, charts, took)

    def _facet_spec(self, record_type: str, chart: ChartDef, identity: Identity) -> FacetSpec:
        facet = opts.facet(record_type, chart.key)
        if facet is None:  # a declaration error, caught by the tests
            raise LookupError(f"chart {chart.key!r} is not a filter of {record_type}")
        size = chart.size or facet.size
        if chart.complete and facet.vocabulary:
            size = max(size, len(vocabularies.get(facet.vocabulary).codes))
        return replace(facet.spec(), size=size, order=chart.order or facet.order, sums=self.measures(identity, chart.sums))  # type: ignore[arg-type]

    def _chart(self, board: Dashboard, chart: ChartDef, buckets: list[FacetBucket], total: int, params: SearchParams,
               identity: Identity, locale: str, parts: dict[str, dict[Any, int]]) -> ChartView:
        facet = opts.facet(board.record_type, chart.key)
        assert facet is not None
        measures = self.measures(identity, chart.sums)
        found = list(buckets)
        if chart.complete and facet.vocabulary:
            by_code = {url_value(b.key): b for b in found}
            codes = vocabularies.get(facet.vocabulary).codes
            extra = [b for b in found if url_value(b.key) not in codes]  # values outside the vocabulary still count
            found = [by_code.get(code) or FacetBucket(code, 0, {m: 0.0 for m in measures}) for code in codes] + extra
        if chart.trend and found:
            years = {int(b.key): b for b in found}
            found = [years.get(y) or FacetBucket(y, 0, {m: 0.0 for m in measures}) for y in range(min(years), max(years) + 1)]
        selected = set(params.selections.get(chart.key, []))
        views: list[BucketView] = []
        previous: FacetBucket | None = None
        for b in found:
            value = url_value(b.key)
            change = None
            if chart.trend and previous is not None and previous.count:
                change = (b.count - previous.count) / previous.count
            views.append(BucketView(
                b.key, value, bucket_label(facet, b.key, locale), b.count,
                {m: b.sums.get(m, 0.0) for m in measures},
                (b.count / total) if total else None, change,
                {t: counts.get(b.key, 0) for t, counts in parts.items()} if chart.by_type else {},
                value in selected,
            ))
            previous = b
        return ChartView(chart, facet, views, measures)


def share_text(share: float | None) -> str:
    if share is None or math.isnan(share):
        return ""
    return f"{share * 100:.1f}%"
