"""Saved-search subscriptions and their alerts (检索订阅与提醒).

* ``Subscription``: a signed-in user's saved search (the search page's parameters, kept as they
  were typed) with its delivery choices. ``required`` is the search reduced to the index keys a
  matching record must contain (a list of alternatives per condition, see ``indexer.monitor``);
  one of those conditions, the most selective, is stored key by key in ``SubscriptionKey`` so a
  new record's candidates are found by an index lookup (Lucene monitor / Luwak's presearcher).
* ``AlertMatch``: one record announced to one subscription, at most once (unique pair). It is
  the inbox item, the feed entry, and what the e-mails and webhook calls are made of; it keeps
  why it matched (the highlighted words and the filters).
* ``AlertDelivery``: one e-mail or webhook call to make (an immediate alert or a digest). The
  unique (subscription, channel, period) means a digest period is delivered once however often
  the scheduler fires; a claim with an expiry lets another worker take over from a killed one.
* ``AlertRecordState``: what a record looked like when it was last matched (a fingerprint), so
  re-publishing without a significant change announces nothing.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import utcnow

if TYPE_CHECKING:
    from .account import User

FREQUENCIES = ("immediate", "daily", "weekly")
CHANNELS = ("email", "webhook")  # pushed; the private feed is pulled and needs no delivery
DELIVERY_STATES = ("pending", "sent", "failed", "dropped")
ANY_KEY = "*"  # the key of a subscription no index key narrows (filters on ranges only): every record is a candidate


class Subscription(db.Model):
    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    # the search, as the search page's URL says it
    record_type: Mapped[str] = mapped_column(String(16), nullable=False, default="all", index=True)
    q: Mapped[str] = mapped_column(String(256), nullable=False, default="")
    match: Mapped[str] = mapped_column(String(8), nullable=False, default="all")  # "any": any word may match
    selections: Mapped[dict[str, list[str]]] = mapped_column(JSON, nullable=False, default=dict)
    # delivery
    frequency: Mapped[str] = mapped_column(String(16), nullable=False, default="daily")
    lang: Mapped[str] = mapped_column(String(8), nullable=False, default="zh")
    email_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    webhook_secret: Mapped[str | None] = mapped_column(String(100))
    webhook_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    webhook_failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # failed calls in a row
    webhook_disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    webhook_last_error: Mapped[str | None] = mapped_column(Text)
    feed_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    feed_token: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    paused: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # the search reduced to index keys (indexer.monitor); recomputed whenever the search changes
    required: Mapped[list[list[str]]] = mapped_column(JSON, nullable=False, default=list)
    keys_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    last_digest_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped["User"] = relationship()

    def search_args(self) -> dict[str, Any]:
        """The search page's parameters (``type``, ``q``, ``match`` and each filter)."""
        args: dict[str, Any] = {"type": self.record_type}
        if self.q:
            args["q"] = self.q
        if self.match == "any":
            args["match"] = "any"
        for key, values in sorted((self.selections or {}).items()):
            args[key] = list(values)
        return args


class SubscriptionKey(db.Model):
    """One index key of a subscription's most selective condition: a new record containing it
    makes the subscription a candidate."""

    __tablename__ = "subscription_keys"
    __table_args__ = (Index("ix_subscription_keys_key", "key", "subscription_id"),)

    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)


class AlertDelivery(db.Model):
    __tablename__ = "alert_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "channel", "period", name="uq_alert_delivery_period"),
        Index("ix_alert_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"), nullable=False, index=True)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)  # email | webhook
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # immediate | daily | weekly
    period: Mapped[str] = mapped_column(String(40), nullable=False)  # "d2026-12-01", "w2026-W49", "m<first match id>"
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)

    subscription: Mapped[Subscription] = relationship()


class AlertMatch(db.Model):
    __tablename__ = "alert_matches"
    __table_args__ = (
        UniqueConstraint("subscription_id", "record_id", name="uq_alert_match_once"),
        Index("ix_alert_matches_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    record_id: Mapped[str] = mapped_column(String(40), nullable=False, index=True)  # public id: ach-12
    record_type: Mapped[str] = mapped_column(String(16), nullable=False)
    title: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    title_en: Mapped[str | None] = mapped_column(String(500))
    # why: {"words": [...highlighted...], "snippets": {field: html}, "filters": {key: [values]}}
    why: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    email_delivery_id: Mapped[int | None] = mapped_column(ForeignKey("alert_deliveries.id", ondelete="SET NULL"), index=True)
    webhook_delivery_id: Mapped[int | None] = mapped_column(ForeignKey("alert_deliveries.id", ondelete="SET NULL"), index=True)

    subscription: Mapped[Subscription] = relationship()


class AlertRecordState(db.Model):
    __tablename__ = "alert_record_states"

    record_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    matched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
