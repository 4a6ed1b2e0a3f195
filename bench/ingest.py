"""End-to-end ingest speed: records per second from a CSV file to searchable, per store and
engine, next to raw Elasticsearch ``_bulk`` of the same documents in the same run.

For each store (the embedded SQLite file, production's PostgreSQL) and each engine the same
file of N generated achievements (the import template's Chinese columns, UTF-8) goes through
the real pipeline in this process: read, map columns, validate with the marshmallow schema,
upsert by natural key into the store, write the outbox, index, until every record answers a
search. PostgreSQL runs on a throwaway server of Debian's ``postgresql`` package
(tests/pgserver.py), or on the server of ``TT_BENCH_PG_URL`` (a SQLAlchemy URL; each run gets a
database of its own there, dropped afterwards). The reference sends the very documents our
dumper produced for those records, with the fields our writes derive from them (pinyin), to a
fresh Elasticsearch index with ``helpers.bulk`` and refreshes it: what indexing costs when the
documents are already made.

With ``--processes N`` (default 2, the machine's cores) the file is imported in parts of
``--part`` records (the pipeline's INGEST_PART_RECORDS) by N local processes, as queued imports are by
N Celery worker processes; ``--processes 1`` imports it in this process, part after part. The
CPU time per record then counts every process.

Usage: TT_ENV=development python bench/ingest.py [--records 100000] [--engines sqlite,elasticsearch]
       [--stores sqlite,postgresql] [--es URL] [--processes 2] [--part 10000]
"""
from __future__ import annotations

import argparse
import csv
import os
import shutil
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_csv(path: Path, n: int, seed: int) -> Path:
    from ingest import columns
    from demo import generator

    if path.exists():
        return path
    tmp = path.with_suffix(".tmp")
    spec = columns.COLUMNS["achievement"]
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([c.header for c in spec])
        for rec in generator.achievements(n, seed, generator.institutions(seed)):
            writer.writerow(columns.to_row("achievement", rec))
    tmp.rename(path)
    return path


class PostgresDatabases:
    """A new empty database per PostgreSQL run: on a throwaway server, or on the server of
    ``url`` (never touching its other databases: each run's own is made, then dropped)."""

    def __init__(self, url: str | None):
        self.url, self.server, self.made = url, None, []
        if url is None:
            from tests import pgserver

            self.server = pgserver.start()

    def _connect(self):
        import psycopg
        from sqlalchemy.engine import make_url

        return psycopg.connect(autocommit=True, **make_url(self.url).translate_connect_args(username="user", database="dbname"))

    def new(self) -> str:
        if self.server is not None:
            return self.server.new_database()
        from sqlalchemy.engine import make_url

        name = f"tt_bench_{uuid.uuid4().hex[:10]}"
        with self._connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.made.append(name)
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
            return
        with self._connect() as conn:
            for name in self.made:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def es_cpu_seconds(es_url: str | None) -> float | None:
    """CPU time the Elasticsearch node(s) have used since they started (``_nodes/stats``; the
    node refreshes it about once a second, so a run of a few seconds reads coarsely)."""
    if not es_url:
        return None
    from elasticsearch import Elasticsearch

    with Elasticsearch(es_url, request_timeout=30) as es:
        nodes = es.nodes.stats(metric="process")["nodes"].values()
    return sum(node["process"]["cpu"]["total_in_millis"] for node in nodes) / 1000


class CpuClock:
    """This process's and Elasticsearch's CPU seconds over a block: where the cores went, which
    wall-clock rates on a shared machine do not say."""

    def __init__(self, es_url: str | None):
        self.es_url = es_url

    @staticmethod
    def _ours() -> float:
        """This process and its ended children (the parts' processes)."""
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def __enter__(self) -> "CpuClock":
        self.ours, self.es = self._ours(), es_cpu_seconds(self.es_url)
        return self

    def __exit__(self, *exc) -> None:
        self.ours = self._ours() - self.ours
        self.es = es_cpu_seconds(self.es_url) - self.es if self.es is not None else None


