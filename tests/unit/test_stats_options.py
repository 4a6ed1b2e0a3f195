"""The statistics' declarations: every chart counts by a filter its record type accepts, so a bar
always opens a search; every added-up value is a number the type's index holds."""
from __future__ import annotations

import pytest

from indexer.catalog import NUMERIC_TYPES, default_catalog
from web import search_options as opts
from web import vocabularies
from web.services.stats import bucket_label, search_query, url_value
from web.services.search import SearchParams
from web.stats_options import DASHBOARDS, MEASURES


@pytest.mark.parametrize("record_type", list(DASHBOARDS))
def test_every_chart_is_a_search_filter_of_its_type(record_type):
    board = DASHBOARDS[record_type]
    indices = opts.INDICES[record_type]
    for chart in board.charts:
        facet = opts.facet(record_type, chart.key)
        assert facet is not None, chart.key
        info = default_catalog().resolve_field(indices, facet.field)
        assert info.is_scalar
        if chart.trend:
            assert facet.by_year or info.type in NUMERIC_TYPES, chart.key
        if chart.complete:
            assert facet.vocabulary and vocabularies.get(facet.vocabulary).codes, chart.key
        for name in chart.sums:
            field = default_catalog().resolve_field(indices, name)
            assert name in MEASURES and field.type in NUMERIC_TYPES and not field.multi
    for name in board.totals:
        assert name in MEASURES
    assert len({c.key for c in board.charts}) == len(board.charts)  # one facet per filter in a request


def test_the_filters_charts_link_to_are_not_listed_beside_results():
    hidden = {f.key for defs in opts.FACETS.values() for f in defs if not f.shown}
    assert {"holder_type", "form", "stage", "transferred", "granted"} <= hidden


def test_a_bars_search_replaces_its_own_filter_and_keeps_the_rest():
    params = SearchParams(record_type="patent", q="电池", selections={"city": ["changchun", "jilin"], "kind": ["invention"]})
    assert search_query(params, city=["siping"]) == [("type", "patent"), ("q", "电池"), ("city", "siping"), ("kind", "invention")]
    assert search_query(SearchParams()) == []


@pytest.mark.parametrize("key, value", [(True, "true"), (False, "false"), (2021, "2021"), (5.0, "5"), ("changchun", "changchun")])
def test_url_values(key, value):
    assert url_value(key) == value


def test_labels_in_both_languages():
    city = opts.facet("achievement", "city")
    transferred = opts.facet("achievement", "transferred")
    price = opts.facet("achievement", "price")
    assert bucket_label(city, "changbaishan", "zh") == "长白山管委会"
    assert bucket_label(city, "changbaishan", "en") == "Changbai Mountain Administrative Committee"
    assert [bucket_label(transferred, k, "zh") for k in (True, False)] == ["是", "否"]
    assert bucket_label(transferred, True, "en") == "Yes"
    assert bucket_label(price, "gte10m", "en") == "¥10M and over"
