"""Text searches answered from the columns (indexer/sqlite/columnar.py) give what the SQL path
gives: the same total, the same hits in the same order with the same scores, the same facets
and sums, for every kind of filter the columns evaluate; and they are answered there."""
from __future__ import annotations

import itertools

import pytest

from indexer import (
    AllOf, AnyOf, Exists, FacetSpec, IndexDoc, NoneOf, Page, Range, SearchRequest, Sort, Term, Terms, Text, get_backend,
)
from indexer.sqlite import searcher as searcher_module
from tests.conformance import corpus
from tests.unit.test_sqlite_facet_columns import FACETS, PUBLISHED, SELECTIONS

pytestmark = pytest.mark.unit

FILTERS = {
    "published": (PUBLISHED,),
    "none": (),
    "any-of": (AnyOf((Term("city", "jilin"), Terms("field", ("new_materials", "modern_agriculture")))),),
    "none-of": (PUBLISHED, NoneOf((Term("holders", "吉林大学"), Term("transferred", True)))),
    "all-of-ranges": (AllOf((Range("trl", gte=5), Range("registered_at", gte="2022-01-01", lt="2024-01-01"))),),
    "dates-inclusive": (Range("registered_at", gt="2021", lte="2023-05-10"),),
    "exists": (Exists("price_amount"), Exists("holders")),
    "number-terms": (Terms("trl", (4, 6, 8)), Range("price_amount", gt=50000)),
    "list-values": (Terms("holders", ("吉林大学", "长春理工大学")), NoneOf((Term("transfer_modes", "equity"),))),
}
QUERIES = [Text("电池"), Text("玉米 OR 技术"), Text("材料 -电池"), Text('"锂离子电池"'), Text("battery")]
CHOSEN = [c for n in (0, 1, 2) for c in itertools.combinations(("city", "holders", "price"), n)]


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    made = {}
    for mode in ("always", "off"):
        backend = get_backend("sqlite", {"sqlite_path": str(tmp_path_factory.mktemp(mode) / "s.sqlite3"),
                                         "sqlite_facet_columns": mode, "sqlite_result_cache": 0})
        backend.ensure_indices()
        for index in corpus.CORPUS:
            assert backend.index_documents(index, corpus.docs(index)).ok
        # ties: the same text twice scores the same; the id orders them
        twins = [IndexDoc(f"twin-{n}", 1, {"id": f"twin-{n}", "record_type": "achievement", "status": "published",
                                          "title": "双胞胎电池技术", "city": "jilin", "trl": 5}) for n in (3, 1, 2)]
        assert backend.index_documents("achievements", twins).ok
        made[mode] = backend
    yield made
    for backend in made.values():
        backend.close()


@pytest.fixture
def answered(monkeypatch):
    """Whether the columns answered each index search of an engine that has them."""
    seen = []
    original = searcher_module.IndexSearcher._by_columns

    def spy(self, *args, **kwargs):
        answer = original(self, *args, **kwargs)
        if self.columns is not None:
            seen.append(answer is not None)
        return answer

    monkeypatch.setattr(searcher_module.IndexSearcher, "_by_columns", spy)
    return seen


def outcome(backend, **kwargs) -> dict:
    result = backend.search(SearchRequest(**kwargs))
    return {"total": result.total, "hits": [(h.index, h.id, h.score) for h in result.hits],
            "facets": {k: [(b.key, b.count, b.sums) for b in v] for k, v in result.facets.items()}, "sums": result.sums}


@pytest.mark.parametrize("filters", FILTERS.values(), ids=FILTERS.keys())
@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.query)
def test_filters_give_what_sql_gives(engines, answered, query, filters):
    kwargs = {"indices": ("achievements",), "query": query, "filters": filters, "facets": FACETS,
              "page": Page(1, 4), "sums": ("price_amount", "trl")}
    assert outcome(engines["always"], **kwargs) == outcome(engines["off"], **kwargs)
    assert answered and all(answered)


@pytest.mark.parametrize("chosen", CHOSEN, ids=lambda c: "+".join(c) or "none")
@pytest.mark.parametrize("page", [Page(1, 3), Page(2, 3), Page(4, 2), Page(1, 0), Page(9, 10)], ids=str)
def test_selections_and_pages_give_what_sql_gives(engines, answered, chosen, page):
    kwargs = {"indices": ("achievements",), "query": Text("电池 OR 玉米 OR 石墨烯 OR 技术"), "filters": (PUBLISHED,),
              "facets": FACETS, "facet_filters": tuple((k, SELECTIONS[k]) for k in chosen), "page": page}
    assert outcome(engines["always"], **kwargs) == outcome(engines["off"], **kwargs)
    assert answered and all(answered)


@pytest.mark.parametrize("filters", [(PUBLISHED,), (AnyOf((Term("legal_status", "in_force"), Term("city", "jilin"))),)],
                         ids=["published", "a-field-of-one-index"])
@pytest.mark.parametrize("page", [Page(1, 2), Page(2, 2), Page(1, 20)], ids=str)
def test_ties_are_ordered_by_id_across_indices(engines, answered, page, filters):
    kwargs = {"indices": ("achievements", "patents", "instruments"), "query": Text("电池"), "filters": filters,
              "facets": (FacetSpec("city"), FacetSpec("legal_status")), "page": page}
    got = outcome(engines["always"], **kwargs)
    assert got == outcome(engines["off"], **kwargs)
    assert got["total"] > 0
    twins = [h for h in got["hits"] if h[1].startswith("twin-")]
    assert [h[1] for h in twins] == sorted(h[1] for h in twins) and len({h[2] for h in twins}) <= 1
    assert answered and all(answered)


