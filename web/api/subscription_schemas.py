"""Schemas of the subscription and alert routes (``subscriptions.py``): the arguments they load and
the shapes they answer (in the OpenAPI document, checked by schemathesis). The request body of a
subscription is the service's own ``web.schemas.subscription.SubscriptionSchema``.

A subscription's webhook secret is in no answer but the one that made it (``POST``, a ``PATCH``
that gave a webhook for the first time): ``subscription_body(..., secret=True)``."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from ..models.alerts import FREQUENCIES, AlertMatch, Subscription
from ..schemas.subscription import LANGS, SUBSCRIBABLE_TYPES
from ..urls import external_url
from .args import FormArgs

MAX_PAGE_SIZE = 100
MAX_ID = 2**31 - 1
MAX_READ_IDS = 500


def iso(value: datetime | None) -> str | None:
    """UTC with its offset (SQLite hands back naive datetimes; the store writes UTC)."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()


# -- arguments ----------------------------------------------------------------------------------------

class InboxArgsSchema(FormArgs):
    unread = fields.Boolean(load_default=False, metadata={"description": "只列未读 / unread only"})
    subscription = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID),
                                  metadata={"description": "只列此订阅的 / one subscription's only"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000), metadata={"description": "页码 / page (1-based)"})
    size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PAGE_SIZE), metadata={"description": "每页条数 / per page"})


class MarkReadSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    ids = fields.List(fields.Integer(validate=validate.Range(min=1, max=MAX_ID)), load_default=None,
                      validate=validate.Length(max=MAX_READ_IDS), metadata={"description": "提醒编号 / the alerts' ids"})
    read = fields.Boolean(load_default=True, metadata={"description": "true：标为已读；false：标为未读 / read or unread"})
    all = fields.Boolean(load_default=False, metadata={"description": "把全部（或 subscription 的全部）未读标为已读 / mark every unread "
                                                                     "alert (of `subscription`, if given) read"})
    subscription = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=MAX_ID),
                                  metadata={"description": "与 all 一起用 / with `all`"})

    @validates_schema
    def one_of(self, data: dict[str, Any], **kwargs) -> None:
        if not data.get("all") and data.get("ids") is None:
            raise ValidationError("给出 ids，或 all: true / give `ids`, or `all: true`", "ids")


# -- answers --------------------------------------------------------------------------------------------

class SubscriptionLinksSchema(Schema):
    self = fields.String(required=True, metadata={"format": "uri"})
    alerts = fields.String(required=True, metadata={"format": "uri", "description": "此订阅的提醒 / its alerts"})
    search = fields.String(required=True, metadata={"format": "uri", "description": "检索页上的这个检索 / the search on the search page"})
    edit = fields.String(required=True, metadata={"format": "uri", "description": "网页上的编辑表单 / the edit form on the site"})


class SubscriptionOutSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(SUBSCRIBABLE_TYPES))
    q = fields.String(required=True)
    match = fields.String(required=True, validate=validate.OneOf(("all", "any")))
    filters = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True,
                          metadata={"description": "筛选条件 / {facet key: [values]}, as the search page's URL parameters"})
    frequency = fields.String(required=True, validate=validate.OneOf(FREQUENCIES))
    lang = fields.String(required=True, validate=validate.OneOf(LANGS))
    email = fields.Boolean(required=True)
    webhook_url = fields.String(required=True, allow_none=True)
    webhook_enabled = fields.Boolean(required=True, metadata={"description": "连续失败过多时停用 / off after too many failures in a row"})
    webhook_failures = fields.Integer(required=True, metadata={"description": "连续失败次数 / failed calls in a row"})
    webhook_disabled_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    webhook_last_error = fields.String(required=True, allow_none=True)
    webhook_secret = fields.String(metadata={"description": "签名密钥：只在创建订阅或首次设置 Webhook 的应答中给出一次 / the signing "
                                                            "secret: in the answer that made it, never again"})
    feed = fields.Boolean(required=True)
    feed_url = fields.String(required=True, allow_none=True, metadata={
        "format": "uri", "description": "私有 Atom 源，无需登录，勿公开 / the private Atom feed: no sign-in, keep it private"})
    paused = fields.Boolean(required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    updated_at = fields.String(required=True, metadata={"format": "date-time"})
    unread = fields.Integer(required=True, metadata={"description": "未读提醒数 / unread alerts"})
    links = fields.Nested(SubscriptionLinksSchema, required=True)


class AlertWhySchema(Schema):
    words = fields.List(fields.String(), metadata={"description": "命中的词 / the words that matched"})
    snippets = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "字段 → 摘录（HTML，已转义，仅保留 <mark>）/ field → excerpt (escaped HTML with <mark> only)"})
    filters = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                          metadata={"description": "满足的筛选条件 / the filters it met"})


