"""SearchRequest -> Elasticsearch 8 request body. Pure functions, no client, no I/O."""
from __future__ import annotations

from datetime import date, datetime
from collections.abc import Mapping
from typing import Any

from .. import analysis, pinyin, textquery
from ..catalog import Catalog
from ..derived import PinyinFields, pinyin_fields
from ..synonyms import Synonyms
from ..errors import UnsupportedQuery
from ..query import (
    AllOf, And, AnyOf, Exists, FacetSpec, Filter, Highlight, MatchAll, NoneOf, Not, Or, Phrase, QueryNode, Range,
    SearchRequest, SimilarRequest, Sort, SuggestRequest, Term, Terms, Text, has_text,
)

MATCH_NONE: dict[str, Any] = {"match_none": {}}
MATCH_ALL: dict[str, Any] = {"match_all": {}}
TIEBREAK_FIELD = "id"


def _value(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return v


def search_fields(catalog: Catalog, indices: tuple[str, ...], fields: tuple[str, ...] | None) -> list[str]:
    """``field^boost`` strings: the requested fields, or every index's declared search fields."""
    boosts: dict[str, float] = {}
    for name in indices:
        for f, b in catalog.get(name).search_fields.items():
            boosts.setdefault(f, b)
    if fields:
        for f in fields:
            info = catalog.resolve_field(indices, f)
            if not info.is_text:
                raise UnsupportedQuery(f"{f!r} is not a text field", field=f)
        return [f"{f}^{boosts[f]:g}" if f in boosts else f for f in fields]
    return [f"{f}^{b:g}" for f, b in boosts.items()]


# a document with the words themselves ranks above any found through a synonym
EXACT_BONUS = 1000.0


def _words(text: str, fields: list[str]) -> dict[str, Any]:
    # cross_fields + and: every token of the word must occur, each in any of the fields
    # (the same rule the SQLite engine applies with "t1" AND "t2" over all its columns).
    return {"multi_match": {"query": text, "type": "cross_fields", "operator": "and", "fields": fields}}


def _item(item: textquery.Item, fields: list[str], py: PinyinFields | None = None,
          syn: Synonyms | None = None) -> dict[str, Any] | None:
    """One word or phrase; ``py``: also as pinyin; ``syn``: also its synonyms."""
    if not analysis.has_terms(item.text):
        return None
    if isinstance(item, textquery.QuotedPhrase):
        clause = {"multi_match": {"query": item.text, "type": "phrase", "fields": fields}}
    else:
        clause = _words(item.text, fields)
    alternatives = []
    reading = pinyin.read_query(item.text) if py is not None else None
    if reading is not None:
        kind, parts = reading  # a Latin word read as pinyin: its run of syllables or initials, as a phrase, boosted low
        field, boost = (py.syllables, py.boost) if kind == "syllables" else (py.initials, py.initials_boost)
        alternatives.append({"match_phrase": {field: {"query": " ".join(parts), "boost": boost}}})
    if syn is not None and isinstance(item, textquery.Word):
        alternatives += [_words(other, fields) for other in syn.alternatives(item.text) if analysis.has_terms(other)]
    if not alternatives:
        return clause
    return {"bool": {"should": [clause, *alternatives], "minimum_should_match": 1}}


def compile_text(text: Text, fields: list[str], py: PinyinFields | None = None, syn: Synonyms | None = None) -> dict[str, Any]:
    """``py``: the indices' pinyin fields, where a Latin word may also match as pinyin;
    ``syn``: the synonyms a word also finds, ranked below the words themselves."""
    parsed = textquery.parse(text.query)
    if syn is not None and any(syn.alternatives(i.text) for g in parsed.groups for i in g if isinstance(i, textquery.Word)):
        exact = _compile_parsed(parsed, text, fields, py, None)  # without synonyms: the words themselves
        return {"bool": {"must": [_compile_parsed(parsed, text, fields, py, syn)],
                         "should": [{"constant_score": {"filter": exact, "boost": EXACT_BONUS}}]}}
    return _compile_parsed(parsed, text, fields, py, syn)


def _compile_parsed(parsed: textquery.ParsedQuery, text: Text, fields: list[str], py: PinyinFields | None,
                    syn: Synonyms | None) -> dict[str, Any]:
    groups = []
    for group in parsed.groups:
        clauses = [c for c in (_item(i, fields, py, syn) for i in group) if c is not None]
        if clauses:
            groups.append(clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses, "minimum_should_match": 1}})
    excluded = [c for c in (_item(i, fields, py, syn) for i in parsed.excluded) if c is not None]
    if not groups and not excluded:
        return MATCH_NONE
    bool_: dict[str, Any] = {}
    if groups:
        if text.operator == "and":
            bool_["must"] = groups
        else:
            bool_["should"] = groups
            bool_["minimum_should_match"] = 1
    else:
        bool_["must"] = [MATCH_ALL]
    if excluded:
        bool_["must_not"] = excluded
    return {"bool": bool_}


