"""Search parameters as they arrive in a URL (the page and the API share them).

Every facet of every record type is a repeatable parameter (``?city=changchun&city=jilin``), so
the whole search state lives in the URL and the OpenAPI document can list each one. Which
facets apply depends on ``type``; the search service refuses one that does not."""
from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate, validates_schema

from ..search_options import FACETS, RECORD_TYPES

MAX_PAGE = 500  # page x size stays within the 10,000-result window; deeper needs the cursor
MAX_SIZE = 100
# Selected filter values: per filter and in all. Every link on a result page carries the whole
# search state, so thousands of values made pages of tens of megabytes and searches of many
# seconds; a person never ticks more than a handful (a facet lists at most 20 values).
MAX_VALUES_PER_FILTER = 20
MAX_FILTER_VALUES = 40
TOO_MANY_VALUES = "too_many_filter_values"  # the error code pages and the API share

FACET_KEYS = sorted({f.key for defs in FACETS.values() for f in defs})
FACET_HELP = {
    key: "; ".join(sorted({f"{t}: {f.zh} / {f.en}" for t, defs in FACETS.items() for f in defs if f.key == key}))
    for key in FACET_KEYS
}


class _SearchArgs(Schema):
    class Meta:
        unknown = EXCLUDE  # tracking parameters and the like are ignored, not errors

    q = fields.String(load_default="", validate=validate.Length(max=256), metadata={"description": "检索词 / search words: Chinese, English, \"phrases\", -exclusions, OR"})
    type = fields.String(load_default="all", validate=validate.OneOf(RECORD_TYPES), metadata={"description": "记录类型 / record type"})
    sort = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32), metadata={"description": "relevance, newest, trl, price_asc, price_desc, registered, filed, fee_asc, value_desc, value_asc, year, achievements (per type)"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE), metadata={"description": "页码 / page number (1-based)"})
    size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_SIZE), metadata={"description": "每页条数 / results per page"})
    cursor = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000), metadata={"description": "深度翻页游标 / deep-paging cursor from the previous response's next_cursor"})
    match = fields.String(load_default="all", validate=validate.OneOf(("all", "any")), metadata={"description": "all: 每个词都须匹配 / every word must match (default); any: 匹配任意一个词 / any word may match"})

    @pre_load
    def from_multidict(self, data: Any, **kwargs):
        """Flask's request.args: keep repeated facet parameters as lists, the rest single."""
        if hasattr(data, "getlist"):
            out = {k: data.get(k) for k in data if k not in FACET_KEYS}
            out.update({k: _distinct(data.getlist(k)) for k in data if k in FACET_KEYS})
            return out
        return data

    @validates_schema
    def total_filter_values(self, data: dict[str, Any], **kwargs) -> None:
        total = sum(len([v for v in data.get(k) or [] if v != ""]) for k in FACET_KEYS)
        if total > MAX_FILTER_VALUES:
            raise ValidationError(too_many_message(MAX_FILTER_VALUES, "in all"), "_filters")

    @post_load
    def collect_selections(self, data: dict[str, Any], **kwargs) -> dict[str, Any]:
        """The keyword arguments of ``services.search.SearchParams``."""
        selections = {k: [v for v in data.pop(k) or [] if v != ""] for k in FACET_KEYS if k in data}
        return {
            "record_type": data["type"], "q": data["q"] or "", "selections": {k: v for k, v in selections.items() if v},
            "sort": data.get("sort") or None, "page": data["page"], "size": data["size"], "cursor": data.get("cursor") or None,
            "match": data["match"],
        }


def _distinct(values: list[str]) -> list[str]:
    """A value repeated in the URL counts once (the first place it appears keeps its order)."""
    return list(dict.fromkeys(values))


def too_many_message(limit: int, scope: str) -> str:
    where = "每个筛选条件" if scope == "per filter" else "全部筛选条件合计"
    return f"筛选值过多：{where}最多 {limit} 个 / too many filter values: at most {limit} {scope}"


def too_many_values(messages: dict[str, Any]) -> bool:
    """Whether a ValidationError's messages include the filter-value caps."""
    def walk(value: Any) -> bool:
        if isinstance(value, dict):
            return any(walk(v) for v in value.values())
        if isinstance(value, (list, tuple)):
            return any(walk(v) for v in value)
        return isinstance(value, str) and value.startswith("筛选值过多")
    return walk(messages)


# one repeatable list parameter per facet key, declared so the OpenAPI document lists them
SearchArgsSchema = type("SearchArgsSchema", (_SearchArgs,), {
    key: fields.List(
        fields.String(validate=validate.Length(max=200)), load_default=None,
        validate=validate.Length(max=MAX_VALUES_PER_FILTER, error=too_many_message(MAX_VALUES_PER_FILTER, "per filter")),
        metadata={"description": f"{FACET_HELP[key]} (≤ {MAX_VALUES_PER_FILTER} values; ≤ {MAX_FILTER_VALUES} over all filters)"},
    )
    for key in FACET_KEYS
})
