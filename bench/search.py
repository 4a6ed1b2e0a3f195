"""Index time and query latency of both engines, next to raw Elasticsearch on the same data.

The same N demo records (generated deterministically, stored once in a cached SQLite store)
are dumped to index documents once; then

* index time: raw Elasticsearch ``_bulk`` of those documents (reference) vs our Elasticsearch
  engine's rebuild (new index, bulk with external versions, alias swap) vs the SQLite engine's
  rebuild;
* query latency: a fixed mix of searches as the site sends them (free text in Chinese and
  English, phrases, type switches, the facets of each type, facet selections, sorts, deep
  pages) through our Elasticsearch engine and the SQLite engine, and the same compiled request
  bodies sent straight to Elasticsearch ``_search`` (reference).

Figures are printed as ratios to the reference measured in the same run.

Usage: python bench/search.py [--records 20000] [--repeat 5] [--es URL] [--detail]
(--records counts achievements; patents and instruments are added in the demo proportions)
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from elasticsearch import Elasticsearch, helpers  # noqa: E402

import indexer  # noqa: E402
from indexer import derived  # noqa: E402
from indexer.elasticsearch.compiler import compile_search  # noqa: E402
from web import create_app  # noqa: E402
from web.extensions import db  # noqa: E402
from web.services.identity import anonymous_identity  # noqa: E402
from web.services.indexing import INDEX_ORDER  # noqa: E402
from web.services.search import SearchParams, SearchService  # noqa: E402

QUERY_MIX: list[SearchParams] = [
    SearchParams("all", "电池"),
    SearchParams("all", "玉米"),
    SearchParams("all", "芯片 激光"),
    SearchParams("all", "传感器"),
    SearchParams("all", "graphene"),
    SearchParams("all", "LiDAR"),
    SearchParams("achievement", "石墨烯"),
    SearchParams("achievement", "梅花鹿 多肽"),
    SearchParams("achievement", "黑土地 保护"),
    SearchParams("achievement", '"碳纤维复合材料"'),
    SearchParams("achievement", "电池", {"city": ["changchun"]}),
    SearchParams("achievement", "", {"trl": ["6", "7"]}, sort="price_desc"),
    SearchParams("achievement", "人工智能 OR 机器人", {"transfer_mode": ["license"]}),
    SearchParams("achievement", "", {"field": ["modern_agriculture"], "price": ["100k-1m"]}),
    SearchParams("achievement", "疫苗", page=3),
    SearchParams("patent", "神经网络"),
    SearchParams("patent", "", {"open_licence": ["true"]}),
    SearchParams("patent", "玉米", {"legal_status": ["in_force"]}, sort="filed"),
    SearchParams("patent", "锂离子电池 正极"),
    SearchParams("instrument", "质谱"),
    SearchParams("instrument", "显微镜", {"shared": ["true"]}, sort="value_desc"),
    SearchParams("instrument", "", {"instrument_class": ["analytical"], "value": ["1m-5m"]}),
    SearchParams("all", ""),
    SearchParams("all", "吉林大学"),
    SearchParams("all", "汽车 轻量化", page=10),
]


def build_store(path: Path, n: int, seed: int):
    """A store with n achievements (and proportional patents/instruments), cached on disk."""
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
        "SEARCH_SQLITE_PATH": str(path.with_suffix(".load-index.sqlite3")),
        "DEMO_ACHIEVEMENTS": n, "DEMO_PATENTS": n * 3 // 4, "DEMO_INSTRUMENTS": n // 4, "DEMO_SEED": seed,
    })
    if not path.exists():
        print(f"building the store ({n} achievements) in {path} ... (cached for later runs)", flush=True)
        t0 = time.perf_counter()
        result = app.test_cli_runner().invoke(args=["demo", "load"])
        if result.exit_code != 0:
            raise SystemExit(result.output)
        print(result.output.strip())
        print(f"store built in {time.perf_counter() - t0:.0f}s")
    return app


def dump_documents(app) -> dict[str, list[indexer.IndexDoc]]:
    from web.proxies import current_services

    with app.app_context():
        docs: dict[str, list[indexer.IndexDoc]] = {}
        for index in INDEX_ORDER:
            docs[index] = list(current_services.indexer._stream(index))  # the same documents every engine gets
        db.session.remove()
    return docs


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def timed_queries(fn, requests, repeat: int, forget=None, per_search: list[list[float]] | None = None) -> list[float]:
    """Latencies in ms. ``forget``: called before every timed search to clear the engine's
    caches, so that each search is one the engine has never seen (outside the timing)."""
    for req in requests:  # warm-up: JIT, connection pool, the operating system's file cache
        fn(req)
    lat = []
    for _ in range(repeat):
        for i, req in enumerate(requests):
            if forget is not None:
                forget(req)
            t0 = time.perf_counter()
            fn(req)
            ms = (time.perf_counter() - t0) * 1000
            lat.append(ms)
            if per_search is not None:
                per_search[i].append(ms)
    return lat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=20000, help="achievements (patents and instruments follow)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--es", default=None, help="Elasticsearch URL (default: start the test node)")
    parser.add_argument("--detail", action="store_true", help="also print each search's median latency")
    args = parser.parse_args()

    work = ROOT / "var" / "bench"
    work.mkdir(parents=True, exist_ok=True)
    app = build_store(work / f"store-{args.records}-{args.seed}.sqlite3", args.records, args.seed)
    t0 = time.perf_counter()
    docs = dump_documents(app)
    total = sum(len(v) for v in docs.values())
    print(f"\n{total} documents ({', '.join(f'{k} {len(v)}' for k, v in docs.items())}); "
          f"read and shaped from the store in {time.perf_counter() - t0:.1f}s")

    url, started = args.es, False
    if url is None:
        from devtools import esnode

        url, started = esnode.start()
    prefix = f"bench{uuid.uuid4().hex[:6]}-"
    es_backend = indexer.get_backend("elasticsearch", {"es_hosts": url, "es_number_of_replicas": 0, "index_prefix": prefix, "es_timeout": 120})
    sqlite_path = work / f"bench-{uuid.uuid4().hex[:6]}.sqlite3"
    sqlite_backend = indexer.get_backend("sqlite", {"sqlite_path": str(sqlite_path)})
    raw = Elasticsearch(url, request_timeout=120)
    try:
        # -- index time ---------------------------------------------------------------------------
        catalog = es_backend.catalog
        # the reference sends what our writes send: the documents with the fields derived from
        # them (pinyin), made before its clock starts
        derived_sources = {index: [(d.id, dict(derived.derive(catalog.get(index), d.source))) for d in items] for index, items in docs.items()}
        t0 = time.perf_counter()
        for index, items in derived_sources.items():
            body = catalog.get(index).body
            name = f"{prefix}raw-{index}"
            raw.indices.create(index=name, settings={**body["settings"], "number_of_replicas": 0, "refresh_interval": "-1"}, mappings=body["mappings"])
            helpers.bulk(raw, ({"_index": name, "_id": doc_id, "_source": source} for doc_id, source in items), chunk_size=500)
            raw.indices.refresh(index=name)
        t_raw = time.perf_counter() - t0

        es_backend.ensure_indices()
        t0 = time.perf_counter()
        for index, items in docs.items():
            report = es_backend.rebuild(index, iter(items))
            assert report.ok, report.errors[:3]
        es_backend.refresh()
        t_es = time.perf_counter() - t0

        sqlite_backend.ensure_indices()
        t0 = time.perf_counter()
        for index, items in docs.items():
            report = sqlite_backend.rebuild(index, iter(items))
            assert report.ok, report.errors[:3]
        t_sqlite = time.perf_counter() - t0

        print("\nindex time (same documents)")
        print(f"  raw Elasticsearch _bulk   {t_raw:7.1f}s  {total / t_raw:8.0f} docs/s  (reference)")
        print(f"  our Elasticsearch engine  {t_es:7.1f}s  {total / t_es:8.0f} docs/s  {t_es / t_raw:5.2f}x the reference time")
        print(f"  our SQLite engine         {t_sqlite:7.1f}s  {total / t_sqlite:8.0f} docs/s  {t_sqlite / t_raw:5.2f}x the reference time")

        # -- query latency --------------------------------------------------------------------------
        service = SearchService(es_backend)
        requests = [service.build_request(anonymous_identity, p)[0] for p in QUERY_MIX]

        def raw_search(req):
            body = compile_search(catalog, req)
            indices = ",".join(f"{prefix}raw-{i}" for i in req.indices)
            return raw.search(index=indices, **body)

        hits_es = [es_backend.search(r).total for r in requests]
        hits_sqlite = [sqlite_backend.search(r).total for r in requests]
        def forget_es(req) -> None:
            # Elasticsearch's request, query and field-data caches, for both the raw and our indices
            raw.indices.clear_cache(index=f"{prefix}*")

        def forget_sqlite(req) -> None:
            sqlite_backend.clear_caches()

        for title, forget in (("repeated searches (caches warm)", (None, None)),
                              ("searches never seen before (every cache cleared before each search)", (forget_es, forget_sqlite))):
            per: dict[str, list[list[float]]] = {k: [[] for _ in requests] for k in ("raw", "es", "sqlite")}
            lat_raw = timed_queries(raw_search, requests, args.repeat, forget[0], per["raw"])
            lat_es = timed_queries(es_backend.search, requests, args.repeat, forget[0], per["es"])
            lat_sqlite = timed_queries(sqlite_backend.search, requests, args.repeat, forget[1], per["sqlite"])
            ref50, ref95 = statistics.median(lat_raw), pct(lat_raw, 0.95)
            print(f"\nquery latency, {title}: {len(requests)} searches x {args.repeat}, one client "
                  "(facets, highlighting and sorting as the site asks)")
            print(f"  {'':26s} {'p50 ms':>8s} {'p95 ms':>8s} {'p50 ratio':>10s} {'p95 ratio':>10s}")
            for label, lat in (("raw Elasticsearch _search", lat_raw), ("our Elasticsearch engine", lat_es), ("our SQLite engine", lat_sqlite)):
                p50, p95 = statistics.median(lat), pct(lat, 0.95)
                print(f"  {label:26s} {p50:8.2f} {p95:8.2f} {p50 / ref50:9.2f}x {p95 / ref95:9.2f}x")
            if args.detail:
                print(f"  {'median ms per search':58s} {'raw ES':>8s} {'our ES':>8s} {'SQLite':>8s}")
                for p, a, b, c in zip(QUERY_MIX, per["raw"], per["es"], per["sqlite"]):
                    label = f"{p.record_type} {p.q!r} {dict(p.selections) or ''} {p.sort or ''} {'p' + str(p.page) if p.page > 1 else ''}"
                    print(f"  {label[:58]:58s} {statistics.median(a):8.1f} {statistics.median(b):8.1f} {statistics.median(c):8.1f}")
        same = sum(a == b for a, b in zip(hits_es, hits_sqlite))
        print(f"\nresult counts equal in both engines for {same} of {len(requests)} searches")
        for p, a, b in zip(QUERY_MIX, hits_es, hits_sqlite):
            if a != b:
                print(f"  {p.record_type} {p.q!r} {p.selections}: elasticsearch {a}, sqlite {b}")
    finally:
        es_backend.drop_indices()
        for index in docs:
            raw.options(ignore_status=404).indices.delete(index=f"{prefix}raw-{index}")
        sqlite_backend.close()
        sqlite_path.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(str(sqlite_path) + suffix).unlink(missing_ok=True)
        if started:
            from devtools import esnode

            esnode.stop()


if __name__ == "__main__":
    main()
