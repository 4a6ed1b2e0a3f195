"""The neutral search request: what callers say, never how an engine says it.

Web and ingest code build these objects; each backend's compiler turns them into its own
language (Elasticsearch JSON, or an SQLite FTS5 MATCH plus SQL). Field names are the index
field paths declared in ``mappings/`` (for example ``city`` or ``keywords.text``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, Union

Scalar = Union[str, int, float, bool, date, datetime]

MAX_RESULT_WINDOW = 10_000  # from + size beyond this needs a cursor, in every engine
MAX_PAGE_SIZE = 1_000


# -- full-text query nodes ---------------------------------------------------------------

@dataclass(frozen=True)
class Text:
    """Free text as a user typed it: words, "quoted phrases", -exclusions and OR.

    The text is parsed by :mod:`indexer.textquery` in the same way for every engine.
    ``fields`` limits the searched fields (default: the index's search fields and boosts).
    ``operator`` joins the words: ``and`` (every word must match) or ``or``.
    """

    query: str
    fields: tuple[str, ...] | None = None
    operator: Literal["and", "or"] = "and"


@dataclass(frozen=True)
class Phrase:
    """The words must appear together and in this order."""

    text: str
    fields: tuple[str, ...] | None = None


@dataclass(frozen=True)
class MatchAll:
    """Every document (then narrowed by filters)."""


@dataclass(frozen=True)
class And:
    children: tuple["QueryNode", ...]


@dataclass(frozen=True)
class Or:
    children: tuple["QueryNode", ...]


@dataclass(frozen=True)
class Not:
    child: "QueryNode"


QueryNode = Union[Text, Phrase, MatchAll, And, Or, Not]


# -- filters (no scoring) -------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    """Exact value of a keyword, number, date or boolean field."""

    field: str
    value: Scalar


@dataclass(frozen=True)
class Terms:
    """Any of several exact values."""

    field: str
    values: tuple[Scalar, ...]


@dataclass(frozen=True)
class Range:
    """Numeric or date range; bounds that are None are open."""

    field: str
    gte: Scalar | None = None
    gt: Scalar | None = None
    lte: Scalar | None = None
    lt: Scalar | None = None


@dataclass(frozen=True)
class Exists:
    """The field has at least one value."""

    field: str


@dataclass(frozen=True)
class AllOf:
    filters: tuple["Filter", ...]


@dataclass(frozen=True)
class AnyOf:
    filters: tuple["Filter", ...]


@dataclass(frozen=True)
class NoneOf:
    filters: tuple["Filter", ...]


Filter = Union[Term, Terms, Range, Exists, AllOf, AnyOf, NoneOf]


# -- facets, sort, paging, highlight -------------------------------------------------------

@dataclass(frozen=True)
class RangeBucket:
    key: str
    gte: float | None = None
    lt: float | None = None


@dataclass(frozen=True)
class FacetSpec:
    """Counts of documents per value of ``field``.

    kind ``terms``: the ``size`` most frequent values (ties by value, ascending), or by value
    when ``order`` is ``key_asc``/``key_desc``. kind ``range``: one bucket per ``ranges`` item.
    kind ``year``: a date field counted per calendar year (UTC); keys are whole years and
    empty years are left out. ``name`` is how the facet is reported and how a selection on it
    is keyed in :attr:`SearchRequest.facet_filters`.

    ``sums`` names numeric single-valued fields to add up per bucket (statistics: an
    instrument class's service hours); a document counts once per bucket, and a missing value
    adds nothing.
    """

    field: str
    name: str | None = None
    kind: Literal["terms", "range", "year"] = "terms"
    size: int = 10
    order: Literal["count", "key_asc", "key_desc"] = "count"
    ranges: tuple[RangeBucket, ...] = ()
    sums: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return self.name or self.field


@dataclass(frozen=True)
class Sort:
    """``_score`` means relevance (best first unless desc=False is asked for explicitly)."""

    field: str
    desc: bool = False

    @staticmethod
    def score() -> "Sort":
        return Sort("_score", desc=True)


@dataclass(frozen=True)
class Page:
    number: int = 1
    size: int = 20

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


@dataclass(frozen=True)
class Highlight:
    """Highlighted snippets: HTML-escaped text with only ``pre``/``post`` marks left as HTML."""

    fields: tuple[str, ...] | None = None  # default: the index's highlight fields
    fragment_size: int = 120
    number_of_fragments: int = 1
    pre: str = "<mark>"
    post: str = "</mark>"


@dataclass(frozen=True)
class SearchRequest:
    """One search over one or more logical indices.

    ``filters`` narrow both hits and facet counts. ``sums`` names numeric single-valued fields
    to add up over every hit (in :attr:`SearchResult.sums`). ``facet_filters`` are the user's facet
    selections keyed by facet name: they narrow the hits, and every facet's counts are taken
    with all selections except its own (multi-select facets). ``after`` is a cursor returned by
    an earlier result for deep paging; with a cursor, ``page.number`` is ignored.
    """

    indices: tuple[str, ...]
    query: QueryNode | None = None
    filters: tuple[Filter, ...] = ()
    facet_filters: tuple[tuple[str, Filter], ...] = ()
    facets: tuple[FacetSpec, ...] = ()
    sort: tuple[Sort, ...] = ()
    page: Page = field(default_factory=Page)
    after: str | None = None
    highlight: Highlight | None = None
    source: tuple[str, ...] | None = None  # None: the whole stored document
    sums: tuple[str, ...] = ()

    def facet_filter_map(self) -> dict[str, Filter]:
        return dict(self.facet_filters)


@dataclass(frozen=True)
class SuggestRequest:
    """Type-ahead: completions that start with ``text`` (titles, keywords, institutions).

    Only what documents list in their completion field is suggested; the document builder
    decides that (for example, published records only)."""

    text: str
    indices: tuple[str, ...]
    size: int = 10


@dataclass(frozen=True)
class SimilarRequest:
    """Records like record ``id`` of ``index`` (itself excluded)."""

    index: str
    id: str
    indices: tuple[str, ...] = ()  # where to look; default: the record's own index
    filters: tuple[Filter, ...] = ()
    size: int = 5
    fields: tuple[str, ...] | None = None  # default: the index's similar fields


def has_text(node: QueryNode | None) -> bool:
    """Whether the query scores documents (anything but match-all)."""
    if node is None or isinstance(node, MatchAll):
        return False
    if isinstance(node, (And, Or)):
        return any(has_text(c) for c in node.children)
    return True
