"""A subscription as a form or the API sends it: a name, the search (the search page's own
parameters) and how to deliver what it finds."""
from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates, validates_schema

from ..models.alerts import FREQUENCIES
from ..search_options import FACETS
from .search_args import MAX_FILTER_VALUES, MAX_VALUES_PER_FILTER

SUBSCRIBABLE_TYPES = ("all", "achievement", "patent", "instrument")
LANGS = ("zh", "en")
MAX_WEBHOOK_URL = 2000


class SubscriptionSchema(Schema):
    """``partial=True`` loads an edit (only the keys given change)."""

    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True, validate=validate.Length(min=1, max=100),
                         metadata={"description": "订阅名称 / the subscription's name"})
    type = fields.String(load_default="all", validate=validate.OneOf(SUBSCRIBABLE_TYPES),
                         metadata={"description": "记录类型 / record type searched"})
    q = fields.String(load_default="", validate=validate.Length(max=256), metadata={"description": "检索词 / search words, as on the search page"})
    match = fields.String(load_default="all", validate=validate.OneOf(("all", "any")),
                          metadata={"description": "all: 每个词都须匹配 / every word; any: 任意一个词 / any word"})
    filters = fields.Dict(keys=fields.String(validate=validate.Length(max=40)),
                          values=fields.List(fields.String(validate=validate.Length(max=200)), validate=validate.Length(max=MAX_VALUES_PER_FILTER)),
                          load_default=dict, metadata={"description": "筛选条件 / filters: {facet key: [values]}, as the search page's URL parameters"})
    frequency = fields.String(load_default="daily", validate=validate.OneOf(FREQUENCIES),
                              metadata={"description": "immediate: 即时 / at once; daily: 每日汇总 / daily digest; weekly: 每周汇总 / weekly digest"})
    lang = fields.String(load_default="zh", validate=validate.OneOf(LANGS), metadata={"description": "提醒语言 / language of the alerts"})
    email = fields.Boolean(load_default=True, metadata={"description": "以电子邮件发送 / deliver by e-mail"})
    webhook_url = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=MAX_WEBHOOK_URL),
                                metadata={"description": "Webhook 地址（https）/ webhook URL: signed JSON POSTs"})
    feed = fields.Boolean(load_default=True, metadata={"description": "私有 Atom 源 / a private Atom feed"})

    @pre_load
    def strip(self, data: Any, **kwargs) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            for key in ("name", "q", "webhook_url"):
                if isinstance(data.get(key), str):
                    data[key] = data[key].strip()
            if data.get("webhook_url") == "":
                data["webhook_url"] = None
        return data

    @validates("filters")
    def known_filters(self, value: dict[str, list[str]], **kwargs) -> None:
        known = {f.key for defs in FACETS.values() for f in defs}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValidationError(f"未知的筛选条件 / unknown filter: {', '.join(unknown)}")
        if sum(len(v) for v in value.values()) > MAX_FILTER_VALUES:
            raise ValidationError(f"筛选值过多（最多 {MAX_FILTER_VALUES} 个）/ too many filter values (at most {MAX_FILTER_VALUES})")

    @validates_schema
    def something_to_deliver(self, data: dict[str, Any], partial: Any = None, **kwargs) -> None:
        if partial:
            return
        if not (data.get("email") or data.get("webhook_url") or data.get("feed")):
            raise ValidationError("请至少选择一种接收方式 / choose at least one way to receive alerts", "email")
