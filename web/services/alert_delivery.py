"""Delivering alerts: immediate alerts and digests, by e-mail and webhook, once each.

* What to send is decided in the database first: an ``AlertDelivery`` row per subscription,
  channel and period, and each ``AlertMatch`` notes which delivery carries it on each channel.
  The unique (subscription, channel, period) makes a second scheduler run, or two schedulers,
  a no-op; a match carried once is never carried again on that channel.
* Sending claims the row for a while (``ALERTS_CLAIM_SECONDS``) by a conditional UPDATE that
  only one worker can win; a worker killed mid-send leaves a claim that expires, and the
  periodic ``deliver_due`` takes the row again. A mail re-sent so keeps its ``Message-ID``.
* Failures back off exponentially up to ``ALERTS_MAX_ATTEMPTS``; a webhook failing
  ``ALERTS_WEBHOOK_DISABLE_AFTER`` times in a row is switched off and its owner told by mail.
* This service commits its own work: it runs from Celery tasks, one delivery per transaction.
"""
from __future__ import annotations

import json
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import InstrumentedAttribute

from ..models import AlertDelivery, AlertMatch, Subscription
from .alert_links import AlertLinks
from .alert_mail import AlertMail
from .alert_periods import DigestSchedule, immediate_key
from .mail import Mailer
from .webhooks import WebhookClient

log = logging.getLogger(__name__)

DELIVER_TASK = "alerts.deliver"
NO_MAIL_SERVER = "no mail server: logged"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _aware(dt: datetime | None) -> datetime | None:
    """Stored times are UTC; SQLite gives them back without a zone."""
    return dt.replace(tzinfo=timezone.utc) if dt is not None and dt.tzinfo is None else dt


@dataclass(frozen=True)
class DeliverySettings:
    schedule: DigestSchedule = field(default_factory=DigestSchedule)
    claim_seconds: float = 300
    max_attempts: int = 8
    retry_base_seconds: float = 60
    retry_max_seconds: float = 6 * 3600
    webhook_disable_after: int = 8
    digest_max_age_days: int = 31
    due_batch: int = 200  # deliveries one deliver_due run sends at most (the next run takes the rest)

    @classmethod
    def from_config(cls, config: Any) -> "DeliverySettings":
        return cls(
            DigestSchedule(config.get("ALERTS_TIMEZONE") or "Asia/Shanghai", int(config.get("ALERTS_DIGEST_HOUR", 8)),
                           int(config.get("ALERTS_DIGEST_WEEKDAY", 0))),
            float(config.get("ALERTS_CLAIM_SECONDS", 300)), int(config.get("ALERTS_MAX_ATTEMPTS", 8)),
            float(config.get("ALERTS_RETRY_BASE_SECONDS", 60)), float(config.get("ALERTS_RETRY_MAX_SECONDS", 6 * 3600)),
            int(config.get("ALERTS_WEBHOOK_DISABLE_AFTER", 8)), int(config.get("ALERTS_DIGEST_MAX_AGE_DAYS", 31)),
        )

    def backoff(self, attempts: int) -> timedelta:
        """Wait before attempt ``attempts + 1``: base, 2×base, 4×base … up to the maximum."""
        return timedelta(seconds=min(self.retry_base_seconds * 2 ** max(attempts - 1, 0), self.retry_max_seconds))


@dataclass
class Outcome:
    ok: bool
    error: str | None = None
    permanent: bool = False  # no retry can help (an address the server refuses for good)
    note: str | None = None  # kept as last_error on success ("no mail server: logged")


def _carried_by(channel: str) -> InstrumentedAttribute:
    """The match column saying which delivery carries it on ``channel``."""
    return AlertMatch.email_delivery_id if channel == "email" else AlertMatch.webhook_delivery_id


def _channel_on(channel: str) -> Any:
    if channel == "email":
        return Subscription.email_enabled.is_(True)
    return and_(Subscription.webhook_enabled.is_(True), Subscription.webhook_url.is_not(None))


