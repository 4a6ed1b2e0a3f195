"""An import whose lookups are overtaken by another import committing the same institution or
record: the batch is run again with fresh lookups, the job ends ``done``, nothing is stored
twice. The other import runs in a thread (its own app context, so its own session and
connection) at the exact moment between this job's lookup and its write, so the race is
deterministic here; tests/integration/test_concurrent_imports.py runs it for real between
two worker processes."""
from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.apps import close_app, make_app
from web.extensions import db
from web.models import Achievement, ImportJob, Institution
from web.services import records


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    yield app
    close_app(app)


def new_job(app, path: Path) -> int:
    from web.services.imports import ImportService

    with app.app_context():
        return ImportService.from_app().create_file_job(None, path, path.name, record_type="achievement").id


def run_job(app, job_id: int) -> ImportJob:
    from ingest.pipeline import ImportPipeline

    with app.app_context():
        job = ImportPipeline().run(job_id)
        db.session.expunge(job)
        return job


def overtaken_at(monkeypatch, cls: type, method: str, other: Callable[[], None]) -> dict:
    """Run ``other`` (to completion, in a thread) right after the first call of ``cls.method``
    returned: the caller has looked something up and not written it yet."""
    original = getattr(cls, method)
    state = {"fired": False}

    def hooked(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        if not state["fired"]:
            state["fired"] = True
            thread = threading.Thread(target=other)
            thread.start()
            thread.join(60)
        return result

    monkeypatch.setattr(cls, method, hooked)
    return state


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Achievement)),
                db.session.scalar(select(func.count()).select_from(Institution)))


def test_an_institution_created_meanwhile_by_another_import(app, tmp_path, monkeypatch):
    path = tmp_path / "a.csv"
    path.write_text("成果名称,完成单位\n寒区路面抗冻材料,长春示例寒地材料研究院\n", encoding="utf-8")
    mine, theirs = new_job(app, path), new_job(app, path)
    other: dict = {}
    state = overtaken_at(monkeypatch, records.InstitutionResolver, "get", lambda: other.update(job=run_job(app, theirs)))
    job = run_job(app, mine)
    assert state["fired"] and other["job"].status == "done" and other["job"].created == 1
    assert job.status == "done", job.message  # today: failed on UNIQUE constraint failed: institutions.name_key
    assert (job.read, job.created, job.unchanged, job.rejected) == (1, 0, 1, 0)
    assert counts(app) == (1, 1)


@pytest.mark.parametrize("registration_no", ["220202300777", ""], ids=["registered", "title-and-holder-only"])
def test_a_record_created_meanwhile_by_another_import(app, tmp_path, monkeypatch, registration_no):
    """With a registration number the UNIQUE constraint on it refuses the second insert; with
    none, only title + lead holder identify the record, and the partial UNIQUE index on that
    key (for records without identifiers) must refuse it, or the record is stored twice."""
    first = tmp_path / "first.csv"
    first.write_text("成果名称,完成单位\n先导成果,长春示例寒地材料研究院\n", encoding="utf-8")
    assert run_job(app, new_job(app, first)).created == 1  # the institution exists: only the record races
    path = tmp_path / "a.csv"
    path.write_text(f"成果名称,完成单位,登记号\n寒区路面抗冻材料,长春示例寒地材料研究院,{registration_no}\n", encoding="utf-8")
    mine, theirs = new_job(app, path), new_job(app, path)
    other: dict = {}
    state = overtaken_at(monkeypatch, records.Matcher, "prefetch", lambda: other.update(job=run_job(app, theirs)))
    job = run_job(app, mine)
    assert state["fired"] and other["job"].status == "done" and other["job"].created == 1
    assert job.status == "done", job.message
    assert (job.read, job.created, job.unchanged, job.rejected) == (1, 0, 1, 0)
    assert counts(app) == (2, 1)


def test_batch_size_and_conflict_attempts_come_from_the_configuration(tmp_path):
    """TT_INGEST_BATCH_SIZE was documented but ignored; the concurrent-import test relies on it."""
    from ingest.pipeline import ImportPipeline

    app = make_app(tmp_path, INGEST_BATCH_SIZE=7, INGEST_CONFLICT_ATTEMPTS=2)
    try:
        with app.app_context():
            pipeline = ImportPipeline()
            assert (pipeline.batch_size, pipeline.attempts) == (7, 2)
            assert ImportPipeline(batch_size=3).batch_size == 3
    finally:
        close_app(app)


def test_retry_runs_again_only_on_conflicts_and_only_so_often():
    from sqlalchemy.exc import DataError, IntegrityError

    from web.services.retry import retry_on_conflict

    class Session:
        rollbacks = 0

        def rollback(self):
            self.rollbacks += 1

    def failing(errors):
        calls = []

        def work():
            calls.append(1)
            if len(calls) <= len(errors):
                raise errors[len(calls) - 1]
            return "stored"

        return work, calls

    conflict = IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed: institutions.name_key"))
    session = Session()
    work, calls = failing([conflict, conflict])
    assert retry_on_conflict(session, work, attempts=3, sleep=lambda s: None) == "stored"
    assert (len(calls), session.rollbacks) == (3, 2)
    work, calls = failing([conflict] * 3)
    with pytest.raises(IntegrityError):
        retry_on_conflict(Session(), work, attempts=3, sleep=lambda s: None)
    assert len(calls) == 3  # a conflict that never ends is the caller's to handle (record by record)
    work, calls = failing([DataError("INSERT", {}, Exception("value too long"))])
    with pytest.raises(DataError):
        retry_on_conflict(Session(), work, attempts=3, sleep=lambda s: None)
    assert len(calls) == 1  # not a conflict: no second try