def compile_query(catalog: Catalog, indices: tuple[str, ...], node: QueryNode | None, with_pinyin: bool = True) -> dict[str, Any]:
    """``with_pinyin``: Latin words may also match as pinyin (not in the query highlights are
    drawn from: the letters of a pinyin phrase are not words of the text)."""
    if node is None or isinstance(node, MatchAll):
        return MATCH_ALL
    if isinstance(node, Text):
        py = None if node.fields or not with_pinyin else next((c for c in (pinyin_fields(catalog.get(n)) for n in indices) if c), None)
        return compile_text(node, search_fields(catalog, indices, node.fields), py, catalog.synonyms)
    if isinstance(node, Phrase):
        if not analysis.has_terms(node.text):
            return MATCH_NONE
        return {"multi_match": {"query": node.text, "type": "phrase", "fields": search_fields(catalog, indices, node.fields)}}
    if isinstance(node, And):
        return {"bool": {"must": [compile_query(catalog, indices, c, with_pinyin) for c in node.children]}}
    if isinstance(node, Or):
        return {"bool": {"should": [compile_query(catalog, indices, c, with_pinyin) for c in node.children], "minimum_should_match": 1}}
    if isinstance(node, Not):
        return {"bool": {"must": [MATCH_ALL], "must_not": [compile_query(catalog, indices, node.child, with_pinyin)]}}
    raise UnsupportedQuery(f"unknown query node {type(node).__name__}")


def compile_filter(f: Filter) -> dict[str, Any]:
    if isinstance(f, Term):
        return {"term": {f.field: _value(f.value)}}
    if isinstance(f, Terms):
        return {"terms": {f.field: [_value(v) for v in f.values]}}
    if isinstance(f, Range):
        bounds = {k: _value(getattr(f, k)) for k in ("gte", "gt", "lte", "lt") if getattr(f, k) is not None}
        return {"range": {f.field: bounds}}
    if isinstance(f, Exists):
        return {"exists": {"field": f.field}}
    if isinstance(f, AllOf):
        return {"bool": {"filter": [compile_filter(c) for c in f.filters]}}
    if isinstance(f, AnyOf):
        return {"bool": {"should": [compile_filter(c) for c in f.filters], "minimum_should_match": 1}}
    if isinstance(f, NoneOf):
        return {"bool": {"must_not": [compile_filter(c) for c in f.filters]}}
    raise UnsupportedQuery(f"unknown filter {type(f).__name__}")


SUM_PREFIX = "sum:"  # sub-aggregation names of FacetSpec.sums / SearchRequest.sums (":" is not in field names)
TOTALS_AGG = "__sums"


def sum_aggs(fields: tuple[str, ...]) -> dict[str, Any]:
    return {f"{SUM_PREFIX}{f}": {"sum": {"field": f}} for f in fields}


def _facet_agg(facet: FacetSpec) -> dict[str, Any]:
    agg = _bucket_agg(facet)
    if facet.sums:
        agg["aggs"] = sum_aggs(facet.sums)
    return agg


def _bucket_agg(facet: FacetSpec) -> dict[str, Any]:
    if facet.kind == "year":
        # calendar years in UTC, as the embedded engine reads them off its ISO dates; the order
        # and the size are applied to the buckets afterwards (a histogram has neither)
        return {"date_histogram": {"field": facet.field, "calendar_interval": "year", "format": "yyyy", "min_doc_count": 1}}
    if facet.kind == "range":
        ranges = []
        for r in facet.ranges:
            item: dict[str, Any] = {"key": r.key}
            if r.gte is not None:
                item["from"] = r.gte
            if r.lt is not None:
                item["to"] = r.lt
            ranges.append(item)
        return {"range": {"field": facet.field, "ranges": ranges, "keyed": False}}
    order = {
        "count": [{"_count": "desc"}, {"_key": "asc"}],
        "key_asc": [{"_key": "asc"}],
        "key_desc": [{"_key": "desc"}],
    }[facet.order]
    # shard_size well above size keeps counts exact on the small shard counts we use
    return {"terms": {"field": facet.field, "size": facet.size, "shard_size": max(facet.size * 10, 100), "order": order}}


def compile_aggs(req: SearchRequest) -> dict[str, Any]:
    selections = req.facet_filter_map()
    aggs: dict[str, Any] = {}
    for facet in req.facets:
        others = [compile_filter(f) for name, f in selections.items() if name != facet.key]
        inner = _facet_agg(facet)
        if others:
            aggs[facet.key] = {"filter": {"bool": {"filter": others}}, "aggs": {"buckets": inner}}
        else:
            aggs[facet.key] = inner
    if req.sums:
        # totals over the hits: the facet selections narrow hits through post_filter, which
        # aggregations do not see, so they are applied here again
        selected = [compile_filter(f) for _, f in req.facet_filters]
        if selected:
            aggs[TOTALS_AGG] = {"filter": {"bool": {"filter": selected}}, "aggs": sum_aggs(req.sums)}
        else:
            aggs[TOTALS_AGG] = {"filter": MATCH_ALL, "aggs": sum_aggs(req.sums)}
    return aggs


