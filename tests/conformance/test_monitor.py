"""Stored queries matched against documents (``indexer.monitor`` + ``match_document``): a
stored search matches exactly the documents the same search finds, on every engine."""
from __future__ import annotations

import pytest

from indexer import AnyOf, Page, Range, SearchRequest, Term, Terms, Text, monitor
from indexer.catalog import default_catalog

from . import corpus
from .helpers import PUBLISHED

ALL_TYPES = ("achievements", "patents", "instruments")


def req(query=None, *, indices=("achievements",), filters=(), facet_filters=()) -> SearchRequest:
    return SearchRequest(indices=indices, query=query, filters=(PUBLISHED, *filters), facet_filters=tuple(facet_filters))


STORED = {
    "words": req(Text("锂离子电池")),
    "two-words": req(Text("玉米 抗旱")),
    "exclusion": req(Text("石墨烯 -芯片")),
    "phrase": req(Text('"正极材料"')),
    "english-stemmed": req(Text("graphene batteries")),
    "alternatives": req(Text("大豆 OR 抗旱 玉米")),
    "any-word": req(Text("电池 玉米", operator="or")),
    "holder-name": req(Text("吉林大学")),
    "one-character": req(Text("膜")),
    "filter-only": req(filters=(Term("city", "jilin"),)),
    "list-filter": req(facet_filters=[("transfer_mode", Terms("transfer_modes", ("equity", "cooperation")))]),
    "range-only": req(facet_filters=[("trl", Range("trl", gte=6))]),
    "words-and-range": req(Text("玉米"), facet_filters=[("trl", Range("trl", gte=8))]),
    "words-and-boolean": req(Text("电池"), facet_filters=[("transferred", Term("transferred", False))]),
    "any-of-years": req(facet_filters=[("year", AnyOf((Term("year", 2021), Term("year", 2022))))]),
    "all-types-words": req(Text("激光"), indices=ALL_TYPES),
    "all-types-city": req(Text("吉林大学"), indices=ALL_TYPES, facet_filters=[("city", Term("city", "changchun"))]),
    "patents-open": req(Text("锂离子"), indices=("patents",), facet_filters=[("open_licence", Term("open_licence", True))]),
    "instruments-english": req(Text("microscope"), indices=("instruments",)),
    "nothing-found": req(Text("量子计算机")),
    "traditional": req(Text("鋰離子電池")),
    "pinyin": req(Text("dianchi")),
    "pinyin-initials": req(Text("jldx")),
    "pinyin-or-words": req(Text("yumi 芯片", operator="or")),
    "pinyin-and-words": req(Text("dianchi 正极")),
    "synonym": req(Text("锂电")),
    "synonym-and-words": req(Text("锂电 正极")),

}


def found(backend, request: SearchRequest, index: str) -> set[str]:
    from dataclasses import replace

    return {h.id for h in backend.search(replace(request, indices=(index,), page=Page(1, 100))).hits}


def announced(backend, request: SearchRequest, index: str) -> set[str]:
    """The documents of ``index`` the monitor announces for ``request``: candidates by the
    anchor's keys, narrowed by every condition, confirmed by the engine."""
    catalog = default_catalog()
    conditions = monitor.required_keys(catalog, request)
    anchor = monitor.anchor(conditions)
    out = set()
    for doc in corpus.CORPUS[index]:
        keys = monitor.document_keys(catalog, index, doc)
        if anchor.isdisjoint(keys) or not monitor.satisfies(conditions, keys):
            continue
        if backend.match_document(index, doc["id"], {"q": request}):
            out.add(doc["id"])
    return out


@pytest.mark.parametrize("name", sorted(STORED))
def test_a_stored_search_announces_exactly_what_the_search_finds(backend, name):
    request = STORED[name]
    for index in request.indices:
        assert announced(backend, request, index) == found(backend, request, index), index


def test_every_found_document_has_the_anchor_keys(backend):
    """The reduction only widens: whatever the search finds meets every condition."""
    catalog = default_catalog()
    for request in STORED.values():
        conditions = monitor.required_keys(catalog, request)
        for index in request.indices:
            docs = {d["id"]: d for d in corpus.CORPUS[index]}
            for doc_id in found(backend, request, index):
                assert monitor.satisfies(conditions, monitor.document_keys(catalog, index, docs[doc_id]))


def test_many_stored_searches_are_confirmed_in_one_call(backend):
    names = {name: request for name, request in STORED.items() if "achievements" in request.indices}
    for doc in corpus.ACHIEVEMENTS:
        expected = {name for name, request in names.items() if doc["id"] in found(backend, request, "achievements")}
        assert backend.match_document("achievements", doc["id"], names) == expected, doc["id"]


def test_a_draft_is_matched_by_nothing(backend):
    stored = {name: request for name, request in STORED.items() if "achievements" in request.indices}
    assert backend.match_document("achievements", "ach-15", stored) == set()


def test_required_keys_of_a_search():
    catalog = default_catalog()
    conditions = monitor.required_keys(catalog, req(Text("正极材料 -钠"), facet_filters=[("city", Terms("city", ("changchun", "jilin")))]))
    assert frozenset({"t:正极"}) in conditions and frozenset({"t:材料"}) in conditions
    assert frozenset({"f:city=changchun", "f:city=jilin"}) in conditions
    assert not any("t:钠" in c for c in conditions)  # an exclusion requires nothing
    assert monitor.anchor([]) == frozenset({monitor.ANY})


def test_a_word_read_as_pinyin_is_announced_without_narrowing_by_its_letters(backend):
    """``dianchi`` finds 电池 through the derived pinyin, a term the document's text lacks: the
    reduction keys no condition on it, and the stored search still announces those records."""
    catalog = default_catalog()
    assert monitor.required_keys(catalog, req(Text("dianchi"))) == [frozenset({"f:status=published"})]
    assert frozenset({"t:正极"}) in monitor.required_keys(catalog, STORED["pinyin-and-words"])
    assert found(backend, STORED["pinyin"], "achievements") == found(backend, req(Text("电池")), "achievements") != set()


def test_a_word_with_synonyms_requires_the_terms_of_one_of_them():
    """锂电池 finds 锂离子电池 too: the document needs 锂电's or 锂离子电池's terms, not both."""
    conditions = monitor.required_keys(default_catalog(), req(Text("锂电池")))
    assert {"t:锂电", "t:离子"} <= next(c for c in conditions if "t:锂电" in c)
