"""The outbox's drain of some entries while others wait (another process's batch, a back-off):
on both stores, the report says how many wait and when the earliest is due. On PostgreSQL the
column reads back with its offset, and the report's arithmetic once raised there, so every
inline drain of parallel imports failed and left its records to the periodic drain."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.apps import STORES, close_app, make_app, store_config
from tests.factories import AchievementInput, load_achievements


@pytest.fixture(params=STORES)
def app(request, tmp_path):
    app = make_app(tmp_path, INDEXING_MODE="deferred", **store_config(request))
    yield app
    close_app(app)


def test_a_drain_of_some_entries_reports_the_others_waiting(app):
    from web.extensions import db
    from web.models import OutboxEntry
    from web.proxies import current_services

    load_achievements(app, AchievementInput.build_batch(3))
    with app.app_context():
        entries = db.session.scalars(select(OutboxEntry).order_by(OutboxEntry.id)).all()
        waiting = len(entries) - 1
        report = current_services.outbox.drain(ids=[entries[0].id])
        assert report.error is None and report.indexed == 1
        assert report.remaining == waiting and report.retry_in == 0.0  # the others are due now
        report = current_services.outbox.drain()
        assert report.indexed == waiting and report.remaining == 0


@pytest.fixture(params=STORES)
def inline_app(request, tmp_path):
    app = make_app(tmp_path, INDEXING_MODE="inline", **store_config(request))
    yield app
    close_app(app)


def _record_reads(app, statements: list[str]):
    """Collect the SELECTs of achievements that run while the hook is installed."""
    from sqlalchemy import event

    from web.extensions import db

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "FROM achievements" in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    return lambda: event.remove(db.engine, "before_cursor_execute", before)


def test_a_commit_indexes_its_records_from_memory_without_reading_them_back(inline_app):
    """The records an import batch commits are indexed as the commit left them: no read of
    the achievements table between the commit and the index (a tenth of a batch's indexing)."""
    from indexer import Page, SearchRequest
    from web.proxies import current_search, current_services

    app = inline_app
    with app.app_context():
        reads: list[str] = []
        stop = _record_reads(app, reads)
        original = current_services.outbox.drain
        during: list[str] = []

        def drain(*args, **kwargs):
            before = len(reads)
            try:
                return original(*args, **kwargs)
            finally:
                during.extend(reads[before:])

        current_services.outbox.drain = drain
        try:
            ids = load_achievements(app, AchievementInput.build_batch(5))
        finally:
            stop()
            del current_services.outbox.drain
        assert during == []
        current_search.refresh()
        found = current_search.search(SearchRequest(indices=("achievements",), page=Page(1, 10)))
        assert sorted(h.id for h in found.hits) == sorted(ids)
        assert current_services.outbox.pending() == 0


def test_a_record_the_same_commit_deleted_is_read_back_and_leaves_the_index(inline_app):
    """A record registered for indexing and then deleted in the same transaction is no longer
    in its session after the commit: the drain reads it back, finds its row gone and takes it
    out of the index (never indexes the deleted record from memory)."""
    from indexer import Page, SearchRequest
    from web.extensions import db
    from web.models import Achievement
    from web.proxies import current_search, current_services
    from web.services.outbox import in_session
    from web.services.uow import IndexOp

    app = inline_app
    ids = load_achievements(app, AchievementInput.build_batch(2))
    with app.app_context():
        gone = db.session.get(Achievement, Achievement.parse_public_id(ids[0]))
        kept = db.session.get(Achievement, Achievement.parse_public_id(ids[1]))
        with current_services.unit_of_work() as uow:
            uow.register(IndexOp([gone, kept]))
            db.session.delete(gone)
        assert set(in_session([gone, kept])) == {ids[1]}
        current_search.refresh()
        found = current_search.search(SearchRequest(indices=("achievements",), page=Page(1, 10)))
        assert [h.id for h in found.hits] == [ids[1]]
        assert current_services.outbox.pending() == 0