def _enabled_channels(sub: Subscription) -> list[str]:
    channels = ["email"] if sub.email_enabled else []
    if sub.webhook_enabled and sub.webhook_url:
        channels.append("webhook")
    return channels


class AlertDeliveryService:
    def __init__(self, session: Session, mailer: Mailer, webhooks: WebhookClient, mail: AlertMail, links: AlertLinks,
                 settings: DeliverySettings, celery: Callable[[], Any]):
        self.session = session
        self.mailer = mailer
        self.webhooks = webhooks
        self.mail = mail
        self.links = links
        self.settings = settings
        self.celery = celery  # () -> the Celery app (built after the services)

    # -- making deliveries ---------------------------------------------------------------------
    def queue_immediate(self, matches: list[AlertMatch]) -> list[int]:
        """Inside the matcher's transaction: one delivery per subscription and enabled channel
        for these new matches of immediate subscriptions; the ids to dispatch after the commit.
        A paused subscription's matches get a delivery already "dropped": they are never pushed."""
        self.session.flush()
        by_sub: dict[int, list[AlertMatch]] = {}
        for m in matches:
            by_sub.setdefault(m.subscription_id, []).append(m)
        made: list[tuple[AlertDelivery, list[AlertMatch]]] = []
        for sub_id, items in by_sub.items():
            sub = items[0].subscription or self.session.get(Subscription, sub_id)
            if sub is None or sub.frequency != "immediate":
                continue
            period = immediate_key(min(m.id for m in items))
            for channel in _enabled_channels(sub):
                delivery = AlertDelivery(subscription_id=sub.id, channel=channel, kind="immediate", period=period,
                                         status="pending", attempts=0, next_attempt_at=utcnow())
                if sub.paused:
                    delivery.status, delivery.last_error = "dropped", "subscription paused"
                self.session.add(delivery)
                made.append((delivery, items))
        self.session.flush()
        for delivery, items in made:
            for m in items:
                setattr(m, _carried_by(delivery.channel).key, delivery.id)
        self.session.flush()
        return [d.id for d, _ in made if d.status == "pending"]

    def dispatch(self, delivery_ids: list[int]) -> None:
        """After the commit: a task per delivery. A failure is logged, never raised: the rows
        are committed and the periodic ``deliver_due`` sends what was not dispatched."""
        for delivery_id in delivery_ids:
            try:
                self.celery().send_task(DELIVER_TASK, args=[delivery_id])
            except Exception:  # noqa: BLE001 - the broker is down: deliver_due will find the row
                log.exception("could not dispatch alert delivery %s; the periodic run will send it", delivery_id)

    def create_digests(self, now: datetime | None = None) -> list[int]:
        """The digests due at ``now``: for every daily or weekly subscription (not paused) and
        enabled channel with matches not yet carried on that channel, one delivery for the
        current period. No matches, no delivery; a period already made is left alone."""
        now = now or utcnow()
        oldest = now - timedelta(days=self.settings.digest_max_age_days)
        made: list[int] = []
        for kind in ("daily", "weekly"):
            period = self.settings.schedule.period_key(kind, now)
            for channel in ("email", "webhook"):
                carried = _carried_by(channel)
                done = exists().where(AlertDelivery.subscription_id == Subscription.id, AlertDelivery.channel == channel,
                                      AlertDelivery.period == period)
                sub_ids = self.session.scalars(
                    select(AlertMatch.subscription_id).distinct().join(Subscription, Subscription.id == AlertMatch.subscription_id)
                    .where(Subscription.frequency == kind, Subscription.paused.is_(False), _channel_on(channel),
                           carried.is_(None), AlertMatch.created_at >= oldest, ~done)
                ).all()
                for sub_id in sub_ids:
                    delivery_id = self._make_digest(sub_id, channel, kind, period, oldest, now)
                    if delivery_id is not None:
                        made.append(delivery_id)
        self.session.commit()
        return made

    def _make_digest(self, sub_id: int, channel: str, kind: str, period: str, oldest: datetime, now: datetime) -> int | None:
        carried = _carried_by(channel)
        match_ids = self.session.scalars(select(AlertMatch.id).where(
            AlertMatch.subscription_id == sub_id, carried.is_(None), AlertMatch.created_at >= oldest)).all()
        if not match_ids:
            return None
        try:
            with self.session.begin_nested():
                delivery = AlertDelivery(subscription_id=sub_id, channel=channel, kind=kind, period=period, status="pending",
                                         attempts=0, next_attempt_at=now)
                self.session.add(delivery)
                self.session.flush()
                self.session.execute(update(AlertMatch).where(AlertMatch.id.in_(match_ids), carried.is_(None))
                                     .values({carried.key: delivery.id}).execution_options(synchronize_session=False))
        except IntegrityError:  # another scheduler made this period's digest first
            return None
        return delivery.id

    # -- sending ---------------------------------------------------------------------------------
    def deliver_due(self, now: datetime | None = None) -> int:
        """Periodic: send every pending delivery whose attempt is due and whose claim is free
        or expired (never dispatched, retried, or left by a killed worker). How many were taken."""
        now = now or utcnow()
        ids = self.session.scalars(
            select(AlertDelivery.id).where(AlertDelivery.status == "pending", AlertDelivery.next_attempt_at <= now,
                                           or_(AlertDelivery.claimed_until.is_(None), AlertDelivery.claimed_until < now))
            .order_by(AlertDelivery.next_attempt_at, AlertDelivery.id).limit(self.settings.due_batch)
        ).all()
        self.session.commit()  # end the read; each delivery has its own transaction
        return sum(self.deliver(i, now) != "skipped" for i in ids)

    def _claim(self, delivery_id: int, now: datetime) -> bool:
        """Take the row for ``claim_seconds``; only one worker's UPDATE can match it."""
        result = self.session.execute(
            update(AlertDelivery).where(
                AlertDelivery.id == delivery_id, AlertDelivery.status == "pending", AlertDelivery.next_attempt_at <= now,
                or_(AlertDelivery.claimed_until.is_(None), AlertDelivery.claimed_until < now),
            ).values(claimed_until=now + timedelta(seconds=self.settings.claim_seconds)).execution_options(synchronize_session=False)
        )
        self.session.commit()
        return result.rowcount == 1

    def deliver(self, delivery_id: int, now: datetime | None = None) -> str:
        """Send one delivery; its status afterwards ("sent", "pending" for a retry, "failed",
        "dropped"), or "skipped" when it was not due, not pending, or claimed by another worker."""
        now = now or utcnow()
        if not self._claim(delivery_id, now):
            return "skipped"
        delivery = self.session.get(AlertDelivery, delivery_id)
        if delivery is None:
            return "skipped"
        sub = delivery.subscription
        matches = list(self.session.scalars(select(AlertMatch).where(_carried_by(delivery.channel) == delivery.id)
                                            .order_by(AlertMatch.id)))
        reason = self._drop_reason(delivery, sub, matches)
        if reason is not None:
            self._finish(delivery, "dropped", reason)
            self.session.commit()
            return "dropped"
        outcome = self._send_mail(delivery, sub, matches) if delivery.channel == "email" else self._call_webhook(delivery, sub, matches)
        delivery.attempts += 1
        notice: str | None = None
        if outcome.ok:
            delivery.sent_at = now
            self._finish(delivery, "sent", outcome.note)
            if delivery.kind != "immediate":
                sub.last_digest_at = now
            if delivery.channel == "webhook":
                sub.webhook_failures = 0
        else:
            log.warning("alert delivery %s (%s) failed, attempt %s: %s", delivery.id, delivery.channel, delivery.attempts, outcome.error)
            if delivery.channel == "webhook":
                notice = self._webhook_failed(sub, outcome.error or "", now)
            if outcome.permanent or delivery.attempts >= self.settings.max_attempts or (notice is not None):
                self._finish(delivery, "failed", outcome.error)
            else:
                delivery.next_attempt_at = now + self.settings.backoff(delivery.attempts)
                delivery.claimed_until = None
                delivery.last_error = (outcome.error or "")[:2000]
        self.session.commit()
        if notice is not None:
            self._notify_webhook_disabled(sub, notice)
        return delivery.status

    def _finish(self, delivery: AlertDelivery, status: str, note: str | None) -> None:
        delivery.status = status
        delivery.claimed_until = None
        delivery.last_error = note[:2000] if note else None

    def _drop_reason(self, delivery: AlertDelivery, sub: Subscription | None, matches: list[AlertMatch]) -> str | None:
        if sub is None:
            return "subscription deleted"
        if sub.paused:
            return "subscription paused"
        if delivery.channel not in _enabled_channels(sub):
            return f"{delivery.channel} switched off"
        if not matches:
            return "nothing to deliver"
        if delivery.channel == "email" and (sub.user is None or not sub.user.active or not sub.user.email):
            return "no active account to write to"
        return None

    def _send_mail(self, delivery: AlertDelivery, sub: Subscription, matches: list[AlertMatch]) -> Outcome:
        msg = self.mail.alert(delivery, sub, matches, sub.user.email)
        if not self.mailer.settings.server:  # development: the log is the mailbox
            self.mailer.send_message(msg)
            return Outcome(True, note=NO_MAIL_SERVER)
        try:
            self.mailer.transmit(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            return Outcome(False, f"recipient refused: {exc.recipients}", permanent=all(c >= 500 for c in codes))
        except smtplib.SMTPResponseException as exc:
            return Outcome(False, f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", permanent=exc.smtp_code >= 500)
        except (OSError, smtplib.SMTPException) as exc:
            return Outcome(False, f"{type(exc).__name__}: {exc}")
        return Outcome(True)

    # -- webhooks --------------------------------------------------------------------------------
    def webhook_body(self, delivery: AlertDelivery, sub: Subscription, matches: list[AlertMatch]) -> bytes:
        """The JSON a receiver gets (the same on every retry of this delivery)."""
        lang = "en" if sub.lang == "en" else "zh"
        items = [{
            "id": m.record_id, "record_type": m.record_type, "title": m.title, "title_en": m.title_en,
            "url": self.links.record(m.record_id, lang),
            "matched_at": _aware(m.created_at).isoformat() if m.created_at else None,
            "why": m.why or {},
        } for m in matches]
        body = {"delivery": delivery.id, "kind": delivery.kind,
                "subscription": {"id": sub.id, "name": sub.name, "search": sub.search_args()}, "items": items}
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()

    def _call_webhook(self, delivery: AlertDelivery, sub: Subscription, matches: list[AlertMatch]) -> Outcome:
        result = self.webhooks.post(sub.webhook_url or "", sub.webhook_secret or "", self.webhook_body(delivery, sub, matches),
                                    delivery.id)
        return Outcome(result.ok, result.error)

    def _webhook_failed(self, sub: Subscription, error: str, now: datetime) -> str | None:
        """Count a failed call; at the limit switch the webhook off, drop its pending deliveries
        and return the reason (the owner is told after the commit)."""
        sub.webhook_failures = (sub.webhook_failures or 0) + 1
        sub.webhook_last_error = error[:2000]
        if sub.webhook_failures < self.settings.webhook_disable_after:
            return None
        sub.webhook_enabled = False
        sub.webhook_disabled_at = now
        self.session.execute(
            update(AlertDelivery).where(AlertDelivery.subscription_id == sub.id, AlertDelivery.channel == "webhook",
                                        AlertDelivery.status == "pending")
            .values(status="dropped", claimed_until=None, last_error="webhook switched off after repeated failures")
            .execution_options(synchronize_session="fetch")
        )
        return error

    def _notify_webhook_disabled(self, sub: Subscription, error: str) -> None:
        if sub.user is None or not sub.user.email:
            return
        try:
            self.mailer.send_message(self.mail.webhook_disabled(sub, sub.user.email, error, sub.webhook_failures))
        except Exception:  # noqa: BLE001 - the webhook is off either way; the page shows why
            log.exception("could not tell the owner of subscription %s that its webhook was switched off", sub.id)
