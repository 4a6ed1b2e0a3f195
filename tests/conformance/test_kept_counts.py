"""Facet counts of listings without words, across a run of writes.

The embedded engine keeps these counts at write time instead of counting every document per
request; Elasticsearch counts them per request. Either way, after any mix of inserts, updates
that move a document between values and statuses, stale writes, batches holding one id twice,
a bad document in a batch, deletes and a rebuild, a listing must count exactly what a count by
hand over the current documents gives."""
from __future__ import annotations

import random
from collections import Counter

import pytest

from indexer import FacetSpec, IndexDoc, Page, RangeBucket, SearchRequest, Term, Terms

CITIES = ["changchun", "jilin", "siping", "yanbian"]
MODES = ["license", "transfer", "cooperation", "equity"]
STATUSES = ["published", "published", "published", "withdrawn", "draft"]
PRICES = (RangeBucket("low", None, 100_000), RangeBucket("mid", 100_000, 1_000_000), RangeBucket("high", 1_000_000, None))
FACETS = (
    FacetSpec("city", size=50),
    FacetSpec("transfer_modes", size=50),
    FacetSpec("transferred"),
    FacetSpec("published_at", name="published_year", kind="year", size=50, order="key_asc"),
    FacetSpec("price_amount", name="price", kind="range", ranges=PRICES),
    FacetSpec("trl", size=50, order="key_desc"),
)
LISTINGS = {
    "published": (Term("status", "published"),),
    "published_or_withdrawn": (Terms("status", ("published", "withdrawn")),),
    "everything": (),
}


def make_doc(rng: random.Random, n: int, version: int) -> IndexDoc:
    source = {"id": f"ach-{n}", "record_type": "achievement", "status": rng.choice(STATUSES), "title": f"成果{n}"}
    if rng.random() < 0.8:
        source["city"] = rng.choice(CITIES)
    if rng.random() < 0.7:
        source["transfer_modes"] = rng.sample(MODES, rng.randint(1, 3))
    if rng.random() < 0.6:
        source["transferred"] = rng.random() < 0.5
    if rng.random() < 0.9:
        source["published_at"] = f"{rng.randint(2019, 2025)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T08:00:00Z"
    if rng.random() < 0.7:
        source["price_amount"] = rng.choice([5_000, 99_999, 100_000, 350_000, 999_999, 1_000_000, 4_000_000])
    if rng.random() < 0.7:
        source["trl"] = rng.randint(1, 9)
    return IndexDoc(source["id"], version, source)


def by_hand(docs: dict[str, dict], filters) -> tuple[int, dict[str, dict]]:
    def selected(src: dict) -> bool:
        for f in filters:
            values = (f.value,) if isinstance(f, Term) else f.values
            if src.get("status") not in values:
                return False
        return True

    chosen = [src for src in docs.values() if selected(src)]
    out: dict[str, Counter] = {f.key: Counter() for f in FACETS}
    for src in chosen:
        if "city" in src:
            out["city"][src["city"]] += 1
        for mode in set(src.get("transfer_modes", [])):
            out["transfer_modes"][mode] += 1
        if "transferred" in src:
            out["transferred"][src["transferred"]] += 1
        if "published_at" in src:
            out["published_year"][int(src["published_at"][:4])] += 1
        if "trl" in src:
            out["trl"][src["trl"]] += 1
        price = src.get("price_amount")
        for r in PRICES:
            if price is not None and (r.gte is None or price >= r.gte) and (r.lt is None or price < r.lt):
                out["price"][r.key] += 1
    counted = {key: {k: n for k, n in c.items() if n} for key, c in out.items()}
    counted["price"] = {r.key: out["price"].get(r.key, 0) for r in PRICES}
    return len(chosen), counted


def listing(backend, filters) -> tuple[int, dict[str, dict]]:
    backend.refresh()
    result = backend.search(SearchRequest(indices=("achievements",), filters=filters, facets=FACETS, page=Page(1, 0)))
    return result.total, {key: {b.key: b.count for b in buckets} for key, buckets in result.facets.items()}


def check_every_listing(backend, docs: dict[str, dict]) -> None:
    for name, filters in LISTINGS.items():
        assert listing(backend, filters) == by_hand(docs, filters), name


@pytest.mark.parametrize("seed", [1, 2])
def test_listing_counts_follow_every_kind_of_write(fresh, seed):
    rng = random.Random(seed)
    docs: dict[str, dict] = {}
    versions: Counter = Counter()
    check_every_listing(fresh, docs)  # empty: the counts are set up on an empty index

    def write(batch: list[IndexDoc]) -> None:
        report = fresh.index_documents("achievements", batch)
        assert report.ok, report.errors
        for d in batch:
            if d.version >= versions.get(d.id, 0):
                docs[d.id], versions[d.id] = d.source, d.version

    write([make_doc(rng, n, 1) for n in range(40)])
    check_every_listing(fresh, docs)
    for round_ in range(3):
        batch = []
        for n in rng.sample(range(60), 25):  # updates and new documents
            versions_now = versions.get(f"ach-{n}", 0)
            batch.append(make_doc(rng, n, versions_now + 1))
        twice = rng.choice(batch)
        batch.append(make_doc(rng, int(twice.id.split("-")[1]), twice.version + 1))  # the same id again in one batch
        write(batch)
        stale = next(iter(docs))
        fresh.index_documents("achievements", [make_doc(rng, int(stale.split("-")[1]), 0)])  # older: skipped
        gone = rng.sample(sorted(docs), 4)
        fresh.delete_documents("achievements", [(d, versions[d] + 1) for d in gone[:2]] + gone[2:])
        for d in gone:
            docs.pop(d)
        check_every_listing(fresh, docs)
    # a bad document fails alone; its neighbours are written and counted
    bad = IndexDoc("ach-900", 1, {"id": "ach-900", "status": "published", "trl": "not a number"})
    good = make_doc(rng, 901, 1)
    report = fresh.index_documents("achievements", [bad, good])
    assert [e.id for e in report.errors] == ["ach-900"] and report.indexed == 1
    docs[good.id], versions[good.id] = good.source, 1
    check_every_listing(fresh, docs)
    # a rebuild starts the counts again from its own documents
    kept = {k: v for k, v in list(docs.items())[:15]}
    fresh.rebuild("achievements", [IndexDoc(k, versions[k], v) for k, v in kept.items()])
    check_every_listing(fresh, kept)
    write([make_doc(rng, 950, 1)])
    kept["ach-950"] = docs["ach-950"]
    check_every_listing(fresh, kept)
