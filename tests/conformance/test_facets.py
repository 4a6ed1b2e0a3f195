"""Facet counts: exact, per value, for lists, ranges and booleans, with multi-select semantics."""
from __future__ import annotations

from collections import Counter

import pytest

from indexer import FacetSpec, Page, RangeBucket, Term, Terms, Text, UnsupportedQuery

from . import corpus
from .helpers import PUBLISHED, search

PUB = [d for d in corpus.ACHIEVEMENTS if d["status"] == "published"]


def counts(result, name) -> dict:
    return {b.key: b.count for b in result.facets[name]}


def test_terms_facet_counts_every_value(backend):
    result = search(backend, filters=(PUBLISHED,), facets=(FacetSpec("city", size=20),), page=Page(1, 0))
    assert counts(result, "city") == dict(Counter(d["city"] for d in PUB))
    assert result.hits == [] and result.total == len(PUB)


def test_terms_facet_order_is_count_then_value(backend):
    result = search(backend, filters=(PUBLISHED,), facets=(FacetSpec("field", size=20),), page=Page(1, 0))
    keys = [(b.count, b.key) for b in result.facets["field"]]
    assert keys == sorted(keys, key=lambda kv: (-kv[0], kv[1]))


def test_size_limits_the_buckets(backend):
    result = search(backend, filters=(PUBLISHED,), facets=(FacetSpec("field", size=2),), page=Page(1, 0))
    assert [b.key for b in result.facets["field"]] == ["modern_agriculture", "new_energy"]  # ties by value


def test_list_fields_count_each_document_once_per_value(backend):
    result = search(backend, filters=(PUBLISHED,), facets=(FacetSpec("transfer_modes", size=10),), page=Page(1, 0))
    expected = Counter(m for d in PUB for m in d.get("transfer_modes", []))
    assert counts(result, "transfer_modes") == dict(expected)


def test_numeric_and_boolean_keys_keep_their_types(backend):
    result = search(backend, filters=(PUBLISHED,), facets=(FacetSpec("trl", size=9, order="key_asc"), FacetSpec("transferred")), page=Page(1, 0))
    trl = [b.key for b in result.facets["trl"]]
    assert trl == sorted(trl) and all(isinstance(k, int) for k in trl)
    assert counts(result, "trl") == dict(Counter(d["trl"] for d in PUB))
    assert counts(result, "transferred") == {True: 5, False: 9}


def test_key_descending_order(backend):
    result = search(backend, filters=(PUBLISHED,), facets=(FacetSpec("year", size=3, order="key_desc"),), page=Page(1, 0))
    assert [b.key for b in result.facets["year"]] == [2024, 2023, 2022]


def test_facets_follow_the_query(backend):
    result = search(backend, Text("玉米"), facets=(FacetSpec("field"), FacetSpec("holders")))
    assert counts(result, "field") == {"modern_agriculture": 2}
    assert counts(result, "holders") == {"吉林省农业科学院": 2, "吉林农业大学": 1}


def test_range_facet(backend):
    ranges = (RangeBucket("low", lt=100_000), RangeBucket("mid", gte=100_000, lt=1_000_000), RangeBucket("high", gte=1_000_000))
    result = search(backend, filters=(PUBLISHED,), facets=(FacetSpec("price_amount", name="price", kind="range", ranges=ranges),), page=Page(1, 0))
    prices = [d["price_amount"] for d in PUB if "price_amount" in d]
    assert [(b.key, b.count) for b in result.facets["price"]] == [
        ("low", sum(p < 100_000 for p in prices)),
        ("mid", sum(100_000 <= p < 1_000_000 for p in prices)),
        ("high", sum(p >= 1_000_000 for p in prices)),
    ]


def test_multi_select_a_facet_keeps_its_own_counts_and_narrows_the_others(backend):
    result = search(
        backend, filters=(PUBLISHED,),
        facets=(FacetSpec("city", size=20), FacetSpec("field", size=20)),
        facet_filters=(("city", Term("city", "jilin")),),
        page=Page(1, 50),
    )
    # the hits are narrowed by the selection
    assert {h.id for h in result.hits} == {"ach-7", "ach-13"}
    assert result.total == 2
    # the city facet ignores its own selection, so other cities stay selectable
    assert counts(result, "city") == dict(Counter(d["city"] for d in PUB))
    # the field facet counts only documents in the selected city
    assert counts(result, "field") == {"sika_deer": 1, "new_energy": 1}


def test_two_selections_each_facet_sees_the_other(backend):
    result = search(
        backend, filters=(PUBLISHED,),
        facets=(FacetSpec("city", size=20), FacetSpec("field", size=20)),
        facet_filters=(("city", Terms("city", ("jilin", "changchun"))), ("field", Term("field", "new_energy"))),
        page=Page(1, 50),
    )
    assert {h.id for h in result.hits} == {"ach-1", "ach-13"}
    assert counts(result, "city") == {"changchun": 1, "jilin": 1}
    assert counts(result, "field") == dict(Counter(d["field"] for d in PUB if d["city"] in ("jilin", "changchun")))


def test_facets_across_indices_are_summed(backend):
    result = search(backend, indices=("achievements", "patents", "instruments"), filters=(PUBLISHED,),
                    facets=(FacetSpec("record_type"), FacetSpec("city", size=20)), page=Page(1, 0))
    assert counts(result, "record_type") == {"achievement": len(PUB), "patent": 4, "instrument": 3}
    expected = Counter(d["city"] for index in ("achievements", "patents", "instruments") for d in corpus.published(index))
    assert counts(result, "city") == dict(expected)


def test_faceting_a_text_field_is_refused(backend):
    with pytest.raises(UnsupportedQuery):
        search(backend, facets=(FacetSpec("summary"),))
