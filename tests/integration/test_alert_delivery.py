"""Alert delivery against a real SMTP server (aiosmtpd) and a real HTTP receiver: immediate
mail in both languages saying why, signed webhooks, retries and the switch-off after repeated
failures, and digests made once per subscription, channel and period."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from tests.apps import close_app, email_of, mail_config, make_app
from tests.integration.alert_world import WebhookReceiver, make_matches, make_subscription, queue
from web.extensions import db
from web.models import AlertDelivery, AlertMatch, Subscription
from web.proxies import current_services
from web.services.webhooks import verify_signature

BASE = "https://kjcg.example.cn"


@pytest.fixture(scope="module")
def app(tmp_path_factory, smtp):
    app = make_app(tmp_path_factory.mktemp("alerts"), **mail_config(smtp), PUBLIC_BASE_URL=BASE,
                   ALERTS_WEBHOOK_ALLOW_PRIVATE=True, ALERTS_WEBHOOK_TIMEOUT=3, ALERTS_RETRY_BASE_SECONDS=10,
                   ALERTS_WEBHOOK_DISABLE_AFTER=3, MAIL_TIMEOUT=5)
    yield app
    close_app(app)


@pytest.fixture(autouse=True)
def empty_mailbox(smtp):
    smtp.messages.clear()


@pytest.fixture
def receiver():
    with WebhookReceiver() as r:
        yield r


def deliver(app, delivery_id: int, now: datetime | None = None) -> str:
    with app.app_context():
        return current_services.alert_deliveries.deliver(delivery_id, now)


def delivery(app, delivery_id: int) -> AlertDelivery:
    with app.app_context():
        row = db.session.get(AlertDelivery, delivery_id)
        db.session.expunge(row)
        return row


def subscription(app, sub_id: int) -> Subscription:
    with app.app_context():
        row = db.session.get(Subscription, sub_id)
        db.session.expunge(row)
        return row


def text_and_html(msg) -> tuple[str, str]:
    return msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


# -- immediate e-mail -----------------------------------------------------------------------------
def test_an_immediate_alert_in_chinese_says_why_and_offers_one_click_unsubscribe(app, smtp):
    sub_id = make_subscription(app)
    match_ids = make_matches(app, sub_id, "patent", "achievement")
    [delivery_id] = queue(app, match_ids)
    assert deliver(app, delivery_id) == "sent"

    msg = smtp.wait(1)
    assert msg["To"] == email_of(app, subscription(app, sub_id).user_id)
    assert msg["Subject"].startswith("【订阅提醒】石墨烯电池") and "2" in msg["Subject"]
    assert msg["Message-ID"] == f"<alert-delivery-{delivery_id}@kjcg.example.cn>"
    assert msg["List-Id"] == f"石墨烯电池 <alerts-{sub_id}.kjcg.example.cn>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = msg["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith(f"{BASE}/alerts/unsubscribe/")
    assert msg["Auto-Submitted"] == "auto-generated"

    text, html = text_and_html(msg)
    # each item: title, type, link, the matched words and the filters with their labels
    assert "匹配词: 石墨烯、电池" in text and "所在地市: 长春市" in text
    assert "检索条件: 检索词: 石墨烯 电池; 所在地市: 长春市" in text
    with app.app_context():
        matches = db.session.scalars(select(AlertMatch).where(AlertMatch.id.in_(match_ids)).order_by(AlertMatch.id)).all()
        assert all(m.email_delivery_id == delivery_id and m.webhook_delivery_id is None for m in matches)
        patent, achievement = matches
    assert f"{BASE}/records/{patent.record_id}" in text and patent.title in text
    # grouped by record type, achievements first
    assert text.index("== 科技成果 (1) ==") < text.index(achievement.title) < text.index("== 专利 (1) ==") < text.index(patent.title)
    assert "… 一种[石墨烯]负极材料" in text
    # the HTML keeps the highlight and escapes everything else the engine sent
    assert "<mark>石墨烯</mark>负极&lt;b&gt;材料&lt;/b&gt;" in html
    assert f'href="{BASE}/records/{achievement.record_id}"' in html

    # the one-click POST of RFC 8058 works without signing in (and without a CSRF token)
    response = app.test_client().post(urlsplit(unsubscribe).path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert subscription(app, sub_id).email_enabled is False


def test_an_immediate_alert_in_english_uses_english_titles_and_labels(app, smtp):
    sub_id = make_subscription(app, lang="en", name="Graphene")
    [match_id] = make_matches(app, sub_id, "instrument")
    [delivery_id] = queue(app, [match_id])
    assert deliver(app, delivery_id) == "sent"
    msg = smtp.wait(1)
    text, html = text_and_html(msg)
    with app.app_context():
        match = db.session.get(AlertMatch, match_id)
        record_id, title_en = match.record_id, match.title_en
    assert msg["Subject"] == "[Alert] Graphene: new results (1)"
    assert title_en in text and "石墨烯电池样品" not in text  # the English title when there is one
    assert "City: Changchun" in text and "所在地市" not in text and "长春市" not in text
    assert f"{BASE}/records/{record_id}?lang=en" in text
    assert msg["List-Unsubscribe"].startswith(f"<{BASE}/alerts/unsubscribe/")
    assert '<html lang="en">' in html


def test_a_paused_subscription_or_a_channel_switched_off_sends_nothing(app, smtp):
    paused = make_subscription(app, paused=True)
    assert queue(app, make_matches(app, paused, "achievement")) == []  # nothing to dispatch
    with app.app_context():
        rows = db.session.scalars(select(AlertDelivery).where(AlertDelivery.subscription_id == paused)).all()
        assert [(r.status, r.last_error) for r in rows] == [("dropped", "subscription paused")]

    switched_off = make_subscription(app)
    [delivery_id] = queue(app, make_matches(app, switched_off, "achievement"))
    with app.app_context():
        db.session.get(Subscription, switched_off).email_enabled = False
        db.session.commit()
    assert deliver(app, delivery_id) == "dropped"
    assert deliver(app, delivery_id) == "skipped"  # done is done
    assert delivery(app, delivery_id).last_error == "email switched off"
    assert smtp.messages == []


def test_without_a_mail_server_the_alert_is_logged(tmp_path, caplog):
    app = make_app(tmp_path)
    try:
        sub_id = make_subscription(app)
        [delivery_id] = queue(app, make_matches(app, sub_id, "achievement"))
        assert deliver(app, delivery_id) == "sent"
        assert delivery(app, delivery_id).last_error == "no mail server: logged"
        assert "石墨烯电池样品" in caplog.text
    finally:
        close_app(app)


def test_a_refused_mail_is_retried_with_backoff(app, smtp):
    sub_id = make_subscription(app)
    [delivery_id] = queue(app, make_matches(app, sub_id, "achievement"))
    with app.app_context():
        mailer = current_services.mailer
        port, mailer.settings.port = mailer.settings.port, 9  # nothing listens there
        try:
            now = datetime.now(timezone.utc)
            assert current_services.alert_deliveries.deliver(delivery_id, now) == "pending"
        finally:
            mailer.settings.port = port
    row = delivery(app, delivery_id)
    assert row.attempts == 1 and row.claimed_until is None and "Error" in row.last_error
    assert abs((row.next_attempt_at.replace(tzinfo=timezone.utc) - now) - timedelta(seconds=10)) < timedelta(seconds=1)
    with app.app_context():
        assert current_services.alert_deliveries.deliver_due(now + timedelta(seconds=5)) == 0  # not yet
        assert current_services.alert_deliveries.deliver_due(now + timedelta(seconds=11)) >= 1
    assert delivery(app, delivery_id).status == "sent"
    assert len(smtp.messages) == 1


# -- webhooks -------------------------------------------------------------------------------------
def test_a_webhook_gets_a_signed_json_call(app, receiver, smtp):
    sub_id = make_subscription(app, email_enabled=False, webhook_enabled=True, webhook_url=receiver.url,
                               webhook_secret="hook-secret-1", webhook_failures=2)
    match_ids = make_matches(app, sub_id, "achievement", "patent")
    [delivery_id] = queue(app, match_ids)
    assert deliver(app, delivery_id) == "sent"

    call = receiver.wait(1)
    assert call.path == "/hooks/tt"
    assert call.headers["Content-Type"] == "application/json"
    assert call.headers["Host"] == f"127.0.0.1:{receiver.port}"
    assert call.headers["X-TT-Delivery"] == str(delivery_id)
    assert verify_signature("hook-secret-1", call.headers["X-TT-Timestamp"], call.body, call.headers["X-TT-Signature"])
    assert not verify_signature("another-secret", call.headers["X-TT-Timestamp"], call.body, call.headers["X-TT-Signature"])
    body = call.json()
    assert body["delivery"] == delivery_id
    assert body["subscription"] == {"id": sub_id, "name": "石墨烯电池",
                                    "search": {"type": "all", "q": "石墨烯 电池", "city": ["changchun"]}}
    assert [i["record_type"] for i in body["items"]] == ["achievement", "patent"]
    item = body["items"][0]
    assert set(item) == {"id", "record_type", "title", "title_en", "url", "matched_at", "why"}
    assert item["url"] == f"{BASE}/records/{item['id']}"
    assert item["why"]["words"] == ["石墨烯", "电池"] and item["why"]["filters"] == {"city": ["changchun"]}
    assert subscription(app, sub_id).webhook_failures == 0  # a success ends a run of failures
    assert smtp.messages == []  # e-mail is off for this one


def test_a_failing_webhook_is_retried_with_backoff_then_switched_off_with_a_notice(app, receiver, smtp):
    receiver.status = 500
    sub_id = make_subscription(app, email_enabled=False, webhook_enabled=True, webhook_url=receiver.url,
                               webhook_secret="hook-secret-2", lang="zh")
    [first] = queue(app, make_matches(app, sub_id, "achievement"))
    [second] = queue(app, make_matches(app, sub_id, "patent"))
    t0 = datetime.now(timezone.utc)
    with app.app_context():
        # the second waits for later (as if dispatched late): it is dropped with the switch-off
        db.session.get(AlertDelivery, second).next_attempt_at = t0 + timedelta(hours=1)
        db.session.commit()

    assert deliver(app, first, t0) == "pending"
    row = delivery(app, first)
    assert row.attempts == 1 and row.last_error.startswith("HTTP 500")
    assert row.next_attempt_at.replace(tzinfo=timezone.utc) == t0 + timedelta(seconds=10)
    with app.app_context():
        service = current_services.alert_deliveries
        assert service.deliver_due(t0 + timedelta(seconds=9)) == 0  # backing off
        service.deliver_due(t0 + timedelta(seconds=10))  # attempt 2; the next waits twice as long
    row = delivery(app, first)
    assert row.attempts == 2 and row.next_attempt_at.replace(tzinfo=timezone.utc) == t0 + timedelta(seconds=30)
    assert subscription(app, sub_id).webhook_failures == 2
    with app.app_context():
        service.deliver_due(t0 + timedelta(seconds=30))  # the third failure in a row: switched off

    assert len(receiver.calls) == 3
    assert len({c.headers["X-TT-Delivery"] for c in receiver.calls}) == 1  # retries carry the same key
    sub = subscription(app, sub_id)
    assert sub.webhook_enabled is False and sub.webhook_disabled_at is not None
    assert sub.webhook_failures == 3 and sub.webhook_last_error.startswith("HTTP 500")
    assert delivery(app, first).status == "failed"
    assert delivery(app, second).status == "dropped"
    notice = smtp.wait(1)
    assert notice["To"] == email_of(app, sub.user_id)
    assert "Webhook 已停用" in notice["Subject"] and "石墨烯电池" in notice["Subject"]
    body = notice.get_content()
    assert "3 次" in body and "HTTP 500" in body and receiver.url in body
    with app.app_context():
        assert service.deliver_due(t0 + timedelta(hours=2)) == 0
    assert len(receiver.calls) == 3


def test_a_webhook_is_never_redirected(app, receiver):
    receiver.status = 302
    sub_id = make_subscription(app, email_enabled=False, webhook_enabled=True, webhook_url=receiver.url, webhook_secret="k")
    [delivery_id] = queue(app, make_matches(app, sub_id, "achievement"))
    assert deliver(app, delivery_id) == "pending"
    assert delivery(app, delivery_id).last_error.startswith("HTTP 302")


def test_webhooks_to_private_addresses_are_refused_unless_allowed(app):
    sub_id = make_subscription(app, email_enabled=False, webhook_enabled=True, webhook_url="http://127.0.0.1:9/x", webhook_secret="k")
    [delivery_id] = queue(app, make_matches(app, sub_id, "achievement"))
    with app.app_context():
        current_services.alert_deliveries.webhooks.allow_private = False
        try:
            assert current_services.alert_deliveries.deliver(delivery_id) == "pending"
        finally:
            current_services.alert_deliveries.webhooks.allow_private = True
    assert "127.0.0.1" in delivery(app, delivery_id).last_error and "private" in delivery(app, delivery_id).last_error


# -- digests --------------------------------------------------------------------------------------
def local(*args: int) -> datetime:
    """A Shanghai wall-clock time, in UTC."""
    return datetime(*args, tzinfo=timezone(timedelta(hours=8))).astimezone(timezone.utc)


def test_digests_are_grouped_by_subscription_channel_and_period(app, smtp, receiver):
    monday = local(2026, 11, 30, 9, 0)  # after 08:00: the daily of 30 Nov and the weekly of week 49 are due
    earlier = monday - timedelta(hours=20)
    daily = make_subscription(app, frequency="daily", name="每日订阅")
    both = make_subscription(app, frequency="daily", name="两个渠道", webhook_enabled=True, webhook_url=receiver.url, webhook_secret="k")
    weekly = make_subscription(app, frequency="weekly", name="每周订阅", lang="en")
    quiet = make_subscription(app, frequency="daily", name="没有结果")
    paused = make_subscription(app, frequency="daily", name="暂停", paused=True)
    make_matches(app, daily, "patent", "achievement", "achievement", created_at=earlier)
    make_matches(app, both, "instrument", created_at=earlier)
    make_matches(app, weekly, "achievement", "patent", created_at=earlier - timedelta(days=3))
    make_matches(app, paused, "achievement", created_at=earlier)
    mine = {daily, both, weekly, quiet, paused}

    def made(ids: list[int]) -> list[tuple[int, str, str, str]]:
        with app.app_context():
            rows = [db.session.get(AlertDelivery, i) for i in ids]
            return sorted((r.subscription_id, r.channel, r.kind, r.period) for r in rows if r.subscription_id in mine)

    with app.app_context():
        service = current_services.alert_deliveries
        first = service.create_digests(monday)
    assert made(first) == sorted([
        (daily, "email", "daily", "d2026-11-30"),
        (both, "email", "daily", "d2026-11-30"), (both, "webhook", "daily", "d2026-11-30"),
        (weekly, "email", "weekly", "w2026-W49"),
    ])  # nothing for the subscription without matches, nor for the paused one
    with app.app_context():
        assert made(service.create_digests(monday)) == []  # a second run in the same period makes nothing
        assert made(service.create_digests(monday + timedelta(hours=3))) == []
        # every match is carried once per channel
        carried = {m.subscription_id: (m.email_delivery_id, m.webhook_delivery_id)
                   for m in db.session.scalars(select(AlertMatch).where(AlertMatch.subscription_id == both))}
        assert all(e is not None and w is not None for e, w in carried.values())

    by_sub = {}
    with app.app_context():
        for i in first:
            row = db.session.get(AlertDelivery, i)
            by_sub.setdefault(row.subscription_id, []).append((row.channel, i))
    for channel, i in by_sub[daily]:
        assert deliver(app, i, monday) == "sent"
    msg = smtp.wait(1)
    assert msg["Subject"].startswith("【每日摘要】每日订阅") and "3" in msg["Subject"]
    text = msg.get_body(("plain",)).get_content()
    assert text.index("== 科技成果 (2) ==") < text.index("== 专利 (1) ==")
    assert "每日摘要：" in text
    for channel, i in by_sub[weekly]:
        assert deliver(app, i, monday) == "sent"
    english = smtp.wait(2)
    english_text = english.get_body(("plain",)).get_content()
    assert "Graphene battery sample" in english_text and "Achievement" in english_text
    for channel, i in by_sub[both]:
        assert deliver(app, i, monday) == "sent"
    assert len(receiver.calls) == 1 and len(receiver.calls[0].json()["items"]) == 1
    assert smtp.wait(3)["Subject"].startswith("【每日摘要】两个渠道")

    # a match arriving later in the day waits for the next day's digest, alone
    [late] = make_matches(app, daily, "instrument", created_at=monday + timedelta(hours=1))
    with app.app_context():
        assert made(service.create_digests(monday + timedelta(hours=2))) == []
        tuesday = service.create_digests(monday + timedelta(days=1))
        assert made(tuesday) == [(daily, "email", "daily", "d2026-12-01")]
        [next_day] = [i for i in tuesday if db.session.get(AlertDelivery, i).subscription_id == daily]
        assert db.session.scalars(select(AlertMatch.id).where(AlertMatch.email_delivery_id == next_day)).all() == [late]
        # the weekly one has nothing new until next week's
        assert made(service.create_digests(monday + timedelta(days=7))) == []
    assert deliver(app, next_day, monday + timedelta(days=1)) == "sent"
    assert smtp.wait(4)["Subject"] == "【每日摘要】每日订阅：1 条新结果"
    assert len(smtp.messages) == 4


def test_two_schedulers_make_one_digest(app):
    """The unique (subscription, channel, period): a concurrent run that lost is a no-op."""
    sub_id = make_subscription(app, frequency="daily", name="并发")
    now = local(2026, 12, 3, 9, 0)
    make_matches(app, sub_id, "achievement", created_at=now - timedelta(hours=2))
    with app.app_context():
        db.session.add(AlertDelivery(subscription_id=sub_id, channel="email", kind="daily", period="d2026-12-03",
                                     status="sent", attempts=1, next_attempt_at=now))
        db.session.commit()
        service = current_services.alert_deliveries
        # the other scheduler's row exists, but this one's query ran before it (simulated by calling the step)
        assert service._make_digest(sub_id, "email", "daily", "d2026-12-03", now - timedelta(days=31), now) is None
        db.session.commit()
        assert db.session.scalars(select(AlertMatch.email_delivery_id).where(AlertMatch.subscription_id == sub_id)).all() == [None]


def test_the_beat_schedule_has_the_alert_tasks(tmp_path):
    from web import create_app

    app = create_app({"ENV": "development", "INSTANCE_PATH": str(tmp_path), "ALERTS_DELIVER_DUE_SECONDS": 2})
    celery = app.extensions["celery"]
    schedule = celery.conf.beat_schedule
    assert schedule["alerts-deliver-due"] == {"task": "alerts.deliver_due", "schedule": 2.0}
    assert schedule["alerts-send-digests"] == {"task": "alerts.send_digests", "schedule": 300.0}
    import ingest.alert_tasks  # noqa: F401 - what the worker entry imports

    assert {"alerts.deliver", "alerts.deliver_due", "alerts.send_digests"} <= set(celery.tasks)
