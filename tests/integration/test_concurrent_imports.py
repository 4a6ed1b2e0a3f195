"""Imports at once through real Celery worker processes, on the embedded store and on
production's (PostgreSQL, where transactions really run in parallel): overlapping records,
shared institutions created by both. Every job must end ``done``; every record, every
institution and every index document must exist exactly once; and when the files disagree
about a record, it ends as one file's version entirely, its versions and its index document
agreeing (no lost update, no mix of two writers' fields)."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from web import normalize
from demo import generator

from .conftest import stack, wait_for_job
from .test_ingest_worker import submit

PER_FILE = 800  # records per file; half of each file is shared with the other
SHARED = PER_FILE // 2
BATCH = 100  # small batches: many transactions of each job overlap with the other's


def distinct_records(n: int, shared: int, seed: int = 31) -> list[dict]:
    """``n`` generated achievements with distinct natural keys; among the first ``shared``,
    every other one has no registration number, so it is matched by title + lead holder only
    (the natural key that has no plain UNIQUE constraint); the others race on their
    registration numbers."""
    records, keys = [], set()
    for rec in generator.achievements(3 * n, seed, generator.institutions(seed)):
        key = normalize.title_key(rec["title"], normalize.institution_name(rec["institutions"][0]))
        if key in keys:  # the generator repeats some title + holder pairs: one record each here
            continue
        keys.add(key)
        rec.pop("ip", None)  # no links to patents that are not imported
        if len(records) < shared and len(records) % 2:
            rec["registration_no"] = None
        records.append(rec)
        if len(records) == n:
            return records
    raise AssertionError("the generator ran out of distinct records")


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def overlapping_files(folder: Path) -> tuple[Path, Path, list[dict]]:
    """Both files start with the same SHARED records (so both jobs reach them at the same
    moment), then PER_FILE - SHARED records of their own."""
    records = distinct_records(2 * PER_FILE - SHARED, SHARED)
    a, b = folder / "a.jsonl", folder / "b.jsonl"
    shared, own_a, own_b = records[:SHARED], records[SHARED:PER_FILE], records[PER_FILE:]
    for path, rows in ((a, shared + own_a), (b, shared + own_b)):
        write_jsonl(path, rows)
    return a, b, records


@pytest.mark.parametrize("engine, store", [
    ("sqlite", "sqlite"),
    pytest.param("elasticsearch", "sqlite", marks=pytest.mark.es),
    # production's pair; the embedded engine on PostgreSQL runs in the test below
    pytest.param("elasticsearch", "postgresql", marks=[pytest.mark.es, pytest.mark.pg]),
], indirect=True)
def test_two_overlapping_imports_at_once_both_finish_and_store_each_record_once(engine, es_for, store, redis_url, tmp_path, monkeypatch):
    from sqlalchemy import func, select

    monkeypatch.setenv("TT_INGEST_BATCH_SIZE", str(BATCH))  # the workers inherit the test's environment
    a, b, records = overlapping_files(tmp_path)
    with stack(tmp_path, engine, redis_url + "/8", es_for, store_url=store) as (s, app):
        # both jobs wait in the queue before the worker starts, so its two processes take them
        # at the same moment and both create the same institutions in their first batches
        job_ids = [submit(app, a, record_type="achievement"), submit(app, b, record_type="achievement")]
        started = time.monotonic()
        s.start_worker(concurrency=2)
        jobs = [wait_for_job(app, job_id, timeout=120) for job_id in job_ids]
        elapsed = time.monotonic() - started
        for job in jobs:
            assert job.status == "done", (job.message, s.worker_log())
            assert (job.read, job.rejected) == (PER_FILE, 0), job.counts()
            assert job.created + job.updated + job.unchanged == PER_FILE, job.counts()
        # each shared record was created by one job and found (unchanged) by the other
        assert sum(j.created for j in jobs) == len(records), [j.counts() for j in jobs]
        assert sum(j.unchanged for j in jobs) == SHARED and sum(j.updated for j in jobs) == 0, [j.counts() for j in jobs]

        with app.app_context():
            from web.extensions import db
            from web.models import Achievement, Institution
            from web.proxies import current_services

            assert db.session.scalar(select(func.count()).select_from(Achievement)) == len(records)
            keys = db.session.execute(select(Achievement.natural_key, Achievement.registration_no)).all()
            assert len(set(keys)) == len(records)  # no record twice
            names = {normalize.institution_key(normalize.institution_name(n)) for r in records for n in r["institutions"]}
            stored = db.session.scalars(select(Institution.name_key)).all()
            assert sorted(stored) == sorted(names)  # each institution once

            deadline = time.monotonic() + 60
            while current_services.outbox.pending() and time.monotonic() < deadline:
                current_services.outbox.drain()
                time.sleep(0.5)
            checks = current_services.indexer.check(["achievements", "institutions"])
            assert [(c.index, c.ok) for c in checks] == [("achievements", True), ("institutions", True)], checks
            assert {c.index: c.in_index for c in checks} == {"achievements": len(records), "institutions": len(names)}
        retries = sum(log.read_text(errors="replace").count("conflict with a concurrent writer") for log in tmp_path.glob("worker-*.log"))
        print(f"\ntwo imports of {PER_FILE} records ({SHARED} shared) on {engine}, {s.store} store: {elapsed:.1f}s, {retries} batches run again; "
              f"counts {[j.counts() for j in jobs]}")


# -- files that disagree about the records they share ----------------------------------------------

VERSIONS = 3  # files, jobs and worker pool processes
DISAGREEING = 150  # records every file holds, each file its own version of them
OWN = 100  # records of one file only


def variant(rec: dict, k: int) -> dict:
    """File ``k``'s version of a shared record: same natural key and identifiers, several
    fields of its own, so a row mixing two writers' fields is told from every file's version."""
    return {**rec, "summary": f"{rec['summary']}（第{k + 1}版）", "keywords": [*rec["keywords"], f"版本{k + 1}"],
            "innovations": [*rec["innovations"][:2], f"第{k + 1}版的创新点"]}  # three at most


def fields_of(data: dict) -> tuple:
    """What tells the versions apart, from input data, the API's dump or a stored version."""
    return data["summary"], tuple(data["keywords"]), tuple(data["innovations"])


