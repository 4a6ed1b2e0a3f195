"""Two imports at once through real Celery worker processes: overlapping records, shared
institutions created by both. Both jobs must end ``done`` and every record, every institution,
and every index document must exist exactly once."""
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


def overlapping_files(folder: Path) -> tuple[Path, Path, list[dict]]:
    """Both files start with the same SHARED records (so both jobs reach them at the same
    moment), then PER_FILE - SHARED records of their own. Every other shared record has no
    registration number, so it is matched by title + lead holder only (the natural key that
    has no plain UNIQUE constraint); the others race on their registration numbers."""
    seed = 31
    records, keys = [], set()
    for rec in generator.achievements(3 * PER_FILE, seed, generator.institutions(seed)):
        key = normalize.title_key(rec["title"], normalize.institution_name(rec["institutions"][0]))
        if key in keys:  # the generator repeats some title + holder pairs: one record each here
            continue
        keys.add(key)
        rec.pop("ip", None)  # no links to patents that are not imported
        if len(records) < SHARED and len(records) % 2:
            rec["registration_no"] = None
        records.append(rec)
        if len(records) == 2 * PER_FILE - SHARED:
            break
    a, b = folder / "a.jsonl", folder / "b.jsonl"
    shared, own_a, own_b = records[:SHARED], records[SHARED:PER_FILE], records[PER_FILE:]
    for path, rows in ((a, shared + own_a), (b, shared + own_b)):
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return a, b, records


def test_two_overlapping_imports_at_once_both_finish_and_store_each_record_once(engine, es_for, redis_url, tmp_path, monkeypatch):
    from sqlalchemy import func, select

    monkeypatch.setenv("TT_INGEST_BATCH_SIZE", str(BATCH))  # the workers inherit the test's environment
    a, b, records = overlapping_files(tmp_path)
    with stack(tmp_path, engine, redis_url + "/8", es_for) as (s, app):
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
        print(f"\ntwo imports of {PER_FILE} records ({SHARED} shared) on {engine}: {elapsed:.1f}s, {retries} batches run again; "
              f"counts {[j.counts() for j in jobs]}")