SORTS = {
    "trl": (Sort("trl", desc=True),),
    "price-asc": (Sort("price_amount"),),
    "registered": (Sort("registered_at", desc=True),),
    "city-then-score": (Sort("city"), Sort("_score", desc=True)),
    "a-field-of-one-index": (Sort("filed_at", desc=True),),
    "transferred-then-trl": (Sort("transferred", desc=True), Sort("trl")),
    "score-ascending": (Sort("_score"),),
}


@pytest.mark.parametrize("sort", SORTS.values(), ids=SORTS.keys())
@pytest.mark.parametrize("query", [Text("电池 OR 玉米 OR 技术 OR 材料"), None, Text("-电池")], ids=["words", "listing", "not"])
@pytest.mark.parametrize("page", [Page(1, 3), Page(3, 2)], ids=str)
def test_orders_give_what_sql_gives(engines, answered, sort, query, page):
    kwargs = {"indices": ("achievements", "patents"), "query": query, "filters": (PUBLISHED,), "facets": FACETS,
              "facet_filters": (("price", SELECTIONS["price"]),), "sort": sort, "page": page}
    got = outcome(engines["always"], **kwargs)
    assert got == outcome(engines["off"], **kwargs)
    assert got["total"] > 0 and answered and all(answered)


def test_listings_with_selections_give_what_sql_gives(engines, answered):
    for chosen in CHOSEN:
        kwargs = {"indices": ("achievements",), "filters": (PUBLISHED,), "facets": FACETS, "page": Page(2, 3),
                  "facet_filters": tuple((k, SELECTIONS[k]) for k in chosen), "sums": ("price_amount",)}
        assert outcome(engines["always"], **kwargs) == outcome(engines["off"], **kwargs)
    assert answered == [True] * (len(CHOSEN) - 1)  # the plain listing reads its kept counts, in SQL


def test_what_the_columns_leave_to_sql(engines, answered):
    """A filter on a text field: the columns decline; a cursor: they are not asked. SQL
    answers, with the same results."""
    always, off = engines["always"], engines["off"]
    kwargs = {"indices": ("achievements",), "query": Text("电池"), "facets": (FacetSpec("city"),), "filters": (Exists("summary"),)}
    assert outcome(always, **kwargs) == outcome(off, **kwargs)
    assert answered == [False]
    first = always.search(SearchRequest(indices=("achievements",), query=Text("电池 OR 玉米"), page=Page(1, 2)))
    answered.clear()
    after = always.search(SearchRequest(indices=("achievements",), query=Text("电池 OR 玉米"), page=Page(1, 2), after=first.next_cursor))
    assert answered == []
    both = always.search(SearchRequest(indices=("achievements",), query=Text("电池 OR 玉米"), page=Page(2, 2)))
    assert [h.id for h in after.hits] == [h.id for h in both.hits]


def test_the_result_cache_keeps_each_index_apart(tmp_path, answered):
    """A listing reads alike in every index (no words, the same selections); with every index
    at the same write generation, one index's cached answer must not serve another."""
    backend = get_backend("sqlite", {"sqlite_path": str(tmp_path / "s.sqlite3"), "sqlite_facet_columns": "always"})
    backend.ensure_indices()
    try:
        for index in ("achievements", "patents"):
            assert backend.index_documents(index, corpus.docs(index)).ok  # generation 1 each
        kwargs = {"indices": ("achievements", "patents"), "filters": (PUBLISHED,), "facets": (FacetSpec("city"),),
                  "facet_filters": (("city", Term("city", "changchun")),), "page": Page(1, 50)}
        got = outcome(backend, **kwargs)
        assert {h[0] for h in got["hits"]} == {"achievements", "patents"}
        off = get_backend("sqlite", {"sqlite_path": str(tmp_path / "s.sqlite3"), "sqlite_facet_columns": "off"})
        try:
            assert got == outcome(off, **kwargs)
        finally:
            off.close()
        assert answered == [True, True]
    finally:
        backend.close()


def test_a_write_is_seen_by_the_next_search(tmp_path, answered):
    backend = get_backend("sqlite", {"sqlite_path": str(tmp_path / "s.sqlite3"), "sqlite_facet_columns": "always"})
    backend.ensure_indices()
    try:
        assert backend.index_documents("achievements", corpus.docs("achievements")).ok
        request = SearchRequest(indices=("achievements",), query=Text("电池"), filters=(PUBLISHED,), facets=(FacetSpec("city"),))
        before = backend.search(request)
        new = IndexDoc("new-1", 1, {"id": "new-1", "record_type": "achievement", "status": "published",
                                    "title": "新写入的电池", "city": "yanbian"})
        assert backend.index_documents("achievements", [new]).ok
        after = backend.search(request)
        assert after.total == before.total + 1 and "new-1" in {h.id for h in after.hits}
        cities = [{b.key: b.count for b in r.facets["city"]} for r in (before, after)]
        assert cities[1]["yanbian"] == cities[0].get("yanbian", 0) + 1
        assert answered == [True, True]
    finally:
        backend.close()