def compile_sort(sort: tuple[Sort, ...], scored: bool) -> list[Any]:
    out: list[Any] = []
    for s in sort or ((Sort.score(),) if scored else ()):
        if s.field == "_score":
            out.append({"_score": {"order": "desc" if s.desc else "asc"}})
        else:
            out.append({s.field: {"order": "desc" if s.desc else "asc", "missing": "_last"}})
    out.append({TIEBREAK_FIELD: {"order": "asc"}})
    return out


def compile_highlight(catalog: Catalog, indices: tuple[str, ...], hl: Highlight) -> dict[str, Any]:
    fields = hl.fields or tuple(dict.fromkeys(f for name in indices for f in catalog.get(name).highlight_fields))
    return {
        "encoder": "html",
        "pre_tags": [hl.pre],
        "post_tags": [hl.post],
        "require_field_match": False,
        "fields": {
            f: {"type": "unified", "fragment_size": hl.fragment_size, "number_of_fragments": hl.number_of_fragments}
            for f in fields
        },
    }


def compile_search(catalog: Catalog, req: SearchRequest, search_after: list[Any] | None = None) -> dict[str, Any]:
    """The body of ``POST /<aliases>/_search``."""
    query = compile_query(catalog, req.indices, req.query)
    if req.filters:
        query = {"bool": {"must": [query], "filter": [compile_filter(f) for f in req.filters]}}
    body: dict[str, Any] = {
        "query": query,
        "size": req.page.size,
        "track_total_hits": True,
        "sort": compile_sort(req.sort, has_text(req.query)),
    }
    if search_after is not None:
        body["search_after"] = search_after
    else:
        body["from"] = req.page.offset
    if any(s.field != "_score" for s in req.sort) and has_text(req.query):
        body["track_scores"] = True
    selections = [compile_filter(f) for _, f in req.facet_filters]
    if selections:
        body["post_filter"] = {"bool": {"filter": selections}}
    if req.facets or req.sums:
        body["aggs"] = compile_aggs(req)
    if req.highlight is not None:
        body["highlight"] = compile_highlight(catalog, req.indices, req.highlight)
        plain = compile_query(catalog, req.indices, req.query, with_pinyin=False)
        if plain != compile_query(catalog, req.indices, req.query):
            body["highlight"]["highlight_query"] = plain
    if req.source is not None:
        body["_source"] = list(req.source)
    return body


def compile_matching(catalog: Catalog, doc_id: str, named: Mapping[str, SearchRequest]) -> dict[str, Any]:
    """One search that says which of many stored requests find document ``doc_id``: each
    request becomes a named clause (its query, filters and facet selections, as
    :func:`compile_search` would apply them), and the one hit lists the names that matched
    (``matched_queries``)."""
    clauses = []
    for name, req in named.items():
        conditions = [compile_filter(f) for f in req.filters] + [compile_filter(f) for _, f in req.facet_filters]
        clauses.append({"bool": {"must": [compile_query(catalog, req.indices, req.query)], "filter": conditions, "_name": name}})
    return {
        "query": {"bool": {"filter": [{"ids": {"values": [doc_id]}}], "should": clauses, "minimum_should_match": 1}},
        "size": 1,
        "_source": False,
        "track_total_hits": False,
    }


PINYIN_SUGGESTER = "p"


def compile_suggest(req: SuggestRequest, field: str = "suggest", pinyin_field: str | None = None) -> dict[str, Any]:
    """``pinyin_field``: the derived completion field of pinyin keys, asked too when the prefix
    is Latin letters; its options carry the document's own inputs (``_source``) to show."""
    # Lucene returns one input per document; skip_duplicates would also drop a text that a
    # better-ranked input of an already listed document shares, so we de-duplicate ourselves.
    completion: dict[str, Any] = {"field": field, "size": req.size * 3, "skip_duplicates": False}
    body: dict[str, Any] = {"_source": False, "suggest": {"s": {"prefix": req.text, "completion": completion}}}
    if pinyin_field is not None and pinyin.is_key_prefix(req.text):
        body["suggest"][PINYIN_SUGGESTER] = {"prefix": req.text, "completion": {**completion, "field": pinyin_field}}
        body["_source"] = [field]
    return body


def compile_similar(catalog: Catalog, req: SimilarRequest, like_index: str) -> dict[str, Any]:
    fields = list(req.fields or catalog.get(req.index).similar_fields)
    mlt = {
        "more_like_this": {
            "fields": fields,
            "like": [{"_index": like_index, "_id": req.id}],
            "min_term_freq": 1,
            "min_doc_freq": 1,
            "max_query_terms": 25,
            # any shared term qualifies; ranking puts the closest first (the embedded engine does the same)
            "minimum_should_match": "1",
        }
    }
    query: dict[str, Any] = mlt
    if req.filters:
        query = {"bool": {"must": [mlt], "filter": [compile_filter(f) for f in req.filters]}}
    return {"query": query, "size": req.size, "track_total_hits": True}
