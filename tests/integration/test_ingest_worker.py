"""Imports through a real Celery worker and Redis, into both engines, from the real sample
data in ../shared/data; and the faults: the search engine down mid-import, a worker killed.

On production's store (PostgreSQL) too, a representative subset (the ``store`` fixture): the
same file twice, bad rows reported, a worker killed mid-import. The sample formats and the
harvest differ only in their readers, which do not touch the store, and take minutes on both
engines already; the command line's harvest (test_cli.py) runs on PostgreSQL."""
from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from indexer import Page, SearchRequest, Text
from tests.shared_data import require
from demo import generator

from .conftest import stack, wait_for_job

# real rows our schemas refuse, each for a stated reason:
EXPECTED_REJECTED = {
    "instruments-tsv": 6,  # status "PrepHPLC" is no operating status we know
}


def search_ids(app, index: str, text: str | None = None, size: int = 100, filters=()) -> list[str]:
    from web.proxies import current_search

    with app.app_context():
        current_search.refresh(index)
        result = current_search.search(SearchRequest(indices=(index,), query=Text(text) if text else None, filters=filters, page=Page(1, size)))
        return [h.id for h in result.hits]


def total(app, index: str, text: str | None = None) -> int:
    from web.proxies import current_search

    with app.app_context():
        current_search.refresh(index)
        return current_search.search(SearchRequest(indices=(index,), query=Text(text) if text else None, page=Page(1, 0))).total


def submit(app, path: Path, **kwargs) -> int:
    from web.services.imports import ImportService

    with app.app_context():
        service = ImportService.from_app()
        job = service.create_file_job(None, path, path.name, **kwargs)
        service.enqueue(job)
        return job.id


def achievements_csv(path: Path, n: int, seed: int = 7, bad_every: int = 0, skip: int = 0) -> Path:
    """A CSV of generated achievements in the template's Chinese columns (GB18030, as Excel
    saves it), with every ``bad_every``-th row broken; ``skip`` starts later in the stream
    (the stream is deterministic, so two files of one seed never share a record)."""
    from ingest import columns

    spec = columns.COLUMNS["achievement"]
    headers = [c.header for c in spec]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for i, rec in enumerate(generator.achievements(skip + n, seed, generator.institutions(seed)), start=1 - skip):
        if i < 1:
            continue
        row = columns.to_row("achievement", rec)
        if bad_every and i % bad_every == 0:
            row[headers.index(next(c.header for c in spec if c.path == "trl"))] = "十二"
        writer.writerow(row)
    path.write_bytes(out.getvalue().encode("gb18030"))
    return path


# -- every sample format, through the worker, into the engine -------------------------------------

def test_real_sample_formats_import_through_the_worker_and_are_found(engine, es_for, redis_url, tmp_path):
    patents_dir = require("cnipa-wipo-patent-xml-samples")
    uspto = require("uspto-xml-samples")
    pnnl = require("research-instruments-pnnl-dms/t_instrument_name.tsv")
    with stack(tmp_path, engine, redis_url + "/1", es_for) as (s, app):
        s.start_worker()
        jobs = {
            "cnipa-new": submit(app, next((patents_dir / "cnipa-new-v2.2.1").glob("cn_new1.xml"))),
            "cnipa-old": submit(app, next((patents_dir / "cnipa-old-cn-patent-document").glob("cn_old1.xml"))),
            "epo": submit(app, next((patents_dir / "epo-ep-patent-document-v1-0").rglob("DOC00001.xml"))),
            "uspto-weekly": submit(app, uspto / "go-uspto" / "test.xml"),
            "wipo-st96": submit(app, patents_dir / "wipo-st96" / "PatentPublication_Example.xml"),
            "epo-ops": submit(app, require("epo-ops-xml-samples/published-data_application_docdb_EP.13844704.A_biblio.xml")),
            "instruments-tsv": submit(app, pnnl, record_type="instrument", options={"defaults": {"institution": "Pacific Northwest National Laboratory"}}),
            "achievements-csv-gbk": submit(app, achievements_csv(tmp_path / "成果.csv", 40), record_type="achievement"),
            # third-party JSON Lines in their own shape: keys are read like spreadsheet headers
            "cn-patents-jsonl": submit(app, require("cn-patents-g06f/cn_patents_g06f.jsonl"), record_type="patent"),
            "csl-jsonl": submit(app, require("csl-chinese-scientific-literature/csl_records.jsonl"), record_type="achievement",
                                options={"defaults": {"institution": "CSL 中文科学文献"}}),
        }
        finished = {name: wait_for_job(app, job_id) for name, job_id in jobs.items()}
        for name, job in finished.items():
            assert job.status == "done", (name, job.message, s.worker_log())
            assert job.created > 0, (name, job.counts())
            assert job.rejected == EXPECTED_REJECTED.get(name, 0), (name, job.counts(), job.message)
        assert finished["cn-patents-jsonl"].created == 3662 and finished["csl-jsonl"].read == 1622
        assert "split" in (finished["csl-jsonl"].message or "")  # keys it could not place are named
        patent_jobs = ("cnipa-new", "cnipa-old", "epo", "uspto-weekly", "wipo-st96", "epo-ops", "cn-patents-jsonl")
        assert total(app, "patents") == sum(finished[k].created for k in patent_jobs)
        assert search_ids(app, "patents", "复制引擎")  # CN115525211A, from the JSON Lines
        assert search_ids(app, "achievements", "飞行器 镇定控制器")  # a CSL paper
        # 6 PNNL rows have the status "PrepHPLC", which is no operating status we know: rejected alone
        assert total(app, "instruments") == finished["instruments-tsv"].created == 201
        assert total(app, "achievements") == 40 + finished["csl-jsonl"].created
        assert search_ids(app, "patents", "显示设备") or search_ids(app, "patents", "显示")
        assert search_ids(app, "instruments", "orbitrap")
        first = next(generator.achievements(1, 7, generator.institutions(7)))
        assert search_ids(app, "achievements", first["title"])


