"""Elasticsearch stops answering part-way through a bulk write (after one chunk was accepted,
before the next), as when the node a client talks to dies: the outbox keeps every entry whose
record did not reach the index, even when the engine had also refused a document of the same
drain, and a rebuild keeps the live index instead of swapping in a partial copy."""
from __future__ import annotations

import time
from urllib.parse import urlparse

import uuid

import pytest
from sqlalchemy import select, update

from indexer import BackendUnavailable, IndexDoc, get_backend
from tests.faultproxy import FaultProxy

from .conftest import stack
from .test_ingest_worker import achievements_csv

pytestmark = [pytest.mark.es, pytest.mark.integration]

RECORDS = 600  # more than one bulk chunk (indexer/elasticsearch/bulk.py: CHUNK_SIZE 500)


@pytest.fixture
def proxy(es_url):
    p = FaultProxy(urlparse(es_url).port)
    yield p
    p.close()


def test_entries_stay_when_the_engine_goes_away_after_refusing_a_document(proxy, redis_url, tmp_path):
    from ingest.pipeline import ImportPipeline
    from web.extensions import db
    from web.models import Achievement, OutboxEntry
    from web.proxies import current_search, current_services
    from web.services.imports import ImportService

    # "deferred": the import leaves every index write to the drain, which the test runs itself
    with stack(tmp_path, "elasticsearch", redis_url + "/12", proxy.url, env={"TT_INDEXING_MODE": "deferred"}) as (s, app):
        with app.app_context():
            service = ImportService.from_app()
            path = achievements_csv(tmp_path / "outbox.csv", RECORDS)
            job = ImportPipeline().run(service.create_file_job(None, path, path.name, record_type="achievement").id)
            assert (job.status, job.created) == ("done", RECORDS), job.counts()
            ids = sorted(db.session.scalars(select(Achievement.id)))
            # one record the engine refuses: a TRL beyond its integer field (the store takes it)
            refused = f"{Achievement.PREFIX}-{ids[0]}"
            db.session.execute(update(Achievement).where(Achievement.id == ids[0]).values(trl=10**12))
            db.session.commit()

            # the first chunk is accepted (but for the refused record); the engine is gone for the next
            proxy.cut_requests_with(f'"_id":"{Achievement.PREFIX}-{ids[-1]}"'.encode())
            report = current_services.outbox.drain()
            assert proxy.cut, "the last chunk was never sent"
            proxy.cut_requests_with(None)
            indexed = {doc_id for doc_id, _ in current_search.iter_versions("achievements")}
            assert 0 < len(indexed) < RECORDS  # the break came part-way
            waiting = set(db.session.scalars(select(OutboxEntry.record_id).where(OutboxEntry.index == "achievements")))
            store = {f"{Achievement.PREFIX}-{i}" for i in ids}
            assert store - indexed - waiting == set()  # no record both unindexed and out of the outbox
            assert refused in waiting
            assert report.error and "unreachable" in report.error, report  # the drain stopped there

            # the engine answers again: everything but the refused record is indexed at the next drains
            deadline = time.monotonic() + 30
            while current_services.outbox.pending() > 1 and time.monotonic() < deadline:
                db.session.expire_all()
                current_services.outbox.drain()
                time.sleep(0.5)
            assert set(db.session.scalars(select(OutboxEntry.record_id))) == {refused}
            check = current_services.indexer.check(["achievements"])[0]
            assert check.missing == [refused] and not check.stale and not check.orphans, check


def test_a_rebuild_cut_short_keeps_the_live_index(proxy):
    backend = get_backend("elasticsearch", {"es_hosts": proxy.url, "es_number_of_replicas": 0, "index_prefix": f"r{uuid.uuid4().hex[:8]}-"})
    try:
        backend.ensure_indices(["achievements"])
        live = [IndexDoc(f"ach-{n}", 1, {"id": f"ach-{n}", "status": "published", "title": f"旧记录 {n}"}) for n in (1, 2, 3)]
        assert backend.index_documents("achievements", live).ok
        backend.refresh("achievements")
        new = [IndexDoc(f"ach-{n}", 2, {"id": f"ach-{n}", "status": "published", "title": f"新记录 {n}"}) for n in range(1, RECORDS + 1)]
        proxy.cut_requests_with(f'"_id":"ach-{RECORDS}"'.encode())  # in the second chunk
        with pytest.raises(BackendUnavailable, match="part-way"):
            backend.rebuild("achievements", new)
        assert proxy.cut
        proxy.cut_requests_with(None)
        assert sorted(backend.iter_versions("achievements")) == [("ach-1", 1), ("ach-2", 1), ("ach-3", 1)]
        physical = backend.client.indices.get(index=f"{backend.prefix}achievements-v*")
        assert len(physical) == 1, physical  # the partial copy is gone
    finally:
        proxy.cut_requests_with(None)
        backend.drop_indices()
        backend.close()
