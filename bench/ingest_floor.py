"""The fastest ingest this machine allows with today's reader, validator and engines: a bound,
measured, next to the targets of issue 13 (requirement 1).

Whatever a pipeline does, each record of a file must be read and mapped (the CSV reader),
validated (the marshmallow schema, the contract of what may be stored) and shaped for the
engine: for Elasticsearch, the derived pinyin fields and the bulk request's JSON; for the
embedded engine, its rows (``indexer.sqlite.writer.prepare``) and their write under SQLite's
one-writer lock. This script times those steps alone, on the same generated achievements as
``bench/ingest.py``, in one process, and leaves out everything else a real import does (the
store's rows, versions and outbox, matching, counts), so each bound below is higher than any
pipeline that keeps the store could reach.

* **Elasticsearch.** The reference is raw ``_bulk`` of the same documents, with their derived
  fields, into a fresh index (``bench/ingest.py``'s reference), measured in this run with the
  node's CPU time. On a machine of C cores, a pipeline that spends F ms of CPU per record on
  the steps above while the node spends E ms on indexing it takes at most C / (F + E) records
  a second (the node's E is the reference's own, the least our writes could cost it).
* **Embedded engine.** At most C / (F + W) records a second, where W is the write under the
  lock, and never more than 1 / W, since one process writes at a time.

Usage: TT_ENV=development python bench/ingest_floor.py [--records 20000] [--es URL]
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ES_TARGET = 0.8  # x the raw _bulk rate (issue 13, requirement 1)
EMBEDDED_TARGET = 2000  # records/s into the embedded engine


def _bench_module(name: str) -> ModuleType:
    """A sibling script (bench/ingest.py), under a name that is not the pipeline's package."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _forget() -> None:
    """Empty the caches of remembered analysis and pinyin, which the import that made the
    documents filled: each step starts as cold as in a new worker process."""
    from indexer import analysis, pinyin

    for cached in (analysis._short_index_text, analysis.stem, pinyin.of_text, pinyin._word_reading):
        cached.cache_clear()


def _cpu(fn, *args: Any) -> tuple[Any, float]:
    """``fn(*args)`` and the CPU seconds this process spent on it, from cold caches."""
    _forget()
    started = time.process_time()
    result = fn(*args)
    return result, time.process_time() - started


def read_all(path: Path) -> list:
    from ingest import registry

    reader = registry.reader_for(path, None, path.name)
    return list(reader.read(path, record_type="achievement", display_name=path.name))


def validate_all(records: list) -> int:
    from marshmallow import ValidationError

    from web.proxies import current_services

    service = current_services.for_type("achievement")
    bad = 0
    for raw in records:
        try:
            service.validate(raw.data)
        except ValidationError:
            bad += 1
    return bad


def shape_for_es(docs: list) -> int:
    """What our Elasticsearch writes do to each document before the node sees it: derive its
    pinyin fields and serialise the bulk request's two lines."""
    from elastic_transport import JsonSerializer

    from indexer import derived
    from indexer.catalog import Catalog

    spec, dumps = Catalog().get("achievements"), JsonSerializer().dumps
    size = 0
    for doc in docs:
        source = dict(derived.derive(spec, doc.source))
        size += len(dumps({"index": {"_index": "x", "_id": doc.id, "version": doc.version, "version_type": "external"}}))
        size += len(dumps(source))
    return size


