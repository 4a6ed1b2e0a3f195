"""Where the embedded engine's write time goes, and the ceiling it sets on ingest.

The pipeline of ``bench/ingest.py`` imports N generated achievements (SQLite store, embedded
engine, one process) and keeps the documents it indexed. Those documents are then written
again into a fresh embedded index, a batch of 1,000 at a time, the way the outbox drain writes
them (``IndexWriter._flush``), with the two halves of each batch timed apart:

* **preparing** (Python: analysed text, pinyin, typed columns, suggestion keys). Every import
  process does this for its own batches, on its own core, before it asks for the write lock;
* **writing under the lock** (SQLite: the documents, sources, value and suggestion rows, the
  FTS5 index, the kept facet counts, and the commit, where FTS5 writes its segments). SQLite
  takes one writer at a time, so however many processes import, this part runs one batch after
  another.

The reference is the second half itself: 1 / (locked time per document) is the most documents a
second the embedded index can take with every other cost gone. The figure to compare with is
the ingest target of issue 13 (2,000 records/s into the embedded engine).

Usage: TT_ENV=development python bench/embedded_writes.py [--records 10000] [--batch 1000]
"""
from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET = 2000  # records/s into the embedded engine (issue 13, requirement 1)


def pipeline_documents(n: int, seed: int) -> list:
    """The achievements' index documents as the import pipeline made them."""
    # bench/ingest.py, under a name that is not the pipeline's package
    spec = importlib.util.spec_from_file_location("bench_ingest", ROOT / "bench" / "ingest.py")
    bench_ingest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_ingest)  # type: ignore[union-attr]
    work = ROOT / "var" / "bench"
    work.mkdir(parents=True, exist_ok=True)
    csv_path = bench_ingest.make_csv(work / f"achievements-{n}-{seed}.csv", n, seed)
    result = bench_ingest.run_engine("sqlite", "sqlite", csv_path, n, work, None, 1000, None, keep_docs=True, processes=1)
    return result["docs"]


_TABLE = re.compile(r'^\s*(\w+)\b.*?"[^"]*?_(docs|src|vals|fts|sugg|tomb|counts|counted)"', re.S)


class TimedConnection:
    """The writer's connection, timing each statement by what it does to which table (the
    commit is FTS5's segment writing, mostly)."""

    def __init__(self, conn: Any):
        self.conn, self.seconds = conn, Counter()

    def _label(self, sql: str) -> str:
        m = _TABLE.match(sql)
        return f"{m.group(1).upper()} {m.group(2)}" if m else sql.split()[0].upper()

    def execute(self, sql: str, *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return self.conn.execute(sql, *args)
        finally:
            self.seconds[self._label(sql)] += time.perf_counter() - started

    def executemany(self, sql: str, rows: Any) -> Any:
        started = time.perf_counter()
        try:
            return self.conn.executemany(sql, rows)
        finally:
            self.seconds[self._label(sql)] += time.perf_counter() - started

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()

    print(f"importing {args.records} generated achievements to get the pipeline's documents ...", flush=True)
    docs = pipeline_documents(args.records, args.seed)

    from indexer.sqlite import writer
    from indexer.sqlite.backend import SqliteFtsBackend

    folder = tempfile.mkdtemp(prefix="tt-embedded-writes-")
    backend = SqliteFtsBackend({"sqlite_path": str(Path(folder) / "index.sqlite3"), "sqlite_result_cache": 0})
    try:
        backend.ensure_indices(["achievements"])
        schema = backend._schema("achievements")
        tables = backend._require(schema)
        db, w = backend.db, backend.writer
        timed = TimedConnection(db.conn)
        db._local.conn = timed  # this thread's connection, as the writer asks the database for it
        prepare_s = locked_s = 0.0
        for i in range(0, len(docs), args.batch):
            batch = docs[i : i + args.batch]
            t0 = time.perf_counter()
            ready = [(doc, writer.prepare(schema, doc.source)) for doc in batch]
            t1 = time.perf_counter()
            with db.immediate():
                report = w._store(schema, tables, ready)
                db.bump(schema)
            t2 = time.perf_counter()
            assert report.indexed == len(batch) and not report.errors, report
            prepare_s += t1 - t0
            locked_s += t2 - t1
        n = len(docs)
        total = backend.conn.execute(f"SELECT COUNT(*) FROM {tables.docs}").fetchone()[0]
        assert total == n, (total, n)
    finally:
        backend.close()
        shutil.rmtree(folder, ignore_errors=True)

    prep_us, lock_us = prepare_s / n * 1e6, locked_s / n * 1e6
    ceiling = 1e6 / lock_us
    print(f"\n{n} documents into a fresh embedded index, batches of {args.batch}")
    print(f"  {'preparing (Python, each process on its own core)':52s} {prep_us:7.0f} us/doc")
    print(f"  {'writing under the lock (SQLite, one writer at a time)':52s} {lock_us:7.0f} us/doc")
    print(f"  {'the write alone, one writer (reference)':52s} {ceiling:7.0f} docs/s  (1.00x)")
    print(f"  {'preparing and writing, one process':52s} {1e6 / (prep_us + lock_us):7.0f} docs/s  "
          f"({lock_us / (prep_us + lock_us):.2f}x)")
    print(f"  {'the ingest target':52s} {TARGET:7d} records/s  ({TARGET / ceiling:.2f}x of the reference)")
    print("\n  under the lock, by statement (us/doc):")
    for label, seconds in timed.seconds.most_common():
        if seconds / n * 1e6 >= 1:
            print(f"    {label:20s} {seconds / n * 1e6:6.0f}")
    print(f"  at the target, the lock would be held {TARGET * lock_us / 1e6:.0%} of every second by the index writes alone")


if __name__ == "__main__":
    main()
