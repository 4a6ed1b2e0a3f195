"""Stored queries matched against new documents, the way Lucene's monitor (Luwak) does it.

Elasticsearch's percolator is a module the test node does not have, and the embedded engine
has nothing like it, so both engines share this approach:

1. **Reduce a query to the keys a matching document must contain.** ``required_keys`` turns a
   :class:`~indexer.query.SearchRequest` into a conjunction of conditions, each a set of
   alternative keys: ``[{"t:锂电"}, {"t:电池"}, {"f:city=changchun", "f:city=jilin"}]`` means any
   document the request finds has the term 锂电 *and* 电池 *and* one of the two cities. Keys are
   ``t:<term>`` for an analysed text term (the same analysis as :mod:`indexer.analysis`, which
   models the engines' own) and ``f:<field>=<value>`` for an exact filter value. Conditions
   that cannot be keyed (ranges, exclusions) are left out: the reduction may only widen.
2. **Pick one condition to index the query by** (``anchor``): the one a new document is least
   likely to satisfy, judged by a document-frequency estimate. The caller stores its keys.
3. **For a new document, compute its keys** (``document_keys``), look the candidate queries up
   by those keys, keep those whose every condition the document meets (``satisfies``), and
   confirm each survivor by running the query itself restricted to the document
   (:meth:`SearchBackend.match_document`). Only that last step decides; the first three only
   make it cheap.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from . import analysis, pinyin, textquery
from .catalog import NUMERIC_TYPES, Catalog, FieldInfo
from .errors import QueryError
from .synonyms import Synonyms
from .query import AllOf, AnyOf, Filter, MatchAll, SearchRequest, Term, Terms, Text

ANY = "*"  # the key of a query nothing narrows: every document is a candidate
KEYED_TYPES = {"keyword", "boolean", *NUMERIC_TYPES - {"float", "double", "half_float"}}
MAX_KEY_LENGTH = 200

Condition = frozenset[str]


def text_key(term: str) -> str:
    return f"t:{term}"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def filter_key(field: str, value: Any) -> str:
    return f"f:{field}={_scalar(value)}"[:MAX_KEY_LENGTH]


# -- queries -----------------------------------------------------------------------------------

def _synonyms_of(item: textquery.Item, synonyms: Synonyms | None) -> tuple[str, ...]:
    return synonyms.alternatives(item.text) if synonyms is not None and isinstance(item, textquery.Word) else ()


def _item_terms(item: textquery.Item) -> frozenset[str]:
    return frozenset(text_key(t) for t in analysis.terms(item.text))


def _text_conditions(text: Text, synonyms: Synonyms | None = None) -> list[Condition]:
    """What a document must hold for ``text`` to match it. A word or phrase needs every one of
    its terms; a group of alternatives needs one term of one alternative (the union is a
    necessary condition, not a sufficient one); exclusions add nothing."""
    parsed = textquery.parse(text.query)
    per_group: list[list[frozenset[str]]] = []
    for group in parsed.groups:
        if any(pinyin.read_query(i.text) is not None for i in group):
            # an alternative may match as pinyin, through terms the document's text does not
            # hold: the group narrows nothing we can key (nor, under "or", does the query)
            if text.operator == "or":
                return []
            continue
        # a word with synonyms is a group of alternatives: the word's terms or a synonym's
        words = [w for i in group for w in (i, *(textquery.Word(s) for s in _synonyms_of(i, synonyms)))]
        items = [t for t in (_item_terms(w) for w in words) if t]
        if items:
            per_group.append(items)
    if not per_group:
        return []
    if text.operator == "or":  # any group may match: one condition, any term of any item
        return [frozenset().union(*(t for items in per_group for t in items))]
    out: list[Condition] = []
    for items in per_group:
        if len(items) == 1:
            out.extend(frozenset({k}) for k in items[0])
        else:
            out.append(frozenset().union(*items))
    return out


def _filter_condition(catalog: Catalog, indices: tuple[str, ...], f: Filter) -> Condition | None:
    if isinstance(f, (Term, Terms)):
        try:
            info = catalog.resolve_field(indices, f.field)
        except QueryError:  # an unknown field narrows nothing we can key
            return None
        if info.type not in KEYED_TYPES:
            return None
        values = (f.value,) if isinstance(f, Term) else f.values
        return frozenset(filter_key(f.field, v) for v in values)
    if isinstance(f, AnyOf):
        parts = [_filter_condition(catalog, indices, c) for c in f.filters]
        if parts and all(p is not None for p in parts):
            return frozenset().union(*parts)  # type: ignore[arg-type]
    return None


def _filter_conditions(catalog: Catalog, indices: tuple[str, ...], f: Filter) -> list[Condition]:
    if isinstance(f, AllOf):
        return [c for child in f.filters for c in _filter_conditions(catalog, indices, child)]
    c = _filter_condition(catalog, indices, f)
    return [c] if c else []


def required_keys(catalog: Catalog, request: SearchRequest) -> list[Condition]:
    """The conditions (sets of alternative keys) every document ``request`` finds meets."""
    conditions: list[Condition] = []
    if isinstance(request.query, Text) and not request.query.fields:
        conditions += _text_conditions(request.query, catalog.synonyms)
    elif request.query is not None and not isinstance(request.query, MatchAll):
        pass  # other query trees are matched by confirmation alone (ANY)
    for f in (*request.filters, *(f for _, f in request.facet_filters)):
        conditions += _filter_conditions(catalog, request.indices, f)
    return list(dict.fromkeys(conditions))


def anchor(conditions: list[Condition], frequency: Callable[[str], float] | None = None) -> Condition:
    """The condition to index a query by: the one with the lowest summed key frequency (the
    fewest documents make the query a candidate). Without a frequency estimate a text term
    beats a filter value and a longer term a shorter one, as Luwak's default weighting does."""
    if not conditions:
        return frozenset({ANY})

    def estimate(key: str) -> float:
        if frequency is not None:
            return float(frequency(key))
        if key.startswith("t:"):
            return 1.0 / (1 + len(key))
        return 1.0

    return min(conditions, key=lambda c: (sum(estimate(k) for k in c), len(c), sorted(c)))


def satisfies(conditions: Iterable[Iterable[str]], keys: set[str] | frozenset[str]) -> bool:
    """Whether a document with ``keys`` meets every condition (necessary for a match)."""
    return all(not keys.isdisjoint(c) for c in conditions)


# -- documents ---------------------------------------------------------------------------------

def _values(source: Mapping[str, Any], path: str) -> list[Any]:
    value: Any = source
    for part in path.split("."):
        if isinstance(value, list):
            value = [v.get(part) for v in value if isinstance(v, Mapping)]
        elif isinstance(value, Mapping):
            value = value.get(part)
        else:
            return []
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [v for v in items if v is not None and v != ""]


def _text_fields(catalog: Catalog, index: str) -> list[FieldInfo]:
    spec = catalog.get(index)
    return [spec.field(path) for path in spec.search_fields]


def document_keys(catalog: Catalog, index: str, source: Mapping[str, Any]) -> set[str]:
    """Every key a stored query could require of this document: the index-time terms of its
    search fields (bigrams and single characters, stemmed words) and its exact filter values."""
    keys: set[str] = {ANY}
    for info in _text_fields(catalog, index):
        for value in _values(source, info.source_path):
            keys.update(text_key(t) for t in analysis.terms(str(value), unigrams=True))
    for info in catalog.get(index).scalar_fields:
        if info.type in KEYED_TYPES and info.path == info.source_path:
            keys.update(filter_key(info.path, v) for v in _values(source, info.path) if not isinstance(v, (dict, list)))
    return keys
