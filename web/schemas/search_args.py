"""Search parameters as they arrive in a URL (the page and the API share them).

Every facet of every record type is a repeatable parameter (``?city=changchun&city=jilin``), so
the whole search state lives in the URL and the OpenAPI document can list each one. Which
facets apply depends on ``type``; the search service refuses one that does not."""
from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, fields, post_load, pre_load, validate

from ..search_options import FACETS, RECORD_TYPES

MAX_PAGE = 500  # page x size stays within the 10,000-result window; deeper needs the cursor
MAX_SIZE = 100

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

    @pre_load
    def from_multidict(self, data: Any, **kwargs):
        """Flask's request.args: keep repeated facet parameters as lists, the rest single."""
        if hasattr(data, "getlist"):
            out = {k: data.get(k) for k in data if k not in FACET_KEYS}
            out.update({k: data.getlist(k) for k in data if k in FACET_KEYS})
            return out
        return data

    @post_load
    def collect_selections(self, data: dict[str, Any], **kwargs) -> dict[str, Any]:
        """The keyword arguments of ``services.search.SearchParams``."""
        selections = {k: [v for v in data.pop(k) or [] if v != ""] for k in FACET_KEYS if k in data}
        return {
            "record_type": data["type"], "q": data["q"] or "", "selections": {k: v for k, v in selections.items() if v},
            "sort": data.get("sort") or None, "page": data["page"], "size": data["size"], "cursor": data.get("cursor") or None,
        }


# one repeatable list parameter per facet key, declared so the OpenAPI document lists them
SearchArgsSchema = type("SearchArgsSchema", (_SearchArgs,), {
    key: fields.List(fields.String(validate=validate.Length(max=200)), load_default=None, metadata={"description": FACET_HELP[key]})
    for key in FACET_KEYS
})
