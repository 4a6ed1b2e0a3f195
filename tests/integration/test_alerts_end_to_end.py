"""From publishing a record to the alert, through real services: Redis, a Celery worker process,
the search engine (both), an SMTP server (aiosmtpd) and an HTTP server receiving the webhook;
then the subscription's private Atom feed, read with feedparser."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import feedparser
import pytest

from tests.apps import add_user
from tests.factories import AchievementInput, load_achievements

from .conftest import stack

pytestmark = pytest.mark.integration


class Hooks:
    """A webhook receiver on 127.0.0.1 that keeps every request."""

    def __init__(self):
        self.calls: list[tuple[dict[str, str], bytes]] = []
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                hooks.calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, n: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len(self.calls) < n and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(self.calls) >= n, f"{len(self.calls)} webhook calls, {n} expected"


@pytest.fixture
def hooks():
    h = Hooks()
    yield h
    h.server.shutdown()
    h.server.server_close()


def settle(seconds: float = 4.0) -> None:
    """Time for a worker to do what it would wrongly do (a second mail, a second call)."""
    time.sleep(seconds)


def test_a_published_record_reaches_the_mailbox_the_webhook_and_the_feed(engine, es_for, redis_url, tmp_path, smtp, hooks):
    from web.extensions import db
    from web.models import Subscription
    from web.proxies import current_services
    from web.services.identity import Identity, system_identity
    from web.services.webhooks import verify_signature

    env = {"TT_MAIL_SERVER": "127.0.0.1", "TT_MAIL_PORT": str(smtp.port), "TT_MAIL_SENDER": "alerts@test.local",
           "TT_ALERTS_WEBHOOK_ALLOW_PRIVATE": "true", "TT_PUBLIC_BASE_URL": "http://kjcg.test"}
    before = len(smtp.messages)
    with stack(tmp_path, engine, redis_url, es_for, env) as (s, app):
        uid = add_user(app, "investor", email=f"investor-{engine}@test.local")
        who = Identity(str(uid), frozenset({"investor"}))
        with app.app_context():
            sub = current_services.subscriptions.create(who, {
                "name": "锂电池新成果", "q": "锂电池", "type": "achievement", "filters": {"field": ["new_energy"]},
                "frequency": "immediate", "lang": "zh", "email": True, "webhook_url": hooks.url, "feed": True})
            sub_id, secret, feed_token = sub.id, sub.webhook_secret, sub.feed_token
        s.start_worker()

        (rid,) = load_achievements(app, [AchievementInput(title="高镍三元锂电池正极材料", keywords=["锂电池"], field="new_energy")])
        load_achievements(app, [AchievementInput(title="玉米抗旱新品种选育", keywords=["玉米"], field="modern_agriculture")])

        mail = smtp.wait(before + 1, timeout=90)
        assert mail["To"] == f"investor-{engine}@test.local"
        assert "锂电池新成果" in mail["Subject"]
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "http://kjcg.test/alerts/unsubscribe/" in mail["List-Unsubscribe"]
        text = mail.get_body(("plain",)).get_content()
        assert "高镍三元锂电池正极材料" in text and f"/records/{rid}" in text
        assert "锂电" in text  # why it matched: the highlighted words

        hooks.wait(1)
        headers, body = hooks.calls[0]
        assert verify_signature(secret, headers["x-tt-timestamp"], body, headers["x-tt-signature"])
        payload = json.loads(body)
        assert [item["id"] for item in payload["items"]] == [rid]
        assert payload["subscription"]["id"] == sub_id

        feed = feedparser.parse(app.test_client().get(f"/alerts/feeds/{feed_token}.atom").data)
        assert not feed.bozo and [e.title for e in feed.entries] == ["高镍三元锂电池正极材料"]

        # re-publishing without a significant change announces nothing: no second mail or call
        with app.app_context():
            service = current_services.for_type("achievement")
            data = service.dump(service.get(system_identity, rid))
            data["contact"] = {**data["contact"], "phone": "0431-85999999"}
            service.update(system_identity, rid, {k: v for k, v in data.items() if k not in ("id", "links", "record_type")})
        settle()
        assert len(smtp.messages) == before + 1 and len(hooks.calls) == 1
        with app.app_context():
            assert db.session.get(Subscription, sub_id).webhook_failures == 0


def test_beat_sends_a_daily_digest_once_even_when_the_worker_is_killed_and_restarted(redis_url, tmp_path, smtp):
    """The scheduler (beat, inside the worker) makes today's digest as soon as it is due; a
    killed and restarted worker and its new beat make no second one for the same day."""
    import os
    import signal
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from web.extensions import db
    from web.models import AlertDelivery, AlertMatch
    from web.proxies import current_services
    from web.services.identity import Identity

    hour = datetime.now(ZoneInfo("Asia/Shanghai")).hour  # today's digest is due from this hour
    env = {"TT_MAIL_SERVER": "127.0.0.1", "TT_MAIL_PORT": str(smtp.port), "TT_MAIL_SENDER": "alerts@test.local",
           "TT_ALERTS_DIGEST_HOUR": str(hour), "TT_ALERTS_DIGEST_SECONDS": "1", "TT_ALERTS_DELIVER_DUE_SECONDS": "1",
           "TT_PUBLIC_BASE_URL": "http://kjcg.test"}
    before = len(smtp.messages)
    with stack(tmp_path, "sqlite", redis_url, None, env) as (s, app):
        uid = add_user(app, "investor", email="digest@test.local")
        with app.app_context():
            sub = current_services.subscriptions.create(Identity(str(uid), frozenset({"investor"})), {
                "name": "每日电池", "q": "电池", "frequency": "daily", "email": True, "feed": False})
            sub_id = sub.id
        worker = s.start_worker(concurrency=1, beat=True)
        load_achievements(app, [AchievementInput(title="固态电池电解质", keywords=["电池"]),
                                AchievementInput(title="钠离子电池负极", keywords=["电池"])])
        mail = smtp.wait(before + 1, timeout=90)
        assert mail["Subject"] == "【每日摘要】每日电池：2 条新结果", s.worker_log()
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        s.workers.remove(worker)

        s.start_worker(concurrency=1, beat=True)
        load_achievements(app, [AchievementInput(title="锂电池隔膜", keywords=["电池"])])  # tomorrow's digest
        deadline = time.monotonic() + 60
        with app.app_context():  # the new worker matched it
            while db.session.query(AlertMatch).filter_by(subscription_id=sub_id).count() < 3 and time.monotonic() < deadline:
                time.sleep(0.2)
                db.session.expire_all()
            db.session.remove()
        settle(4)  # beat fires every second: a second digest would be made and sent by now
        assert len(smtp.messages) == before + 1, s.worker_log()
        with app.app_context():
            periods = [d.period for d in db.session.query(AlertDelivery).filter_by(subscription_id=sub_id)]
            assert len(periods) == 1 and periods[0].startswith("d")
            # the third record was matched by the new worker; it waits for tomorrow's digest
            waiting = db.session.query(AlertMatch).filter_by(subscription_id=sub_id, email_delivery_id=None).count()
            assert db.session.query(AlertMatch).filter_by(subscription_id=sub_id).count() == 3 and waiting == 1