def run_engine(engine: str, store: str, csv_path: Path, n: int, work: Path, es_url: str | None, batch: int,
               databases: PostgresDatabases | None, keep_docs: bool = False, processes: int = 1, part: int = 10_000):
    from web import create_app

    folder = work / f"run-{store}-{engine}-{uuid.uuid4().hex[:6]}"
    folder.mkdir(parents=True)
    store_url = databases.new() if store == "postgresql" else f"sqlite:///{folder / 'store.sqlite3'}"
    config = {
        "SQLALCHEMY_DATABASE_URI": store_url,
        "SEARCH_BACKEND": engine,
        "SEARCH_INDEX_PREFIX": f"bi{uuid.uuid4().hex[:6]}-",
        "INGEST_UPLOAD_DIR": str(folder / "uploads"),
        "INDEXING_MODE": "inline",
        "CELERY": {"broker_url": "memory://"},
        "INGEST_PART_RECORDS": part,
        "INGEST_BATCH_SIZE": batch,
    }
    if engine == "elasticsearch":
        config.update(SEARCH_ES_HOSTS=[es_url], SEARCH_ES_NUMBER_OF_REPLICAS=0, SEARCH_ES_TIMEOUT=120)
    app = create_app(config)
    with app.app_context():
        from indexer import Page, SearchRequest
        from ingest.parts import ProcessLauncher
        from ingest.pipeline import ImportPipeline
        from web.extensions import db
        from web.proxies import current_search, current_services
        from web.services.imports import ImportService

        db.create_all()
        current_search.ensure_indices()
        job = ImportService.from_app().create_file_job(None, csv_path, csv_path.name, record_type="achievement")
        started = time.perf_counter()
        last = [started]

        def progress(j):
            now = time.perf_counter()
            if now - last[0] > 15:
                last[0] = now
                print(f"  {store} + {engine}: {j.committed_records}/{j.progress_total} after {now - started:.0f}s", flush=True)

        if processes == 1:  # the import runs in this process, set as a worker process is (ingest/heap.py)
            from ingest.heap import settle

            settle()
        with CpuClock(es_url if engine == "elasticsearch" else None) as cpu:
            launcher = ProcessLauncher(processes) if processes > 1 else None
            job = ImportPipeline(batch_size=batch, launcher=launcher).run(job.id, on_progress=progress)
            current_services.outbox.drain()
            current_search.refresh("achievements")
        elapsed = time.perf_counter() - started
        found = current_search.search(SearchRequest(indices=("achievements",), page=Page(1, 0))).total
        assert job.status == "done", job.message
        docs = list(current_services.indexer._stream("achievements")) if keep_docs else None
        current_search.drop_indices()
        current_search.close()
        db.session.remove()
        db.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)
    return {"elapsed": elapsed, "created": job.created, "rejected": job.rejected, "found": found, "docs": docs, "cpu": cpu}


