"""Sorting (with missing values last and a stable tie-break), pages, and deep paging by cursor."""
from __future__ import annotations

import pytest

from indexer import Page, QueryError, SearchRequest, Sort, Term, Text

from . import corpus
from .helpers import PUBLISHED, ids, search

ALL = Page(1, 100)


def test_sort_by_number_descending_missing_last_ties_by_id(backend):
    got = ids(search(backend, filters=(PUBLISHED,), sort=(Sort("price_amount", desc=True),), page=ALL))
    docs = [d for d in corpus.ACHIEVEMENTS if d["status"] == "published"]
    with_price = sorted((d for d in docs if "price_amount" in d), key=lambda d: (-d["price_amount"], d["id"]))
    without = sorted(d["id"] for d in docs if "price_amount" not in d)
    assert got == [d["id"] for d in with_price] + without


def test_sort_ascending_missing_still_last(backend):
    got = ids(search(backend, filters=(PUBLISHED,), sort=(Sort("price_amount"),), page=ALL))
    assert got[0] == "ach-4" and got[-3:] == sorted(["ach-2", "ach-8", "ach-9"])


def test_sort_by_date_then_number(backend):
    got = ids(search(backend, filters=(PUBLISHED,), sort=(Sort("registered_at", desc=True),), page=Page(1, 3)))
    assert got == ["ach-8", "ach-5", "ach-2"]
    got = ids(search(backend, filters=(PUBLISHED,), sort=(Sort("trl", desc=True), Sort("registered_at")), page=Page(1, 4)))
    assert got == ["ach-9", "ach-13", "ach-3", "ach-7"]


def test_relevance_is_the_default_with_text(backend):
    result = search(backend, Text("芯片"))
    assert ids(result) == ["ach-8", "ach-6"]


def test_pages_continue_without_overlap(backend):
    first = ids(search(backend, sort=(Sort("id"),), page=Page(1, 5)))
    second = ids(search(backend, sort=(Sort("id"),), page=Page(2, 5)))
    everything = ids(search(backend, sort=(Sort("id"),), page=ALL))
    assert first + second == everything[:10]
    assert not set(first) & set(second)


def test_page_beyond_the_window_asks_for_a_cursor(backend):
    with pytest.raises(QueryError) as err:
        search(backend, page=Page(501, 20))
    assert err.value.code == "page_too_deep"


def test_size_zero_gives_counts_only(backend):
    result = search(backend, Text("电池"), page=Page(1, 0))
    assert result.hits == [] and result.total == 4


def test_invalid_cursor_is_a_client_error(backend):
    with pytest.raises(QueryError) as err:
        search(backend, after="not-a-cursor")
    assert err.value.code == "invalid_cursor"


def test_sorting_across_record_types(backend):
    result = search(backend, indices=("achievements", "patents"), filters=(PUBLISHED,), sort=(Sort("year", desc=True),), page=Page(1, 6))
    years = [h.source["year"] for h in result.hits]
    assert years == sorted(years, reverse=True)
    assert {h.index for h in result.hits} <= {"achievements", "patents"}


def test_sorting_a_list_field_is_refused(backend):
    from indexer import UnsupportedQuery

    with pytest.raises(UnsupportedQuery):
        search(backend, sort=(Sort("transfer_modes"),))


@pytest.fixture
def many(fresh):
    report = fresh.index_documents("achievements", corpus.bulk_docs(1234))
    assert report.ok and report.indexed == 1234
    fresh.refresh()
    return fresh


@pytest.mark.parametrize("sort", [(), (Sort("trl", desc=True),), (Sort("year"), Sort("city", desc=True))], ids=["score", "trl", "year+city"])
def test_deep_paging_by_cursor_visits_every_document_once_in_order(many, sort):
    query = Text("传感器") if not sort else None
    request = SearchRequest(indices=("achievements",), query=query, sort=sort, page=Page(1, 100))
    seen: list = []
    pages = 0
    while True:
        result = many.search(request)
        seen.extend(result.hits)
        pages += 1
        if result.next_cursor is None:
            break
        request = SearchRequest(indices=("achievements",), query=query, sort=sort, page=Page(1, 100), after=result.next_cursor)
        assert pages < 50
    assert len(seen) == 1234 and len({h.id for h in seen}) == 1234
    full = many.search(SearchRequest(indices=("achievements",), query=query, sort=sort, page=Page(1, 1000)))
    assert [h.id for h in seen[:1000]] == [h.id for h in full.hits]


def test_cursor_paging_across_two_indices(many):
    many.index_documents("patents", [corpus.docs("patents")[0]])
    many.refresh()
    request = SearchRequest(indices=("achievements", "patents"), filters=(Term("status", "published"),), sort=(Sort("year", desc=True),), page=Page(1, 200))
    seen = []
    while True:
        result = many.search(request)
        seen += [h.id for h in result.hits]
        if not result.next_cursor:
            break
        request = SearchRequest(indices=request.indices, filters=request.filters, sort=request.sort, page=request.page, after=result.next_cursor)
    assert len(seen) == 1235 and len(set(seen)) == 1235