def test_oai_pmh_harvest_through_the_worker(engine, es_for, redis_url, tmp_path, oai_server):
    from web.services.imports import ImportService

    with stack(tmp_path, engine, redis_url + "/2", es_for) as (s, app):
        s.start_worker()
        with app.app_context():
            service = ImportService.from_app()
            source = service.source_for(oai_server.url, holder="Massachusetts Institute of Technology")
            job = service.create_harvest_job(None, source)
            service.enqueue(job)
        job = wait_for_job(app, job.id)
        assert job.status == "done", job.message
        assert job.read == oai_server.live_count and job.rejected == 0  # every live record, deletions skipped
        assert total(app, "achievements") == job.created > 100
        with app.app_context():
            from web.extensions import db
            from web.models import HarvestSource

            assert db.session.get(HarvestSource, source.id).last_response_date
        # the second harvest is incremental and finds nothing new
        with app.app_context():
            service = ImportService.from_app()
            again = service.create_harvest_job(None, service.source_for(oai_server.url))
            service.enqueue(again)
        again = wait_for_job(app, again.id)
        assert again.status == "done" and again.created == 0 and again.read == 0


def test_importing_the_same_file_twice_changes_nothing(store, redis_url, tmp_path):
    with stack(tmp_path, "sqlite", redis_url + "/3", store_url=store) as (s, app):
        s.start_worker()
        path = achievements_csv(tmp_path / "twice.csv", 60, bad_every=20)
        first = wait_for_job(app, submit(app, path, record_type="achievement"))
        second = wait_for_job(app, submit(app, path, record_type="achievement"))
        assert (first.created, first.rejected) == (57, 3)
        assert (second.created, second.updated, second.unchanged, second.rejected) == (0, 0, 57, 3)
        assert total(app, "achievements") == 57


def test_bad_rows_are_reported_with_file_line_field_and_reason(store, redis_url, tmp_path):
    from web.services.imports import ImportService

    with stack(tmp_path, "sqlite", redis_url + "/4", store_url=store) as (s, app):
        s.start_worker()
        job = wait_for_job(app, submit(app, achievements_csv(tmp_path / "bad.csv", 30, bad_every=10), record_type="achievement"))
        assert (job.created, job.rejected) == (27, 3)
        with app.app_context():
            data = ImportService.from_app().errors_csv(ImportService.from_app().get(job.id)).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(data)))
        assert rows[0][0].startswith("文件")
        lines = sorted(int(r[2]) for r in rows[1:])
        assert lines == [11, 21, 31]  # the header is line 1
        assert all(r[4] == "trl" and "1-9" in r[5] for r in rows[1:])