class AlertSchema(Schema):
    id = fields.Integer(required=True)
    subscription_id = fields.Integer(required=True)
    record_id = fields.String(required=True, metadata={"description": "公开编号 / public id, e.g. ach-12"})
    record_type = fields.String(required=True)
    title = fields.String(required=True)
    title_en = fields.String(required=True, allow_none=True)
    url = fields.String(required=True, metadata={"format": "uri", "description": "记录页 / the record's page"})
    why = fields.Nested(AlertWhySchema, required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    read = fields.Boolean(required=True)
    read_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})


class AlertPageSchema(Schema):
    items = fields.List(fields.Nested(AlertSchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    size = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    unread = fields.Integer(required=True, metadata={"description": "全部未读数 / unread alerts in all"})


class MarkReadResultSchema(Schema):
    updated = fields.Integer(required=True, metadata={"description": "改变的提醒数 / alerts changed"})
    unread = fields.Integer(required=True, metadata={"description": "之后的未读数 / unread alerts now"})


# -- bodies ---------------------------------------------------------------------------------------------

def subscription_body(sub: Subscription, unread: int = 0, secret: bool = False) -> dict[str, Any]:
    from urllib.parse import urlencode

    args = [(k, v) for k, vs in sub.search_args().items() for v in (vs if isinstance(vs, list) else [vs])]
    body: dict[str, Any] = {
        "id": sub.id, "name": sub.name, "type": sub.record_type, "q": sub.q, "match": sub.match,
        "filters": {k: list(v) for k, v in (sub.selections or {}).items()}, "frequency": sub.frequency, "lang": sub.lang,
        "email": bool(sub.email_enabled), "webhook_url": sub.webhook_url, "webhook_enabled": bool(sub.webhook_enabled),
        "webhook_failures": int(sub.webhook_failures or 0), "webhook_disabled_at": iso(sub.webhook_disabled_at),
        "webhook_last_error": sub.webhook_last_error, "feed": bool(sub.feed_enabled),
        "feed_url": external_url("alerts.feed", token=sub.feed_token) if sub.feed_enabled else None,
        "paused": bool(sub.paused), "created_at": iso(sub.created_at), "updated_at": iso(sub.updated_at or sub.created_at),
        "unread": int(unread),
        "links": {"self": external_url("api.get_subscription", sub_id=sub.id),
                  "alerts": external_url("api.list_alerts", subscription=sub.id),
                  "search": external_url("search.search") + "?" + urlencode(args),
                  "edit": external_url("alerts.edit_subscription", sub_id=sub.id)},
    }
    if secret and sub.webhook_secret:
        body["webhook_secret"] = sub.webhook_secret
    return body


def alert_body(m: AlertMatch) -> dict[str, Any]:
    why = m.why or {}
    return {
        "id": m.id, "subscription_id": m.subscription_id, "record_id": m.record_id, "record_type": m.record_type, "title": m.title or "",
        "title_en": m.title_en, "url": external_url("records.record", public_id=m.record_id),
        "why": {"words": list(why.get("words") or []), "snippets": dict(why.get("snippets") or {}),
                "filters": {k: list(v) for k, v in (why.get("filters") or {}).items()}},
        "created_at": iso(m.created_at), "read": m.read_at is not None, "read_at": iso(m.read_at),
    }
