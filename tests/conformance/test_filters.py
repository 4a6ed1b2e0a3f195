"""Filters narrow results without scoring: exact values, lists, ranges, dates, existence."""
from __future__ import annotations

from datetime import date

import pytest

from indexer import (
    AllOf, AnyOf, Exists, NoneOf, Page, QueryError, Range, Term, Terms, Text, UnsupportedQuery,
)

from . import corpus
from .helpers import PUBLISHED, ids, search

ALL = Page(1, 100)


def expect(pred) -> set[str]:
    return {d["id"] for d in corpus.ACHIEVEMENTS if pred(d)}


def test_a_status_filter_excludes_drafts(backend):
    got = set(ids(search(backend, filters=(PUBLISHED,), page=ALL)))
    assert got == expect(lambda d: d["status"] == "published")
    assert "ach-15" not in got


def test_term_on_keyword(backend):
    assert set(ids(search(backend, filters=(Term("city", "jilin"),), page=ALL))) == {"ach-7", "ach-13"}


def test_terms_is_any_of(backend):
    got = set(ids(search(backend, filters=(Terms("city", ("jilin", "baicheng")),), page=ALL)))
    assert got == {"ach-7", "ach-12", "ach-13"}


def test_term_on_a_list_field_matches_any_element(backend):
    got = set(ids(search(backend, filters=(Term("transfer_modes", "equity"),), page=ALL)))
    assert got == expect(lambda d: "equity" in d.get("transfer_modes", []))


def test_numeric_range_bounds(backend):
    got = set(ids(search(backend, filters=(Range("trl", gte=7, lte=8),), page=ALL)))
    assert got == expect(lambda d: 7 <= d.get("trl", 0) <= 8)
    got = set(ids(search(backend, filters=(Range("trl", gt=7),), page=ALL)))
    assert got == expect(lambda d: d.get("trl", 0) > 7)
    got = set(ids(search(backend, filters=(Range("price_amount", lt=100000),), page=ALL)))
    assert got == {"ach-4", "ach-12"}


def test_date_range_with_whole_days(backend):
    # a date-only upper bound includes that whole day; a date object works like a string
    got = set(ids(search(backend, filters=(Range("registered_at", gte="2023-05-10", lte="2023-07-07"),), page=ALL)))
    assert got == {"ach-1", "ach-10"}
    got = set(ids(search(backend, filters=(Range("registered_at", gte=date(2024, 1, 1)),), page=ALL)))
    assert got == {"ach-2", "ach-5", "ach-8", "ach-14"}
    got = set(ids(search(backend, filters=(Range("published_at", lt="2024-02-01"),), page=ALL)))
    assert got == expect(lambda d: d["published_at"] < "2024-02-01")


def test_boolean_filter(backend):
    got = set(ids(search(backend, filters=(Term("transferred", True),), page=ALL)))
    assert got == expect(lambda d: d.get("transferred") is True)


def test_exists(backend):
    got = set(ids(search(backend, filters=(Exists("price_amount"),), page=ALL)))
    assert got == expect(lambda d: "price_amount" in d)
    got = set(ids(search(backend, filters=(Exists("title_en"),), page=ALL)))
    assert got == {"ach-5"}


def test_boolean_combinations(backend):
    f = AllOf((Term("field", "modern_agriculture"), NoneOf((Term("city", "baicheng"),))))
    assert set(ids(search(backend, filters=(f,), page=ALL))) == {"ach-3", "ach-4", "ach-9"}
    f = AnyOf((Term("city", "yanbian"), Range("trl", gte=9)))
    assert set(ids(search(backend, filters=(f,), page=ALL))) == {"ach-9", "ach-14"}


def test_excluding_a_value_keeps_documents_without_the_field(backend):
    # must_not in Elasticsearch: a document with no price is not one with this price
    f = NoneOf((Range("price_amount", gte=1000000), Term("transferred", True)))
    got = set(ids(search(backend, filters=(PUBLISHED, f), page=ALL)))
    assert got == expect(lambda d: d["status"] == "published" and not (d.get("price_amount", 0) >= 1000000 or d.get("transferred") is True))
    assert any("price_amount" not in d or "transferred" not in d for d in corpus.published("achievements") if d["id"] in got)


def test_filters_and_text_together(backend):
    got = ids(search(backend, Text("玉米"), filters=(Term("trl", 8),)))
    assert got == ["ach-3"]


def test_filter_on_a_field_missing_from_one_index(backend):
    # trl exists only on achievements: patents simply do not match it
    result = search(backend, Text("激光"), indices=("achievements", "patents"), filters=(Range("trl", gte=1),))
    assert ids(result) == ["ach-8"]
    result = search(backend, Text("激光"), indices=("achievements", "patents"), filters=(NoneOf((Range("trl", gte=1),)),))
    assert ids(result) == ["pat-3"]


def test_unknown_field_is_a_client_error(backend):
    with pytest.raises(QueryError):
        search(backend, filters=(Term("no_such_field", "x"),))


def test_filtering_a_text_field_is_refused(backend):
    with pytest.raises(UnsupportedQuery):
        search(backend, filters=(Term("summary", "电池"),))


def test_non_numeric_value_for_a_number_field_is_a_client_error(backend):
    with pytest.raises(QueryError):
        search(backend, filters=(Term("trl", "high"),))
