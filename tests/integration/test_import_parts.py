"""A large file imported in parts (ranges of its records that worker processes import at once,
under one job): the same records, counts and per-record errors as one import, on the embedded
store and on production's (PostgreSQL); a part whose worker died resumes where it stopped; a
cancel stops every part; a record in two parts is stored once; real Celery workers and local
processes (``flask import file --processes``) run the parts."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.apps import STORES, auth, close_app, make_app, signed_in, store_config

from .conftest import stack, wait_for_job
from .test_ingest_worker import achievements_csv, submit

RECORDS = 57
BAD_EVERY = 10  # records 10, 20, ... are refused (the readiness level reads "十二")
PART = 10  # records per part: six parts, the last open-ended
BATCH = 4  # several batches, so checkpoints, per part


@pytest.fixture(params=STORES)
def app(request, tmp_path):
    app = make_app(tmp_path, INGEST_PART_RECORDS=PART, INGEST_BATCH_SIZE=BATCH, **store_config(request))
    yield app
    close_app(app)


def new_job(app, path: Path) -> int:
    from web.services.imports import ImportService

    with app.app_context():
        return ImportService.from_app().create_file_job(None, path, path.name, record_type="achievement").id


def run(app, job_id: int, launcher=None):
    from ingest.pipeline import ImportPipeline

    with app.app_context():
        return ImportPipeline(launcher=launcher).run(job_id)


def state(app, job_id: int) -> dict:
    from web.extensions import db
    from web.models import Achievement, ImportJob, ImportRecordError

    with app.app_context():
        db.session.expire_all()
        job = db.session.get(ImportJob, job_id)
        errors = db.session.scalars(select(ImportRecordError).where(ImportRecordError.job_id == job_id)).all()
        return {
            "status": job.status, "message": job.message, "counts": job.counts(), "progress": (job.progress_done, job.progress_total),
            "parts": [(p.part_no, p.first_record, p.last_record, p.status) for p in job.parts],
            "errors": sorted((e.record_no, e.line, e.field) for e in errors),
            "records": db.session.scalar(select(func.count()).select_from(Achievement)),
        }


def searchable(app) -> int:
    from indexer import Page, SearchRequest
    from web.proxies import current_search

    with app.app_context():
        current_search.refresh("achievements")
        return current_search.search(SearchRequest(indices=("achievements",), page=Page(1, 0))).total


def expected_errors() -> list[tuple[int, int, str]]:
    # record n sits on line n + 1 (the header is line 1)
    return [(n, n + 1, "trl") for n in range(BAD_EVERY, RECORDS + 1, BAD_EVERY)]


def test_a_large_file_in_parts_imports_like_one_job(app, tmp_path):
    path = achievements_csv(tmp_path / "big.csv", RECORDS, seed=3, bad_every=BAD_EVERY)
    job_id = new_job(app, path)
    run(app, job_id)
    s = state(app, job_id)
    bad = RECORDS // BAD_EVERY
    assert s["status"] == "done", s["message"]
    assert s["parts"] == [(1, 1, 10, "done"), (2, 11, 20, "done"), (3, 21, 30, "done"), (4, 31, 40, "done"),
                          (5, 41, 50, "done"), (6, 51, None, "done")]
    assert s["counts"] == {"read": RECORDS, "created": RECORDS - bad, "updated": 0, "unchanged": 0, "rejected": bad, "deleted": 0}
    assert s["progress"] == (RECORDS, RECORDS)
    assert s["errors"] == expected_errors()
    assert s["records"] == searchable(app) == RECORDS - bad

    # one job, one progress bar: the API lists the parts, the job page says how many ended
    parts = app.test_client().get(f"/api/v1/imports/{job_id}", headers=auth(app)).get_json()["parts"]
    assert [(p["part"], p["first_record"], p["last_record"], p["status"], p["done"]) for p in parts][-2:] == \
        [(5, 41, 50, "done", 10), (6, 51, None, "done", RECORDS - 50)]
    client = signed_in(app)
    assert "大文件分 6 段由多个进程同时导入，已完成 6 段" in client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "6 parts imported by several processes at once; 6 ended" in client.get(f"/imports/{job_id}?lang=en").get_data(as_text=True)

    again = new_job(app, path)  # the same file again changes nothing
    run(app, again)
    s = state(app, again)
    assert s["status"] == "done" and len(s["parts"]) == 6
    assert s["counts"] == {"read": RECORDS, "created": 0, "updated": 0, "unchanged": RECORDS - bad, "updated": 0,
                           "rejected": bad, "deleted": 0}
    assert s["records"] == searchable(app) == RECORDS - bad


def test_rejected_records_are_listed_in_file_order_whichever_part_ends_first(app, tmp_path):
    from ingest.pipeline import ImportPipeline
    from web.extensions import db
    from web.models import ImportJob
    from web.services.imports import ImportService

    job_id = new_job(app, achievements_csv(tmp_path / "big.csv", RECORDS, seed=9, bad_every=BAD_EVERY))

    def last_part_first(job_id: int, part_nos: list[int]) -> None:
        for no in reversed(part_nos):
            ImportPipeline().run_part(job_id, no)

    run(app, job_id, launcher=last_part_first)
    with app.app_context():
        service = ImportService.from_app()
        job = db.session.get(ImportJob, job_id)
        lines = [e.line for e in service.errors(job)]
        assert lines == [n + 1 for n in range(BAD_EVERY, RECORDS + 1, BAD_EVERY)]
        rows = list(csv.reader(io.StringIO(service.errors_csv(job).decode("utf-8-sig"))))[1:]
        assert [int(r[2]) for r in rows] == lines


def test_a_small_file_is_one_part(app, tmp_path):
    job_id = new_job(app, achievements_csv(tmp_path / "small.csv", 2 * PART - 1, seed=3))
    run(app, job_id)
    s = state(app, job_id)
    assert s["status"] == "done" and s["parts"] == [] and s["counts"]["created"] == 2 * PART - 1


class WorkerDied(BaseException):
    """What a killed worker leaves: no handler of the pipeline's runs, nothing after it."""