@pytest.mark.parametrize("name, content, code", [
    ("zip-bomb.xlsx", None, "zip_bomb"),
    ("billion-laughs.xml", b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><lolz>&lol2;</lolz>', "xml_entities"),
    ("xxe.xml", b'<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>', "xml_entities"),
    ("report.pdf", b"%PDF-1.4 not a table", "unsupported_type"),
])
def test_unreadable_files_are_refused_and_nothing_is_written(redis_url, tmp_path, name, content, code):
    path = tmp_path / name
    if content is None:
        import zipfile

        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("[Content_Types].xml", "<x/>")
            zf.writestr("xl/worksheets/sheet1.xml", b"0" * (300 * 1024 * 1024))
    else:
        path.write_bytes(content)
    with stack(tmp_path, "sqlite", redis_url + "/5") as (s, app):
        s.start_worker()
        job = wait_for_job(app, submit(app, path, record_type="achievement"))
        assert job.status == "failed" and job.refusal_code == code, (job.message, job.refusal_code)
        assert job.read == 0 and total(app, "achievements") == 0


# -- faults ----------------------------------------------------------------------------------------

def test_search_engine_down_during_import_then_back(redis_url, tmp_path, es_url):
    """Elasticsearch stops while a worker imports: the store keeps every record, the outbox
    keeps every index write, and once the engine is back every good record is searchable
    exactly once."""
    from devtools import esnode

    port = esnode.DEFAULT_PORT + 20
    home = tmp_path / "es-fault"
    url, _ = esnode.start(port=port, home=home, clean=True)
    try:
        with stack(tmp_path, "elasticsearch", redis_url + "/6", url) as (s, app):
            s.start_worker(concurrency=1)
            path = achievements_csv(tmp_path / "big.csv", 1500, bad_every=100)
            job_id = submit(app, path, record_type="achievement")
            stopped = {}

            def stop_engine_midway(job):
                if not stopped and job.committed_records >= 500:
                    esnode.stop(home)
                    stopped["at"] = job.committed_records

            job = wait_for_job(app, job_id, tick=stop_engine_midway)
            assert stopped and stopped["at"] < 1500
            assert job.status == "done" and (job.created, job.rejected) == (1485, 15)
            with app.app_context():
                from web.proxies import current_services

                assert current_services.outbox.pending() > 0  # writes wait for the engine
            esnode.start(port=port, home=home)
            with app.app_context():
                from web.extensions import db
                from web.proxies import current_services

                deadline = time.monotonic() + 120
                while current_services.outbox.pending() and time.monotonic() < deadline:
                    db.session.expire_all()
                    app.extensions["celery"].send_task("ingest.drain_outbox")  # what beat does every 15 s
                    time.sleep(2)
                assert current_services.outbox.pending() == 0
                checks = {c.index: c for c in current_services.indexer.check(["achievements"])}
            assert checks["achievements"].ok and checks["achievements"].in_index == 1485
            assert total(app, "achievements") == 1485
    finally:
        esnode.stop(home)


def test_a_worker_killed_mid_import_resumes_and_nothing_is_half_indexed(store, redis_url, tmp_path):
    """On PostgreSQL the server rolls back the dead process's open transaction itself."""
    with stack(tmp_path, "sqlite", redis_url + "/7", store_url=store) as (s, app):
        worker = s.start_worker(concurrency=1)
        path = achievements_csv(tmp_path / "kill.csv", 2000)
        job_id = submit(app, path, record_type="achievement")
        killed = {}

        def kill_the_child(job):
            if not killed and job.status == "running" and job.committed_records >= 500:
                children = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True, text=True).stdout.split()
                assert children, "no pool process to kill"
                for pid in children:
                    os.kill(int(pid), signal.SIGKILL)  # the process running the import dies mid-batch
                killed["at"] = job.committed_records

        job = wait_for_job(app, job_id, tick=kill_the_child, timeout=300)
        assert killed, "the import finished before it could be interrupted"
        assert job.status == "done", (job.message, s.worker_log())
        assert job.attempts >= 2  # picked up again after the kill
        assert (job.read, job.created, job.rejected) == (2000, 2000, 0)
        with app.app_context():
            from web.extensions import db
            from web.models import Achievement
            from web.proxies import current_services

            assert db.session.query(Achievement).count() == 2000
            # rows the killed process had claimed are released after the claim time; then
            # every record is indexed once (what the periodic drain does)
            deadline = time.monotonic() + 60
            while current_services.outbox.pending() and time.monotonic() < deadline:
                current_services.outbox.drain()
                time.sleep(1)
            assert [c.ok for c in current_services.indexer.check(["achievements"])] == [True]
        assert total(app, "achievements") == 2000
