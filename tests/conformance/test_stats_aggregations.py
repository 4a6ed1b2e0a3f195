"""What the statistics pages stand on: counts per calendar year of a date, values added up per
bucket and over every hit. Each expectation is computed from the corpus itself, so the two
engines are held to the same numbers."""
from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from indexer import FacetSpec, Page, RangeBucket, Term, Text, UnsupportedQuery

from . import corpus
from .helpers import PUBLISHED, search

PUB = [d for d in corpus.ACHIEVEMENTS if d["status"] == "published"]
NONE = Page(1, 0)


def sums_by(docs, key, field) -> dict:
    out: dict = defaultdict(float)
    for d in docs:
        keys = d.get(key)
        for k in dict.fromkeys(keys if isinstance(keys, list) else [keys]):
            if k is not None:
                out[k] += d.get(field) or 0.0
    return dict(out)


def test_year_buckets_count_documents_per_calendar_year(backend):
    result = search(backend, filters=(PUBLISHED,), page=NONE,
                    facets=(FacetSpec("registered_at", name="registered", kind="year", size=20, order="key_asc"),))
    expected = Counter(int(d["registered_at"][:4]) for d in PUB if d.get("registered_at"))
    buckets = result.facets["registered"]
    assert [(b.key, b.count) for b in buckets] == sorted(expected.items())
    assert all(isinstance(b.key, int) for b in buckets)


def test_year_buckets_take_size_and_order_like_terms(backend):
    result = search(backend, filters=(PUBLISHED,), page=NONE,
                    facets=(FacetSpec("registered_at", name="by_count", kind="year", size=3),
                            FacetSpec("registered_at", name="newest", kind="year", size=2, order="key_desc")))
    expected = Counter(int(d["registered_at"][:4]) for d in PUB if d.get("registered_at"))
    by_count = sorted(expected.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    assert [(b.key, b.count) for b in result.facets["by_count"]] == by_count
    assert [b.key for b in result.facets["newest"]] == sorted(expected, reverse=True)[:2]


def test_values_add_up_per_term(backend):
    result = search(backend, filters=(PUBLISHED,), page=NONE, facets=(FacetSpec("city", size=20, sums=("price_amount",)),))
    expected = sums_by(PUB, "city", "price_amount")
    got = {b.key: b.sums["price_amount"] for b in result.facets["city"]}
    assert got == pytest.approx(expected)
    assert {b.key: b.count for b in result.facets["city"]} == dict(Counter(d["city"] for d in PUB))


def test_values_add_up_once_per_document_in_list_buckets(backend):
    result = search(backend, filters=(PUBLISHED,), page=NONE,
                    facets=(FacetSpec("transfer_modes", size=10, sums=("price_amount", "trl")),))
    for b in result.facets["transfer_modes"]:
        assert b.sums["price_amount"] == pytest.approx(sums_by(PUB, "transfer_modes", "price_amount")[b.key])
        assert b.sums["trl"] == pytest.approx(sums_by(PUB, "transfer_modes", "trl")[b.key])


def test_values_add_up_per_range_and_per_year(backend):
    ranges = (RangeBucket("low", lt=500_000), RangeBucket("high", gte=500_000))
    result = search(backend, filters=(PUBLISHED,), page=NONE, facets=(
        FacetSpec("price_amount", name="price", kind="range", ranges=ranges, sums=("price_amount",)),
        FacetSpec("registered_at", name="registered", kind="year", size=20, sums=("price_amount",)),
    ))
    priced = [d for d in PUB if d.get("price_amount") is not None]
    low = [d["price_amount"] for d in priced if d["price_amount"] < 500_000]
    high = [d["price_amount"] for d in priced if d["price_amount"] >= 500_000]
    assert [(b.key, b.count, b.sums["price_amount"]) for b in result.facets["price"]] == [
        ("low", len(low), pytest.approx(sum(low))), ("high", len(high), pytest.approx(sum(high)))]
    per_year: dict = defaultdict(float)
    for d in PUB:
        if d.get("registered_at"):
            per_year[int(d["registered_at"][:4])] += d.get("price_amount") or 0.0
    assert {b.key: b.sums["price_amount"] for b in result.facets["registered"]} == pytest.approx(dict(per_year))


def test_totals_add_up_every_hit_after_the_selections(backend):
    result = search(backend, filters=(PUBLISHED,), page=NONE, sums=("price_amount", "trl"),
                    facet_filters=(("city", Term("city", "changchun")),), facets=(FacetSpec("city", size=20, sums=("price_amount",)),))
    hits = [d for d in PUB if d["city"] == "changchun"]
    assert result.total == len(hits)
    assert result.sums == pytest.approx({"price_amount": sum(d.get("price_amount") or 0 for d in hits),
                                         "trl": sum(d.get("trl") or 0 for d in hits)})
    # the facet of the selection itself still counts every city (multi-select), with its sums
    assert {b.key: b.sums["price_amount"] for b in result.facets["city"]} == pytest.approx(sums_by(PUB, "city", "price_amount"))


def test_totals_follow_the_words(backend):
    result = search(backend, Text("电池"), filters=(PUBLISHED,), page=NONE, sums=("price_amount",))
    plain = search(backend, Text("电池"), filters=(PUBLISHED,), page=Page(1, 100))
    assert result.total == plain.total > 0
    assert result.sums["price_amount"] == pytest.approx(sum(h.source.get("price_amount") or 0 for h in plain.hits))


def test_sums_across_indices_add_nothing_where_a_field_is_missing(backend):
    result = search(backend, indices=("achievements", "instruments"), filters=(PUBLISHED,), page=NONE, sums=("value",),
                    facets=(FacetSpec("record_type", size=5, sums=("value",)),))
    instruments = [d for d in corpus.INSTRUMENTS if d["status"] == "published"]
    by_type = {b.key: b.sums["value"] for b in result.facets["record_type"]}
    assert by_type["achievement"] == 0
    assert by_type["instrument"] == pytest.approx(sum(d.get("value") or 0 for d in instruments))
    assert result.sums["value"] == pytest.approx(by_type["instrument"])


def test_empty_results_add_up_to_zero(backend):
    result = search(backend, filters=(PUBLISHED, Term("city", "nowhere")), page=NONE, sums=("price_amount",),
                    facets=(FacetSpec("registered_at", name="registered", kind="year", sums=("price_amount",)),))
    assert result.total == 0 and result.sums == {"price_amount": 0.0} and result.facets["registered"] == []


@pytest.mark.parametrize("facet, sums", [
    (FacetSpec("city", kind="year"), ()),  # a year facet needs a date
    (FacetSpec("city", sums=("title",)), ()),  # only numbers add up
    (FacetSpec("city", sums=("transfer_modes",)), ()),  # ... single-valued ones
    (FacetSpec("city"), ("keywords",)),
])
def test_both_engines_refuse_the_same_aggregations(backend, facet, sums):
    with pytest.raises(UnsupportedQuery):
        search(backend, filters=(PUBLISHED,), page=NONE, facets=(facet,), sums=sums)