def test_a_part_whose_worker_died_resumes_where_it_stopped(app, tmp_path):
    from ingest.pipeline import ImportPipeline
    from web.extensions import db
    from web.models import ImportPart
    from web.models.workflow import RecordVersion

    path = achievements_csv(tmp_path / "big.csv", RECORDS, seed=4, bad_every=BAD_EVERY)
    job_id = new_job(app, path)

    def dies_in_part_three(job_id: int, part_nos: list[int]) -> None:
        pipeline = ImportPipeline()
        for no in part_nos:
            if no == 3:
                def die(job):  # after part 3's first batch committed
                    raise WorkerDied()
                pipeline.run_part(job_id, no, on_progress=die)
            pipeline.run_part(job_id, no)

    with pytest.raises(WorkerDied):
        run(app, job_id, launcher=dies_in_part_three)
    s = state(app, job_id)
    assert s["status"] == "running"
    assert [p[3] for p in s["parts"]] == ["done", "done", "running", "queued", "queued", "queued"]
    with app.app_context():
        part = db.session.scalar(select(ImportPart).where(ImportPart.job_id == job_id, ImportPart.part_no == 3))
        assert part.committed_records == 20 + BATCH and part.created == BATCH

    run(app, job_id)  # the job again, as recover_stale_jobs queues it: the parts that did not end run
    s = state(app, job_id)
    bad = RECORDS // BAD_EVERY
    assert s["status"] == "done"
    assert s["counts"]["created"] == RECORDS - bad and s["counts"]["rejected"] == bad and s["counts"]["read"] == RECORDS
    assert s["errors"] == expected_errors()  # none twice
    assert s["records"] == searchable(app) == RECORDS - bad
    with app.app_context():  # nothing stored twice: one version of each record
        assert db.session.scalar(select(func.count()).select_from(RecordVersion)) == RECORDS - bad


def test_a_part_that_fails_fails_the_job_with_its_reason_and_the_others_stay(app, tmp_path):
    from ingest.pipeline import ImportPipeline
    from web.extensions import db
    from web.models import ImportJob

    job_id = new_job(app, achievements_csv(tmp_path / "big.csv", RECORDS, seed=10))

    def file_gone_after_part_two(job_id: int, part_nos: list[int]) -> None:
        for no in part_nos:
            if no == 3:
                Path(db.session.get(ImportJob, job_id).stored_path).unlink()
            ImportPipeline().run_part(job_id, no)

    run(app, job_id, launcher=file_gone_after_part_two)
    s = state(app, job_id)
    assert s["status"] == "failed" and [p[3] for p in s["parts"]] == ["done", "done"] + ["failed"] * 4
    assert s["message"].startswith("第 3 段（第 21 条记录起）未完成 / part 3 (from record 21) stopped: 上传的文件已不存在")
    with app.app_context():
        assert db.session.get(ImportJob, job_id).refusal_code == "file_missing"
    assert s["counts"]["created"] == s["records"] == searchable(app) == 2 * PART  # what the parts stored stays


