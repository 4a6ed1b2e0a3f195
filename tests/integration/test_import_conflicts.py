"""An import whose lookups are overtaken by another import committing the same institution or
record: the batch is run again with fresh lookups, the job ends ``done``, nothing is stored
twice. The other import runs in a thread (its own app context, so its own session and
connection) at the exact moment between this job's lookup and its write, so the race is
deterministic here; tests/integration/test_concurrent_imports.py runs it for real between
worker processes. On the embedded store and on production's (PostgreSQL), whose unique
indexes and row locks are what refuses the second writer there."""
from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.apps import STORES, close_app, make_app, store_config
from web.extensions import db
from web.models import Achievement, ImportJob, Institution
from web.services import records


@pytest.fixture(params=STORES)
def app(request, tmp_path):
    app = make_app(tmp_path, **store_config(request))
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
