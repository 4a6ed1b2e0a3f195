"""The ingest command line: import files and folders with a summary, harvest incrementally,
reconcile the index with the store, cancel a running import; on the embedded store and on
production's (PostgreSQL)."""
from __future__ import annotations

import pytest

from indexer import IndexDoc, Page, SearchRequest
from web.proxies import current_search

from tests.apps import STORES, close_app, make_app, store_config

from .conftest import stack, wait_for_job
from .test_ingest_worker import achievements_csv, submit


@pytest.fixture(params=STORES)
def app(request, tmp_path):
    app = make_app(tmp_path, **store_config(request))
    yield app
    close_app(app)


def count(app, index="achievements") -> int:
    with app.app_context():
        return current_search.search(SearchRequest(indices=(index,), page=Page(1, 0))).total


def test_import_a_folder_and_read_the_rejections(app, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    achievements_csv(folder / "a.csv", 20, seed=1, bad_every=10)
    achievements_csv(folder / "b.csv", 15, seed=1, skip=20)
    (folder / "notes.docx").write_bytes(b"ignored: not a supported extension")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", "folder", str(folder), "--type", "achievement"])
    assert result.exit_code == 0, result.output
    assert "created 18" in result.output and "rejected 2" in result.output
    assert "created 15" in result.output and "2 files" in result.output
    assert count(app) == 33
    job_id = int(result.output.split("job ", 1)[1].split()[0])
    errors = runner.invoke(args=["import", "errors", str(job_id)])
    assert errors.output.count("\n") == 3 and "技术就绪度应为 1-9" in errors.output
    again = runner.invoke(args=["import", "file", str(folder / "a.csv"), "--type", "achievement"])
    assert "unchanged 18" in again.output


def test_a_refused_file_fails_the_command_with_its_reason(app, tmp_path):
    bad = tmp_path / "table.csv"
    bad.write_bytes(b"%PDF-1.7 not a table")
    result = app.test_cli_runner().invoke(args=["import", "file", str(bad), "--type", "achievement"])
    assert result.exit_code == 1 and "unsupported file type" in result.output


def test_harvest_is_incremental(app, oai_server):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["harvest", oai_server.url, "--holder", "Massachusetts Institute of Technology"])
    assert first.exit_code == 0, first.output
    assert f"read {oai_server.live_count}" in first.output and "next harvest starts from 20" in first.output
    second = runner.invoke(args=["harvest", oai_server.url])
    assert "read 0" in second.output
    full = runner.invoke(args=["harvest", oai_server.url, "--full"])
    assert f"unchanged {oai_server.live_count}" in full.output


def test_reconcile_repairs_the_index(app, tmp_path):
    runner = app.test_cli_runner()
    runner.invoke(args=["import", "file", str(achievements_csv(tmp_path / "r.csv", 30, seed=3)), "--type", "achievement"])
    with app.app_context():
        current_search.delete_documents("achievements", ["ach-3", "ach-7"])  # lost writes
        current_search.index_documents("achievements", [IndexDoc("ach-999", 1, {"id": "ach-999", "title": "孤儿记录"})])  # a ghost
    report = runner.invoke(args=["index", "reconcile", "--dry-run"])
    assert "missing 2" in report.output and "orphans 1" in report.output
    fixed = runner.invoke(args=["index", "reconcile"])
    assert fixed.exit_code == 0 and "repaired 3 of 3" in fixed.output
    assert count(app) == 30
    assert "missing 0, stale 0, orphans 0" in runner.invoke(args=["index", "reconcile", "--dry-run"]).output


def test_cancel_a_running_import(store, redis_url, tmp_path):
    from web.services.imports import ImportService

    with stack(tmp_path, "sqlite", redis_url + "/8", store_url=store) as (s, app):
        s.start_worker(concurrency=1)
        job_id = submit(app, achievements_csv(tmp_path / "long.csv", 3000), record_type="achievement")
        asked = {}

        def cancel_midway(job):
            if not asked and job.committed_records >= 500:
                with app.app_context():
                    ImportService.from_app().cancel(None, job_id)
                asked["at"] = job.committed_records

        job = wait_for_job(app, job_id, tick=cancel_midway)
        assert asked and job.status == "cancelled"
        assert 500 <= job.created < 3000 and "cancelled" in job.message
        assert count(app) == job.created  # what was committed before the cancel is kept and indexed