def embedded_write(docs: list, batch: int = 1000) -> tuple[float, float]:
    """CPU seconds preparing the embedded engine's rows, and wall seconds writing them under
    the lock (a fresh index, batches as the outbox drain writes them)."""
    from indexer.sqlite import writer
    from indexer.sqlite.backend import SqliteFtsBackend

    folder = tempfile.mkdtemp(prefix="tt-ingest-floor-")
    backend = SqliteFtsBackend({"sqlite_path": str(Path(folder) / "index.sqlite3"), "sqlite_result_cache": 0})
    prepare_s = locked_s = 0.0
    try:
        backend.ensure_indices(["achievements"])
        schema = backend._schema("achievements")
        tables = backend._require(schema)
        for i in range(0, len(docs), batch):
            part = docs[i : i + batch]
            started = time.process_time()
            ready = [(doc, writer.prepare(schema, doc.source)) for doc in part]
            prepare_s += time.process_time() - started
            started = time.perf_counter()
            with backend.db.immediate():
                report = backend.writer._store(schema, tables, ready)
                backend.db.bump(schema)
            locked_s += time.perf_counter() - started
            assert report.indexed == len(part) and not report.errors, report
    finally:
        backend.close()
        shutil.rmtree(folder, ignore_errors=True)
    return prepare_s, locked_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--es", default=None, help="an Elasticsearch URL (default: start the test node)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each step; the fastest counts")
    args = parser.parse_args()
    n, cores = args.records, os.cpu_count() or 1
    ingest = _bench_module("ingest")
    work = ROOT / "var" / "bench"
    work.mkdir(parents=True, exist_ok=True)
    csv_path = ingest.make_csv(work / f"achievements-{n}-{args.seed}.csv", n, args.seed)

    print(f"importing {n} generated achievements once, for the documents the pipeline makes of them ...", flush=True)
    docs = ingest.run_engine("sqlite", "sqlite", csv_path, n, work, None, 1000, None, keep_docs=True, processes=1)["docs"]
    assert len(docs) == n, len(docs)

    from web import create_app

    folder = tempfile.mkdtemp(prefix="tt-ingest-floor-app-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/store.sqlite3", "SEARCH_BACKEND": "sqlite",
                      "SEARCH_SQLITE_PATH": f"{folder}/index.sqlite3", "CELERY": {"broker_url": "memory://"}})
    # each step's best of --repeat runs: runs on this machine spread by up to a third, and a
    # bound should take the most favourable
    read_s = validate_s = shape_s = prepare_s = locked_s = float("inf")
    try:
        with app.app_context():
            for _ in range(args.repeat):
                records, seconds = _cpu(read_all, csv_path)
                read_s = min(read_s, seconds)
                bad, seconds = _cpu(validate_all, records)
                validate_s = min(validate_s, seconds)
                assert len(records) == n and bad == 0, (len(records), bad)
                shape_s = min(shape_s, _cpu(shape_for_es, docs)[1])
                (prepare, locked), _ = _cpu(embedded_write, docs)
                prepare_s, locked_s = min(prepare_s, prepare), min(locked_s, locked)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    url, started = args.es, False
    if url is None:
        from devtools import esnode

        url, started = esnode.start()
    try:
        ingest.raw_bulk(url, docs)  # once untimed: a node just started runs its first requests slower
        reference, reference_cpu = ingest.raw_bulk(url, docs)
    finally:
        if started:
            from devtools import esnode

            esnode.stop()

    ms = lambda seconds: seconds * 1000 / n  # noqa: E731
    read, validate, shape, prepare, locked = ms(read_s), ms(validate_s), ms(shape_s), ms(prepare_s), ms(locked_s)
    node = ms(reference_cpu.es) if reference_cpu.es is not None else None
    print(f"\n{n} records; {cores} cores. CPU per record of the steps every import must take (ms):")
    for label, value in (("read and map the CSV (ingest.readers)", read), ("validate (marshmallow schema)", validate),
                         ("Elasticsearch: derive pinyin, serialise the bulk lines", shape),
                         ("embedded: prepare the rows (analysed text, pinyin, columns)", prepare),
                         ("embedded: write them under the lock (wall time)", locked)):
        print(f"  {label:62s} {value:6.3f}")
    ref_rate = n / reference
    print(f"\nraw Elasticsearch _bulk of the same documents (reference): {ref_rate:.0f} records/s")
    if node is not None:
        floor = read + validate + shape
        bound = cores / (floor + node) * 1000
        left = cores * 1000 / (ES_TARGET * ref_rate) - floor - node
        print(f"  the node spent {node:.3f} ms of CPU per record, the client {ms(reference_cpu.ours):.3f}")
        print(f"  Elasticsearch: at most {cores} / ({floor:.3f} + {node:.3f} ms) = {bound:.0f} records/s "
              f"= {bound / ref_rate:.2f}x the reference; the target is {ES_TARGET:.2f}x, which leaves "
              f"{left:.3f} ms per record for everything else")
    floor = read + validate + prepare + locked
    bound = min(cores / floor * 1000, 1000 / locked)
    print(f"  embedded: at most min({cores} / {floor:.3f} ms, 1 / {locked:.3f} ms) = {bound:.0f} records/s; "
          f"the target is {EMBEDDED_TARGET}, which leaves {cores * 1000 / EMBEDDED_TARGET - floor:.3f} ms per record for "
          f"everything else")
    print("  (bounds: the store's rows, record versions, outbox, matching and counts are left out)")


if __name__ == "__main__":
    main()
