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
