"""The embedded engine's facet columns (indexer/sqlite/facets.py) count what its SQL counts, for
every kind of facet, with selections, words and sums; and a column never counts an index it
was not read from (after a write it is read again, or the search counts in SQL)."""
from __future__ import annotations

import itertools

import pytest

from indexer import FacetSpec, IndexDoc, Page, RangeBucket, SearchRequest, Term, Terms, Text, get_backend
from indexer.sqlite.backend import facet_columns
from tests.conformance import corpus

pytestmark = pytest.mark.unit

PUBLISHED = Term("status", "published")
PRICE = (RangeBucket("low", lt=100000), RangeBucket("mid", gte=100000, lt=1000000), RangeBucket("high", gte=1000000),
         RangeBucket("any"))
FACETS = (
    FacetSpec("city", size=50), FacetSpec("field", size=50), FacetSpec("holders", size=50),
    FacetSpec("transfer_modes", size=50, sums=("price_amount", "trl")), FacetSpec("trl", size=50),
    FacetSpec("transferred"), FacetSpec("registered_at", name="registered", kind="year", size=50, sums=("price_amount",)),
    FacetSpec("price_amount", name="price", kind="range", ranges=PRICE, sums=("trl",)),
    FacetSpec("city", name="city_value", size=50, sums=("price_amount",)),
)
SELECTIONS = {
    "city": Term("city", "changchun"),
    "field": Terms("field", ("new_energy", "modern_agriculture")),
    "holders": Term("holders", "吉林大学"),
    "transfer_modes": Term("transfer_modes", "license"),
    "price": Term("price_mode", "fixed"),
}


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    made = {}
    for mode in ("always", "off"):
        backend = get_backend("sqlite", {"sqlite_path": str(tmp_path_factory.mktemp(mode) / "s.sqlite3"), "sqlite_facet_columns": mode})
        backend.ensure_indices()
        for index in corpus.CORPUS:
            assert backend.index_documents(index, corpus.docs(index)).ok
        made[mode] = backend
    yield made
    for backend in made.values():
        backend.close()


def facets_of(backend, **kwargs) -> dict:
    result = backend.search(SearchRequest(indices=("achievements",), facets=FACETS, page=Page(1, 0), **kwargs))
    return {key: [(b.key, b.count, b.sums) for b in buckets] for key, buckets in result.facets.items()} | {"_total": result.total}


@pytest.mark.parametrize("chosen", [c for n in range(4) for c in itertools.combinations(SELECTIONS, n)], ids=lambda c: "+".join(c) or "none")
@pytest.mark.parametrize("words", [None, Text("电池"), Text("玉米 OR 技术")], ids=["browse", "电池", "玉米-or-技术"])
def test_columns_count_what_sql_counts(engines, chosen, words):
    kwargs = {"query": words, "filters": (PUBLISHED,), "facet_filters": tuple((k, SELECTIONS[k]) for k in chosen)}
    assert facets_of(engines["always"], **kwargs) == facets_of(engines["off"], **kwargs)


def test_the_columns_were_used(engines):
    backend = engines["always"]
    facets_of(backend, query=Text("电池"), filters=(PUBLISHED,))
    read = {(field, kind) for _, field, kind in backend.searcher.columns._columns}
    assert {("holders", "terms"), ("registered_at", "year"), ("price_amount", "number"), ("city", "terms")} <= read


def doc(n: int, city: str) -> IndexDoc:
    return IndexDoc(f"col-{n}", 1, {"id": f"col-{n}", "record_type": "achievement", "status": "published",
                                    "title": f"列存测试{n}", "city": city, "holders": ["列存大学"]})


@pytest.mark.parametrize("stale_factor", [0, 1e9], ids=["read-again", "count-in-sql"])
def test_a_write_is_counted_at_once(tmp_path, stale_factor):
    backend = get_backend("sqlite", {"sqlite_path": str(tmp_path / "s.sqlite3")})
    backend.searcher.columns.stale_factor = stale_factor
    backend.ensure_indices()

    def cities() -> dict:
        result = backend.search(SearchRequest(indices=("achievements",), query=Text("列存"), facets=(FacetSpec("city"), FacetSpec("holders")), page=Page(1, 0)))
        return {b.key: b.count for b in result.facets["city"]}, {b.key: b.count for b in result.facets["holders"]}

    backend.index_documents("achievements", [doc(1, "changchun"), doc(2, "jilin")])
    assert cities() == ({"changchun": 1, "jilin": 1}, {"列存大学": 2})
    store = backend.searcher.columns
    read_at = {key: col.generation for key, col in store._columns.items()}
    backend.index_documents("achievements", [doc(3, "jilin"), IndexDoc("col-1", 2, {**doc(1, "siping").source})])
    assert cities() == ({"siping": 1, "jilin": 2}, {"列存大学": 3})
    again = {key: col.generation for key, col in store._columns.items()}
    if stale_factor:
        assert again == read_at  # written just after it was read: the search counted in SQL
    else:
        assert all(again[k] > read_at[k] for k in read_at)
    backend.close()


def test_the_setting():
    assert facet_columns(None).stale_factor > 0 and facet_columns("on") is not None and facet_columns(1) is not None
    assert facet_columns("always").stale_factor == 0
    assert facet_columns("off") is None and facet_columns(0) is None and facet_columns("false") is None
    with pytest.raises(ValueError):
        facet_columns("sometimes")


def test_cached_counts_tell_selections_of_the_same_shape_apart(engines, tmp_path):
    """Over the copy of the matches a selection is a bit of the mask, whatever it selects: the
    result cache must still tell two selections that differ only in their values apart."""
    uncached = get_backend("sqlite", {"sqlite_path": str(tmp_path / "u.sqlite3"), "sqlite_result_cache": 0})
    uncached.ensure_indices()
    for index in corpus.CORPUS:
        assert uncached.index_documents(index, corpus.docs(index)).ok
    for holder in ("吉林大学", "吉林农业大学", "吉林大学"):
        kwargs = {"filters": (PUBLISHED,), "facet_filters": (("holders", Term("holders", holder)), ("city", Term("city", "changchun")))}
        expected = facets_of(uncached, **kwargs)
        assert all(facets_of(backend, **kwargs) == expected for backend in engines.values())
    uncached.close()
