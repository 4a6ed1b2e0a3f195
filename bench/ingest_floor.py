"""The fastest ingest this machine allows with today's reader, validator and engines: a bound,
measured, next to the targets of issue 13 (requirement 1).

Whatever a pipeline does, each record of a file must be read and mapped (the CSV reader),
validated (the marshmallow schema, the contract of what may be stored) and shaped for the
engine: for Elasticsearch, the derived pinyin fields and the bulk request's JSON; for the
embedded engine, its rows (``indexer.sqlite.writer.prepare``) and their write under SQLite's
one-writer lock. This script times those steps alone, on the same generated achievements as
``bench/ingest.py``, in one process, and leaves out everything else a real import does
(matching, counts, and at first the store), so each bound below is higher than any pipeline
that keeps the store could reach.

* **Elasticsearch.** The reference is raw ``_bulk`` of the same documents, with their derived
  fields, into a fresh index (``bench/ingest.py``'s reference), measured in this run with the
  node's CPU time. On a machine of C cores, a pipeline that spends F ms of CPU per record on
  the steps above while the node spends E ms on indexing it takes at most C / (F + E) records
  a second (the node's E is the reference's own, the least our writes could cost it).
* **Embedded engine.** At most C / (F + W) records a second, where W is the write under the
  lock, and never more than 1 / W, since one process writes at a time.
* **With the store.** Every import also writes the store. Its least write is timed too: new
  records only, a batch per transaction of Core multi-row statements (the records, their
  holders, a version and an outbox entry each), with no ORM object, no matching and no dump of
  the record (its row stands in for the version). S ms of it per record lowers the bounds to
  C / (F + S + E) and min(C / (F + W + S), 1 / W, 1 / S): the store is one SQLite file, written
  by one process at a time.

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


def validate_all(records: list) -> list[dict[str, Any]]:
    """The validated data of every record (a record that fails would stop the bound)."""
    from web.proxies import current_services

    service = current_services.for_type("achievement")
    return [service.validate(raw.data) for raw in records]


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


ACHIEVEMENT_LISTS = ("people", "keywords", "innovations", "transfer_modes", "attachments")
ACHIEVEMENT_SIMPLE = (
    "title", "title_en", "achievement_type", "summary", "field", "industry", "discipline", "form", "origin", "level",
    "stage", "trl", "funding_source", "programme", "grant_no", "research_start", "research_end", "registered_at",
    "application_status", "transfer_amount",
)


def _achievement_row(data: dict[str, Any], now: Any) -> dict[str, Any]:
    """The achievements row of validated data, as the fewest Python steps could make it: the
    columns ``apply_achievement`` sets, without an ORM object."""
    from web import normalize

    row = {name: data.get(name) for name in ACHIEVEMENT_SIMPLE}
    for name in ACHIEVEMENT_LISTS:
        row[name] = data.get(name) or []
    evaluation = dict(data.get("evaluation") or {})
    if evaluation.get("date"):
        evaluation["date"] = evaluation["date"].isoformat()
    price = data.get("price") or {}
    contact = data.get("contact") or {}
    holders = data.get("institutions") or []
    row.update(
        registration_no=normalize.registration_number(data.get("registration_no")), external_id=data.get("external_id"),
        natural_key=normalize.title_key(data["title"], holders[0] if holders else None),
        transferred=bool(data.get("transferred")), evaluation={k: v for k, v in evaluation.items() if v is not None},
        ip=[dict(i) for i in data.get("ip") or []], price_mode=price.get("mode") or ("negotiable" if price else None),
        price_amount=price.get("amount"), price_amount_max=price.get("amount_max"),
        scores={k: v for k, v in (data.get("scores") or {}).items() if v is not None},
        contact_name=contact.get("name"), contact_phone=contact.get("phone"), contact_email=contact.get("email"),
        status="published", revision_id=1, source="floor.csv", created_at=now, updated_at=now, published_at=now,
    )
    return row


def _version_data(row: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """A stand-in for the API's dump of the record: its row's columns, JSON-ready, and its holders."""
    version = {k: v for k, v in row.items() if k not in ("created_at", "updated_at", "published_at")}
    version["registered_at"] = row["registered_at"].isoformat() if row["registered_at"] else None
    version["institutions"] = data.get("institutions") or []
    return version


def store_write(datas: list[dict[str, Any]], url: str, batch: int = 1000) -> float:
    """Wall seconds (one process, SQLite in it: its CPU) of the least a pipeline must write to
    the store for new records, batch by batch in one transaction each: the records' rows, their
    holders, a version each and an outbox entry each (inserted, then deleted as a drain does),
    in Core multi-row statements with no ORM object. Left out, which a real import also does:
    matching against existing records, the API's dump of each record for its version (its row
    stands in for it), error rows and the job's counts."""
    from sqlalchemy import create_engine, delete, insert, text

    from web import normalize
    from web.extensions import db
    from web.models import Achievement, AchievementInstitution, Institution, OutboxEntry, RecordVersion
    from web.models.common import utcnow

    engine = create_engine(url)
    db.metadata.create_all(engine)
    achievements, holders = Achievement.__table__, AchievementInstitution.__table__
    versions, outbox, institutions = RecordVersion.__table__, OutboxEntry.__table__, Institution.__table__
    names = sorted({n for d in datas for n in d.get("institutions") or []})
    now = utcnow()
    with engine.begin() as conn:  # the holders exist before (most batches of a backlog find them)
        conn.execute(insert(institutions), [{"name": n, "name_key": normalize.institution_key(n), "status": "published",
                                             "aliases": [], "revision_id": 1, "created_at": now, "updated_at": now} for n in names])
        known = {key: i for key, i in conn.execute(institutions.select().with_only_columns(institutions.c.name_key, institutions.c.id))}
    started = time.perf_counter()
    for i in range(0, len(datas), batch):
        part = datas[i : i + batch]
        now = utcnow()
        with engine.begin() as conn:
            rows = [_achievement_row(d, now) for d in part]
            # the rows of one INSERT take increasing rowids in their order, and insertmanyvalues
            # sends a batch as consecutive multi-row INSERTs: the sorted ids are the rows' ids
            # (SQLAlchemy's ``sort_by_parameter_order`` sends one INSERT per row on SQLite)
            ids = sorted(conn.scalars(insert(achievements).returning(achievements.c.id), rows))
            conn.execute(insert(holders), [{"achievement_id": rid, "position": p, "institution_id": known[normalize.institution_key(n)]}
                                           for rid, d in zip(ids, part) for p, n in enumerate(d.get("institutions") or [])])
            conn.execute(insert(versions), [{"record_type": "achievement", "record_id": rid, "revision": 1, "status": "published",
                                             "data": _version_data(row, d), "change": "imported", "actor_id": None,
                                             "actor": "system", "draft_id": None, "created_at": now} for rid, row, d in zip(ids, rows, part)])
            entries = list(conn.scalars(insert(outbox).returning(outbox.c.id),
                                        [{"record_id": f"ach-{rid}", "op": "index", "index": "achievements", "version": None,
                                          "attempts": 0, "next_attempt_at": now, "created_at": now} for rid in ids]))
            conn.execute(delete(outbox).where(outbox.c.id.in_(entries)))
    seconds = time.perf_counter() - started
    with engine.connect() as conn:  # every record stored once, each version and holder on its own record
        counts = conn.execute(text(
            "SELECT (SELECT count(*) FROM achievements), (SELECT count(*) FROM index_outbox), "
            "(SELECT count(*) FROM record_versions v JOIN achievements a ON a.id = v.record_id "
            " WHERE json_extract(v.data, '$.title') = a.title AND json_extract(v.data, '$.natural_key') = a.natural_key), "
            "(SELECT count(*) FROM achievement_institutions h JOIN achievements a ON a.id = h.achievement_id "
            " JOIN record_versions v ON v.record_id = a.id JOIN institutions i ON i.id = h.institution_id "
            " WHERE json_extract(v.data, '$.institutions[' || h.position || ']') = i.name)")).one()
    engine.dispose()
    holders = sum(len(d.get("institutions") or []) for d in datas)
    assert tuple(counts) == (len(datas), 0, len(datas), holders), (tuple(counts), len(datas), holders)
    return seconds


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
    read_s = validate_s = shape_s = prepare_s = locked_s = store_s = float("inf")
    try:
        with app.app_context():
            for _ in range(args.repeat):
                records, seconds = _cpu(read_all, csv_path)
                read_s = min(read_s, seconds)
                datas, seconds = _cpu(validate_all, records)
                validate_s = min(validate_s, seconds)
                assert len(records) == n == len(datas), (len(records), len(datas))
                shape_s = min(shape_s, _cpu(shape_for_es, docs)[1])
                (prepare, locked), _ = _cpu(embedded_write, docs)
                prepare_s, locked_s = min(prepare_s, prepare), min(locked_s, locked)
                store = Path(folder) / "floor-store.sqlite3"
                store.unlink(missing_ok=True)
                store_s = min(store_s, store_write(datas, f"sqlite:///{store}"))
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
    store = ms(store_s)
    node = ms(reference_cpu.es) if reference_cpu.es is not None else None
    print(f"\n{n} records; {cores} cores. CPU per record of the steps every import must take (ms):")
    for label, value in (("read and map the CSV (ingest.readers)", read), ("validate (marshmallow schema)", validate),
                         ("Elasticsearch: derive pinyin, serialise the bulk lines", shape),
                         ("embedded: prepare the rows (analysed text, pinyin, columns)", prepare),
                         ("embedded: write them under the lock (wall time)", locked),
                         ("store: rows, holders, versions, outbox in Core (wall time)", store)):
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
        with_store = cores / (floor + store + node) * 1000
        print(f"    with the store's least write: at most {cores} / ({floor:.3f} + {store:.3f} + {node:.3f} ms) = "
              f"{with_store:.0f} records/s = {with_store / ref_rate:.2f}x; {left - store:.3f} ms per record left for "
              f"matching, the records' dumps, counts and the rest")
    floor = read + validate + prepare + locked
    bound = min(cores / floor * 1000, 1000 / locked)
    print(f"  embedded: at most min({cores} / {floor:.3f} ms, 1 / {locked:.3f} ms) = {bound:.0f} records/s; "
          f"the target is {EMBEDDED_TARGET}, which leaves {cores * 1000 / EMBEDDED_TARGET - floor:.3f} ms per record for "
          f"everything else")
    # the store is one SQLite file too: one process writes it at a time
    with_store = min(cores / (floor + store) * 1000, 1000 / locked, 1000 / store)
    print(f"    with the store's least write: at most min({cores} / {floor + store:.3f} ms, 1 / {locked:.3f} ms, "
          f"1 / {store:.3f} ms) = {with_store:.0f} records/s; {cores * 1000 / EMBEDDED_TARGET - floor - store:.3f} ms per "
          f"record left for matching, the records' dumps, counts and the rest")
    print("  (the store's least write: new records only, Core statements, no matching, no ORM object, no dump)")


if __name__ == "__main__":
    main()