def test_a_cancel_stops_every_part(app, tmp_path):
    from ingest.pipeline import ImportPipeline
    from web.extensions import db
    from web.models import ImportJob

    job_id = new_job(app, achievements_csv(tmp_path / "big.csv", RECORDS, seed=5))

    def cancel_after_part_one(job_id: int, part_nos: list[int]) -> None:
        pipeline = ImportPipeline()
        for no in part_nos:
            pipeline.run_part(job_id, no)
            if no == 1:
                db.session.get(ImportJob, job_id).cancel_requested = True
                db.session.commit()

    run(app, job_id, launcher=cancel_after_part_one)
    s = state(app, job_id)
    assert s["status"] == "cancelled" and "cancelled; 10 records" in s["message"]
    assert [p[3] for p in s["parts"]] == ["done"] + ["cancelled"] * 5
    assert s["counts"]["created"] == s["records"] == PART


def test_a_record_in_two_parts_is_stored_once(app, tmp_path):
    path = achievements_csv(tmp_path / "big.csv", 2 * PART + 5, seed=6)
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("gb18030"))))
    rows.append(rows[3])  # record 3 (part 1) again as record 26 (part 3)
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    path.write_bytes(out.getvalue().encode("gb18030"))
    job_id = new_job(app, path)
    run(app, job_id)
    s = state(app, job_id)
    assert s["status"] == "done" and len(s["parts"]) == 3
    assert s["counts"]["created"] == 2 * PART + 5 and s["counts"]["unchanged"] == 1
    assert s["records"] == searchable(app) == 2 * PART + 5


def test_local_processes_import_the_parts(app, tmp_path):
    path = achievements_csv(tmp_path / "big.csv", RECORDS, seed=7, bad_every=BAD_EVERY)
    result = app.test_cli_runner().invoke(args=["import", "file", str(path), "--type", "achievement", "--processes", "2"])
    assert result.exit_code == 0, result.output
    bad = RECORDS // BAD_EVERY
    assert f"created {RECORDS - bad}" in result.output and f"rejected {bad}" in result.output
    job_id = int(result.output.split("job ", 1)[1].split()[0])
    s = state(app, job_id)
    assert len(s["parts"]) == 6 and s["errors"] == expected_errors()
    assert s["records"] == searchable(app) == RECORDS - bad


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("elasticsearch", marks=pytest.mark.es)])
def test_celery_workers_import_the_parts_at_once(engine, request, redis_url, tmp_path):
    es_url = request.getfixturevalue("es_url") if engine == "elasticsearch" else None
    records = 400
    env = {"TT_INGEST_PART_RECORDS": "50", "TT_INGEST_BATCH_SIZE": "25"}
    with stack(tmp_path, engine, redis_url, es_url, env=env) as (s, app):
        s.start_worker(concurrency=2)
        job_id = submit(app, achievements_csv(tmp_path / "big.csv", records, seed=8, bad_every=BAD_EVERY), record_type="achievement")
        job = wait_for_job(app, job_id)
        assert job.status == "done", (job.message, s.worker_log())
        st = state(app, job_id)
        assert len(st["parts"]) == 8 and {p[3] for p in st["parts"]} == {"done"}
        assert st["counts"]["created"] == records - records // BAD_EVERY and st["counts"]["rejected"] == records // BAD_EVERY
        assert st["records"] == searchable(app) == records - records // BAD_EVERY
        from web.extensions import db
        from web.models import ImportPart

        with app.app_context():  # each part ran as a task of its own, and two at a time
            parts = db.session.scalars(select(ImportPart).where(ImportPart.job_id == job_id)).all()
            assert len({p.task_id for p in parts if p.task_id}) == 8
            spans = sorted((p.started_at, p.finished_at) for p in parts)
            assert any(later[0] < earlier[1] for earlier, later in zip(spans, spans[1:]))