def raw_bulk(es_url: str, docs) -> tuple[float, CpuClock]:
    from elasticsearch import Elasticsearch, helpers

    from indexer.catalog import Catalog

    from indexer import derived

    es = Elasticsearch(es_url, request_timeout=120)
    spec = Catalog().get("achievements")
    body = spec.body
    # what our writes send: each document with the fields derived from it (pinyin), made
    # before the clock starts, so the reference times Elasticsearch's indexing alone
    sources = [(d.id, dict(derived.derive(spec, d.source))) for d in docs]
    name = f"bench-raw-{uuid.uuid4().hex[:6]}"
    es.indices.create(index=name, settings={**body["settings"], "number_of_replicas": 0}, mappings=body["mappings"])
    try:
        started = time.perf_counter()
        with CpuClock(es_url) as cpu:
            helpers.bulk(es, ({"_index": name, "_id": doc_id, "_source": source} for doc_id, source in sources), chunk_size=500)
            es.indices.refresh(index=name)
        elapsed = time.perf_counter() - started
        assert es.count(index=name)["count"] == len(docs)
        return elapsed, cpu
    finally:
        es.indices.delete(index=name)
        es.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--engines", default="sqlite,elasticsearch")
    parser.add_argument("--stores", default="sqlite,postgresql", help="sqlite (a file), postgresql (TT_BENCH_PG_URL, or a throwaway server)")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--es", default=None)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1, help="processes importing the file's parts")
    parser.add_argument("--part", type=int, default=10_000, help="records per part (INGEST_PART_RECORDS)")
    args = parser.parse_args()
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    unknown = set(stores) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown stores: {', '.join(sorted(unknown))}")

    work = ROOT / "var" / "bench"
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    csv_path = make_csv(work / f"achievements-{args.records}-{args.seed}.csv", args.records, args.seed)
    print(f"{args.records} achievements in {csv_path.name} ({os.path.getsize(csv_path) / 1e6:.0f} MB; made in {time.perf_counter() - t0:.0f}s)")

    url, started = args.es, False
    if url is None and "elasticsearch" in engines:
        from devtools import esnode

        url, started = esnode.start()
    results = {}
    databases = None
    try:
        if "postgresql" in stores:
            databases = PostgresDatabases(os.environ.get("TT_BENCH_PG_URL") or None)
        for store in stores:
            for engine in engines:
                print(f"\nimporting through the pipeline into the {store} store and the {engine} engine ...", flush=True)
                # the reference re-sends the documents of the first Elasticsearch run
                keep = engine == "elasticsearch" and not any(e == "elasticsearch" for _, e in results)
                results[(store, engine)] = run_engine(engine, store, csv_path, args.records, work, url, args.batch, databases, keep,
                                                      args.processes, args.part)
        reference, reference_cpu = None, None
        docs = next((r["docs"] for r in results.values() if r["docs"] is not None), None)
        if docs is None and url:
            print("\n(no Elasticsearch run: no reference)")
        elif docs is not None:
            reference, reference_cpu = raw_bulk(url, docs)
    finally:
        if databases is not None:
            databases.close()
        if started:
            from devtools import esnode

            esnode.stop()

    print(f"\nend to end, file -> searchable ({args.records} records; {args.processes} processes, parts of {args.part})")
    if reference:
        print(f"  {'raw Elasticsearch _bulk of the same documents':54s} {reference:7.1f}s {args.records / reference:8.0f} records/s  (reference)")
    for (store, engine), r in results.items():
        rate = args.records / r["elapsed"]
        ratio = f"{rate / (args.records / reference):6.2f}x the reference rate" if reference else ""
        print(f"  {f'pipeline into {store} store + {engine} engine':54s} {r['elapsed']:7.1f}s {rate:8.0f} records/s  {ratio}")
        print(f"  {'':54s} created {r['created']}, rejected {r['rejected']}, searchable {r['found']}")

    # the cores' budget: at 0.8x the reference rate, what Elasticsearch needs of them leaves the rest to us
    print(f"\nCPU per record (ms): this process (client or pipeline), Elasticsearch; {os.cpu_count()} cores")
    per = lambda seconds: f"{seconds * 1000 / args.records:6.2f}" if seconds is not None else "     -"  # noqa: E731
    if reference_cpu is not None:
        print(f"  {'raw Elasticsearch _bulk of the same documents':54s} {per(reference_cpu.ours)} {per(reference_cpu.es)}")
    for (store, engine), r in results.items():
        print(f"  {f'pipeline into {store} store + {engine} engine':54s} {per(r['cpu'].ours)} {per(r['cpu'].es)}")
    if reference_cpu is not None and reference_cpu.es is not None:
        rate = 0.8 * args.records / reference
        left = (os.cpu_count() or 1) - rate * reference_cpu.es / args.records
        print(f"  at 0.8x the reference ({rate:.0f} records/s), Elasticsearch needs {rate * reference_cpu.es / args.records:.2f} cores: "
              f"the pipeline may spend {max(left, 0) / rate * 1000:.2f} ms of CPU per record")


if __name__ == "__main__":
    main()
