"""No duplicate alert after a worker is killed mid-delivery: real Redis, real Celery workers,
a real SMTP server that hangs on the first message's DATA until the worker is dead."""
from __future__ import annotations

import asyncio
import os
import signal
import threading
import time

import pytest

from tests.integration.alert_world import make_matches, make_subscription, queue
from tests.integration.conftest import Inbox, free_port, stack
from web.extensions import db
from web.models import AlertDelivery
from web.proxies import current_services

pytestmark = pytest.mark.integration


class HangingInbox(Inbox):
    """Keeps every message but the first, whose DATA it never answers (until released)."""

    def __init__(self):
        super().__init__()
        self.hanging = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if not self.hanging.is_set():
            self.hanging.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 too late"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def hanging_smtp():
    from aiosmtpd.controller import Controller

    inbox = HangingInbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    inbox.release.set()
    controller.stop()


def test_a_worker_killed_mid_delivery_leaves_one_mail_not_two(tmp_path, redis_url, hanging_smtp, monkeypatch):
    for key, value in {"TT_MAIL_SERVER": "127.0.0.1", "TT_MAIL_PORT": str(hanging_smtp.port), "TT_MAIL_SENDER": "platform@test.local",
                       "TT_MAIL_TIMEOUT": "60", "TT_ALERTS_CLAIM_SECONDS": "2"}.items():
        monkeypatch.setenv(key, value)
    with stack(tmp_path, "sqlite", redis_url) as (s, app):
        worker = s.start_worker(concurrency=1)
        sub_id = make_subscription(app)
        [delivery_id] = queue(app, make_matches(app, sub_id, "achievement", "patent"))
        with app.app_context():
            current_services.alert_deliveries.dispatch([delivery_id])

        assert hanging_smtp.hanging.wait(30), s.worker_log()  # the worker is inside DATA
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        hanging_smtp.release.set()
        with app.app_context():
            row = db.session.get(AlertDelivery, delivery_id)
            assert row.status == "pending" and row.claimed_until is not None  # the dead worker's claim
            db.session.remove()

        s.start_worker(concurrency=1)
        celery = app.extensions["celery"]
        celery.send_task("alerts.deliver_due")  # within the claim: takes nothing
        time.sleep(2.5)  # the claim expires
        celery.send_task("alerts.deliver_due")
        celery.send_task("alerts.deliver_due")  # a second scheduler at the same time
        hanging_smtp.wait(1, timeout=30)
        deadline = time.monotonic() + 10
        with app.app_context():
            while time.monotonic() < deadline:
                db.session.expire_all()
                row = db.session.get(AlertDelivery, delivery_id)
                if row.status == "sent":
                    break
                time.sleep(0.1)
            assert (row.status, row.attempts) == ("sent", 1), s.worker_log()
            db.session.remove()
        time.sleep(1)  # a duplicate would have arrived by now
        assert len(hanging_smtp.messages) == 1
        assert hanging_smtp.messages[0]["Message-ID"] == f"<alert-delivery-{delivery_id}@127.0.0.1>"