def test_imports_that_disagree_keep_one_whole_version_of_each_record(store, redis_url, tmp_path, monkeypatch):
    """Three jobs on two worker processes (three pool processes) import at once files that
    share DISAGREEING records, each file with its own version of them. Each shared record is
    created by one job and updated by the two others; what is stored is one file's version
    entirely, its revision counts every write, its versions are 1..revision with the last one
    equal to the row, and the index holds that revision once."""
    from sqlalchemy import func, select

    monkeypatch.setenv("TT_INGEST_BATCH_SIZE", "50")
    records = distinct_records(DISAGREEING + VERSIONS * OWN, DISAGREEING, seed=43)
    shared = records[:DISAGREEING]
    paths = []
    for k in range(VERSIONS):
        own = records[DISAGREEING + k * OWN: DISAGREEING + (k + 1) * OWN]
        # each file starts its shared records at another place, so the jobs meet in every
        # order: which job creates a record and which one writes it last vary
        start = k * DISAGREEING // VERSIONS
        order = shared[start:] + shared[:start] if k % 2 == 0 else list(reversed(shared[start:] + shared[:start]))
        paths.append(write_jsonl(tmp_path / f"v{k}.jsonl", [variant(r, k) for r in order] + own))
    with stack(tmp_path, "sqlite", redis_url + "/9", store_url=store) as (s, app):
        job_ids = [submit(app, p, record_type="achievement") for p in paths]
        s.start_worker(concurrency=2)
        s.start_worker(concurrency=1)
        jobs = [wait_for_job(app, job_id, timeout=180) for job_id in job_ids]
        for job in jobs:
            assert job.status == "done", (job.message, s.worker_log())
            assert (job.read, job.rejected) == (DISAGREEING + OWN, 0), job.counts()
        assert sum(j.created for j in jobs) == len(records), [j.counts() for j in jobs]
        # every visit after the first finds another file's version: an update, never "unchanged"
        assert (sum(j.updated for j in jobs), sum(j.unchanged for j in jobs)) == ((VERSIONS - 1) * DISAGREEING, 0), [j.counts() for j in jobs]

        with app.app_context():
            from web.extensions import db
            from web.models import Achievement, RecordVersion
            from web.proxies import current_services

            service = current_services.for_type("achievement")
            assert db.session.scalar(select(func.count()).select_from(Achievement)) == len(records)
            keys = db.session.scalars(select(Achievement.natural_key)).all()
            assert len(set(keys)) == len(records)  # no natural key twice
            versions: dict[int, list[RecordVersion]] = {}
            for version in db.session.scalars(select(RecordVersion).where(RecordVersion.record_type == "achievement")):
                versions.setdefault(version.record_id, []).append(version)
            by_key = {normalize.title_key(r["title"], normalize.institution_name(r["institutions"][0])): r for r in shared}
            winners = []
            for rec in db.session.scalars(select(Achievement).where(Achievement.natural_key.in_(list(by_key)))):
                stored = fields_of(service.dump(rec))
                candidates = [fields_of(service.validate(variant(by_key[rec.natural_key], k))) for k in range(VERSIONS)]  # as stored: text normalised
                assert stored in candidates, (rec.public_id, stored, candidates)  # one file's version, entirely
                winners.append(candidates.index(stored))
                history = sorted(versions[rec.id], key=lambda v: v.revision)
                # one write per job, each a new revision: none overwrote another unseen
                assert [v.revision for v in history] == list(range(1, VERSIONS + 1)) == list(range(1, rec.revision_id + 1)), \
                    (rec.public_id, [v.revision for v in history], rec.revision_id)
                assert fields_of(history[-1].data) == stored  # the last version is the row
                assert {fields_of(v.data) for v in history} == set(candidates)  # every file's version was written once
            assert len(winners) == DISAGREEING

            deadline = time.monotonic() + 60
            while current_services.outbox.pending() and time.monotonic() < deadline:
                current_services.outbox.drain()
                time.sleep(0.5)
            assert current_services.outbox.pending() == 0
            check = current_services.indexer.check(["achievements"])[0]
            assert check.ok and check.in_index == len(records), check  # each record once, at its last revision
        retries = sum(log.read_text(errors="replace").count("conflict with a concurrent writer") for log in tmp_path.glob("worker-*.log"))
        print(f"\n{VERSIONS} disagreeing imports on the {s.store} store: last writer per record "
              f"{[winners.count(k) for k in range(VERSIONS)]}, creator {[j.created - OWN for j in jobs]}, {retries} batches run again; counts {[j.counts() for j in jobs]}")
