"""Saved-search subscriptions and the inbox of what they found, for their owners.

Identity first, as every service here: a subscription belongs to one signed-in user, and
another user's subscription is "not found" (its existence is not disclosed)."""
from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from marshmallow import ValidationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from indexer import QueryError

from ..models import AlertDelivery, AlertMatch, Subscription, SubscriptionKey
from ..models.common import utcnow
from ..schemas.subscription import SubscriptionSchema
from .alert_matching import SubscriptionKeys, search_params
from .audit import AuditLog
from .identity import Identity, anonymous_identity
from .search import SearchParams, SearchService

UNSUBSCRIBE_SALT = "alerts.unsubscribe"
MAX_ID = 2**31 - 1  # the id column's range


class SubscriptionError(ValueError):
    """Input a subscription cannot be saved with; the message is for the person who typed it."""

    def __init__(self, message: str, field: str | None = None, code: str = "invalid_subscription",
                 messages: dict[str, Any] | None = None):
        super().__init__(message)
        self.field, self.code = field, code
        self.messages = messages or ({field: [message]} if field else {"_schema": [message]})


class SubscriptionService:
    def __init__(self, session: Session, search: SearchService, keys: SubscriptionKeys, audit: AuditLog, secret_key: str,
                 *, max_per_user: int = 50, check_webhook_url: Callable[[str], None] | None = None):
        self.session = session
        self.search = search
        self.keys = keys
        self.audit = audit
        self.max_per_user = max_per_user
        self.check_webhook_url = check_webhook_url
        self._tokens = URLSafeSerializer(secret_key, salt=UNSUBSCRIBE_SALT)

    # -- reading ------------------------------------------------------------------------------
    def list(self, identity: Identity) -> list[Subscription]:
        uid = self._uid(identity)
        return list(self.session.scalars(select(Subscription).where(Subscription.user_id == uid).order_by(Subscription.created_at.desc(), Subscription.id.desc())))

    def get(self, identity: Identity, sub_id: int) -> Subscription:
        sub = self.session.get(Subscription, sub_id) if 1 <= sub_id <= MAX_ID else None
        if sub is None or sub.user_id != self._uid(identity):
            raise LookupError(f"no subscription {sub_id}")
        return sub

    def search_params(self, sub: Subscription) -> SearchParams:
        return search_params(sub)

    def unread_counts(self, identity: Identity) -> dict[int, int]:
        rows = self.session.execute(select(AlertMatch.subscription_id, func.count()).where(
            AlertMatch.user_id == self._uid(identity), AlertMatch.read_at.is_(None)).group_by(AlertMatch.subscription_id))
        return {sid: n for sid, n in rows}

    # -- writing ------------------------------------------------------------------------------
    def _load(self, raw: dict[str, Any], partial: bool) -> dict[str, Any]:
        try:
            return SubscriptionSchema().load(raw, partial=partial)
        except ValidationError as err:
            messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
            first_field = next(iter(messages), None)
            detail = messages.get(first_field) if first_field else None
            text = detail[0] if isinstance(detail, list) and detail and isinstance(detail[0], str) else str(detail)
            raise SubscriptionError(text, first_field, messages=messages) from err

    def _apply(self, sub: Subscription, data: dict[str, Any]) -> None:
        for attr, key in (("name", "name"), ("record_type", "type"), ("q", "q"), ("match", "match"), ("frequency", "frequency"),
                          ("lang", "lang"), ("email_enabled", "email"), ("feed_enabled", "feed")):
            if key in data:
                setattr(sub, attr, data[key])
        if "filters" in data:
            sub.selections = {k: list(dict.fromkeys(v for v in vals if v)) for k, vals in sorted(data["filters"].items()) if any(vals)}
        if "webhook_url" in data:
            url = data["webhook_url"]
            if url and self.check_webhook_url is not None:
                try:
                    self.check_webhook_url(url)
                except ValueError as exc:
                    raise SubscriptionError(str(exc), "webhook_url") from exc
            if url != sub.webhook_url or (url and not sub.webhook_enabled):
                sub.webhook_failures, sub.webhook_disabled_at, sub.webhook_last_error = 0, None, None
            sub.webhook_url = url
            sub.webhook_enabled = bool(url)
            if url and not sub.webhook_secret:
                sub.webhook_secret = secrets.token_hex(32)

    def _check_search(self, sub: Subscription) -> None:
        """The search must run as the search page would run it (its filters exist for its type)."""
        try:
            self.search.build_request(anonymous_identity, search_params(sub))
        except QueryError as exc:
            raise SubscriptionError(str(exc), exc.field or "filters") from exc

    def create(self, identity: Identity, raw: dict[str, Any]) -> Subscription:
        uid = self._uid(identity)
        data = self._load(raw, partial=False)
        count = self.session.scalar(select(func.count()).select_from(Subscription).where(Subscription.user_id == uid)) or 0
        if count >= self.max_per_user:
            raise SubscriptionError(f"订阅数已达上限（{self.max_per_user} 个）/ at most {self.max_per_user} subscriptions per account",
                                    code="too_many_subscriptions")
        sub = Subscription(user_id=uid, feed_token=secrets.token_urlsafe(24), selections={}, webhook_failures=0, paused=False)
        self._apply(sub, data)
        self._check_search(sub)
        self.session.add(sub)
        self.keys.apply(self.session, sub)
        self.audit.record(identity, "subscription.create", f"subscription:{sub.id}", {"name": sub.name})
        self.session.commit()
        return sub

    def update(self, identity: Identity, sub_id: int, raw: dict[str, Any]) -> Subscription:
        sub = self.get(identity, sub_id)
        data = self._load(raw, partial=True)
        search_changed = any(k in data for k in ("type", "q", "match", "filters"))
        self._apply(sub, data)
        if not (sub.email_enabled or sub.webhook_url or sub.feed_enabled):
            self.session.rollback()
            raise SubscriptionError("请至少选择一种接收方式 / choose at least one way to receive alerts", "email")
        if search_changed:
            self._check_search(sub)
            self.keys.apply(self.session, sub)
        self.session.commit()
        return sub

    def set_paused(self, identity: Identity, sub_id: int, paused: bool) -> Subscription:
        sub = self.get(identity, sub_id)
        sub.paused = paused
        self.session.commit()
        return sub

    def delete(self, identity: Identity, sub_id: int) -> None:
        """The subscription, its keys, its alerts and its deliveries (explicitly: SQLite does not
        enforce the foreign keys' ON DELETE CASCADE, and would hand the id to the next one)."""
        sub = self.get(identity, sub_id)
        self.audit.record(identity, "subscription.delete", f"subscription:{sub.id}", {"name": sub.name})
        for model in (SubscriptionKey, AlertMatch, AlertDelivery):
            self.session.execute(delete(model).where(model.subscription_id == sub.id))
        self.session.delete(sub)
        self.session.commit()

    def reset_feed_token(self, identity: Identity, sub_id: int) -> Subscription:
        sub = self.get(identity, sub_id)
        sub.feed_token = secrets.token_urlsafe(24)
        self.session.commit()
        return sub

    def rotate_webhook_secret(self, identity: Identity, sub_id: int) -> Subscription:
        sub = self.get(identity, sub_id)
        sub.webhook_secret = secrets.token_hex(32)
        self.session.commit()
        return sub

    # -- capability links (no sign-in) ------------------------------------------------------------
    def by_feed_token(self, token: str) -> Subscription | None:
        if not token or len(token) > 64:
            return None
        sub = self.session.scalar(select(Subscription).where(Subscription.feed_token == token))
        return sub if sub is not None and sub.feed_enabled else None

    def unsubscribe_token(self, sub: Subscription) -> str:
        # the feed token is part of it, so resetting the private address also voids old mail links
        return self._tokens.dumps([sub.id, sub.feed_token[:8]])

    def from_unsubscribe_token(self, token: str) -> Subscription | None:
        try:
            sub_id, check = self._tokens.loads(token)
        except (BadSignature, ValueError, TypeError):
            return None
        sub = self.session.get(Subscription, sub_id) if isinstance(sub_id, int) else None
        return sub if sub is not None and secrets.compare_digest(sub.feed_token[:8], str(check)) else None

    def unsubscribe(self, token: str) -> Subscription | None:
        """One click from a mail: e-mail for this subscription stops (the inbox and the other
        channels stay). Saying it twice is harmless."""
        sub = self.from_unsubscribe_token(token)
        if sub is None:
            return None
        if sub.email_enabled:
            sub.email_enabled = False
            self.audit.record(anonymous_identity, "subscription.unsubscribe", f"subscription:{sub.id}", {"user": sub.user_id})
            self.session.commit()
        return sub

    # -- the inbox ------------------------------------------------------------------------------
    def inbox(self, identity: Identity, *, subscription_id: int | None = None, unread_only: bool = False, page: int = 1,
              size: int = 20) -> tuple[list[AlertMatch], int]:
        query = select(AlertMatch).where(AlertMatch.user_id == self._uid(identity))
        if subscription_id is not None:
            query = query.where(AlertMatch.subscription_id == subscription_id)
        if unread_only:
            query = query.where(AlertMatch.read_at.is_(None))
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        items = self.session.scalars(query.order_by(AlertMatch.created_at.desc(), AlertMatch.id.desc())
                                     .offset((max(page, 1) - 1) * size).limit(size)).all()
        return list(items), int(total)

    def unread_count(self, identity: Identity) -> int:
        if identity.user_id is None:
            return 0
        return int(self.session.scalar(select(func.count()).select_from(AlertMatch).where(
            AlertMatch.user_id == identity.user_id, AlertMatch.read_at.is_(None))) or 0)

    def mark_read(self, identity: Identity, match_ids: list[int], read: bool = True) -> int:
        if not match_ids:
            return 0
        value: datetime | None = utcnow() if read else None
        result = self.session.execute(update(AlertMatch).where(
            AlertMatch.user_id == self._uid(identity), AlertMatch.id.in_(match_ids)).values(read_at=value))
        self.session.commit()
        return int(result.rowcount or 0)

    def mark_all_read(self, identity: Identity, subscription_id: int | None = None) -> int:
        query = update(AlertMatch).where(AlertMatch.user_id == self._uid(identity), AlertMatch.read_at.is_(None))
        if subscription_id is not None:
            query = query.where(AlertMatch.subscription_id == subscription_id)
        result = self.session.execute(query.values(read_at=utcnow()))
        self.session.commit()
        return int(result.rowcount or 0)

    @staticmethod
    def _uid(identity: Identity) -> int:
        if identity.user_id is None:
            raise PermissionError("sign in to keep subscriptions")
        return identity.user_id
