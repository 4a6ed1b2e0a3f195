"""The statistics' part of the OpenAPI document (``stats.py``'s routes), merged into it by
``openapi.py``: the answers' schemas and the paths, ``/stats`` with the search's own parameters
and ``/stats/exchanges`` with a year."""
from __future__ import annotations

import copy
from typing import Any

from ..exchange_stats_options import STATUS, TOP
from ..services.exchange_stats import MAX_YEAR, MIN_YEAR
from ..stats_options import DASHBOARDS, MEASURES, STATS_TYPES

TAG = {"name": "statistics", "description": "统计分析：与检索相同的检索词和筛选条件，按图表分组计数 / statistics: the search's words "
                                           "and filters, counted per chart by the search engine"}
NOT_SEARCH = ("page", "size", "sort", "cursor")  # paging and order mean nothing to counts
NULL_NUMBER = {"type": "number", "nullable": True}
MEASURE_KEYS = sorted(MEASURES)
SUMS = {"type": "object", "description": "按字段加总（会员专属的字段只对登录会员给出）/ values added up, by field (a members-only "
                                         "field only for signed-in members): " + ", ".join(MEASURE_KEYS),
        "properties": {k: {"type": "number"} for k in MEASURE_KEYS}, "additionalProperties": False}


def _obj(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


def components() -> dict[str, dict[str, Any]]:
    bucket = _obj(
        ["key", "value", "label", "count", "sums", "share", "change", "selected", "search"],
        key={"description": "引擎给出的取值：代码、名称、年份、是否或区间键 / the value as the engine gives it: a code, a name, a "
                            "year, a boolean or a range key", "oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "boolean"}]},
        value={"type": "string", "description": "作为筛选参数的取值 / the value as a filter parameter"},
        label={"type": "string", "description": "按请求语言的名称 / its name in the request's language"},
        count={"type": "integer", "minimum": 0, "description": "记录数：与 search 链接的结果总数相同 / records: the total of the "
                                                               "`search` link"},
        sums=SUMS,
        share={**NULL_NUMBER, "description": "占全部记录的比例（列表字段之和可超过 1）/ share of all the records the filters keep "
                                             "(list fields may add up to more than 1)"},
        change={**NULL_NUMBER, "description": "同比（趋势图）：(本年 - 上年) / 上年 / year on year (trends)"},
        by_type={"type": "object", "description": "总览的年度趋势：按记录类型 / the overview's trend: per record type",
                 "additionalProperties": {"type": "integer"}},
        selected={"type": "boolean", "description": "该值是当前的筛选条件 / the value is a current filter"},
        search={"type": "string", "description": "列出这些记录的检索（站内路径）/ the search that lists these records (a path)"},
    )
    chart = _obj(
        ["key", "title", "kind", "trend", "measures", "buckets"],
        key={"type": "string", "description": "作为筛选参数的名称 / the filter parameter the chart counts by",
             "enum": sorted({c.key for d in DASHBOARDS.values() for c in d.charts})},
        title={"type": "string"},
        kind={"type": "string", "enum": ["bar", "hbar", "pie", "line"]},
        trend={"type": "boolean", "description": "按年排列，空缺年份为 0 / years in order, missing ones as 0"},
        measures={"type": "array", "items": _obj(["field", "label", "unit"], field={"type": "string", "enum": MEASURE_KEYS},
                                                 label={"type": "string"}, unit={"type": "string"})},
        buckets={"type": "array", "items": {"$ref": "#/components/schemas/StatsBucket"}},
    )
    result = _obj(
        ["type", "total", "totals", "charts", "search"],
        type={"type": "string", "enum": list(STATS_TYPES)},
        total={"type": "integer", "minimum": 0, "description": "符合条件的记录数 / records the words and filters keep"},
        totals=SUMS,
        charts={"type": "array", "items": {"$ref": "#/components/schemas/StatsChart"}},
        search={"type": "string", "description": "同一检索（站内路径）/ the same search (a path)"},
    )
    return {"StatsBucket": bucket, "StatsChart": chart, "StatsResult": result, **exchange_components()}


def exchange_components() -> dict[str, dict[str, Any]]:
    """``/stats/exchanges``: counts and sums from the store; no company or person in them."""
    money = {"type": "number", "minimum": 0, "description": "元 / CNY"}
    count = {"type": "integer", "minimum": 0}
    label = {"type": "string", "description": "按请求语言的名称 / its name in the request's language"}
    status = _obj(["key", "label", "count"], key={"type": "string", "enum": list(STATUS)}, label=label, count=count)
    group = _obj(["key", "label", "count", "amount"],
                 key={"type": "string", "description": "代码表中的代码；unknown 为未注明 / the vocabulary code; `unknown`: not stated"},
                 label=label, count={**count, "description": "达成的协议数 / agreements reached"},
                 amount={**money, "description": "协议金额之和（未填写金额的协议不计入）/ the agreements' amounts added up (CNY; an "
                                                 "agreement without one adds nothing)"})
    groups = {"type": "array", "items": {"$ref": "#/components/schemas/ExchangeGroup"}}
    record = {"type": "string", "pattern": r"^[a-z]+-[1-9][0-9]*$", "description": "记录编号 / the record's public id"}
    path = {"type": "string", "description": "记录页面（站内路径）/ the record's page (a path)"}
    patent = _obj(["id", "title", "licences", "fees", "url"], id=record, title={"type": "string"}, licences=count, fees=money, url=path)
    instrument = _obj(["id", "name", "hours", "bookings", "fees", "url"], id=record, name={"type": "string"},
                      hours={"type": "number", "minimum": 0}, bookings=count, url=path,
                      fees={**money, "nullable": True, "description": "服务收费之和，仅向登录会员给出 / fees charged, added up (CNY); "
                                                                   "signed-in members only, null for others"})
    result = _obj(
        ["year", "years", "inquiries", "agreements", "licences", "bookings"],
        year={"type": "integer", "nullable": True, "description": "所统计的年份；null 为全部年份 / the year counted; null: every year"},
        years={"type": "array", "items": {"type": "integer"}, "description": "有数据的年份（从新到旧）/ the years with figures, newest first"},
        inquiries=_obj(["total", "by_status"], total=count, by_status={"type": "array", "items": status}),
        agreements=_obj(["count", "amount", "by_mode", "by_field", "by_city"], count=count, amount=money,
                        by_mode=groups, by_field=groups, by_city=groups),
        licences=_obj(["count", "fees", "top_patents"], count={**count, "description": "授予的开放许可数 / open licences granted"},
                      fees=money, top_patents={"type": "array", "maxItems": TOP, "items": patent}),
        bookings=_obj(["count", "hours", "fees", "top_instruments"], count={**count, "description": "完成的预约数 / bookings completed"},
                      hours={"type": "number", "minimum": 0},
                      fees={**money, "nullable": True, "description": "服务收费之和，仅向登录会员给出 / fees charged, added up (CNY); "
                                                                   "signed-in members only, null for others"},
                      top_instruments={"type": "array", "maxItems": TOP, "items": instrument}),
    )
    return {"ExchangeGroup": group, "ExchangeStats": result}


def paths(search_parameters: list[dict[str, Any]], responses, json_body, ref) -> dict[str, Any]:
    params = []
    for p in copy.deepcopy(search_parameters):
        if p["name"] in NOT_SEARCH:
            continue
        if p["name"] == "type":
            p["schema"]["enum"] = list(STATS_TYPES)
        params.append(p)
    return {**_stats_path(params, responses, json_body, ref), **exchange_paths(responses, json_body, ref)}


def exchange_paths(responses, json_body, ref) -> dict[str, Any]:
    year = {"in": "query", "name": "year", "required": False, "schema": {"type": "integer", "minimum": MIN_YEAR, "maximum": MAX_YEAR},
            "description": "达到该状态的年份（UTC）；不填为全部年份 / the year (UTC) the state was reached; every year when left out"}
    return {"/stats/exchanges": {"get": {
        "operationId": "exchange_stats", "tags": ["statistics"], "summary": "成果转化成交统计 / transfers and services",
        "description": "平台上各方之间的往来，由数据库统计（不经检索引擎）：意向洽谈按状态（按达到当前状态的日期计年），达成的协议按转化方式、"
                       "技术领域和所在地市（件数与金额），授予的开放许可（件数、许可费、许可最多的专利），完成的仪器预约（次数、机时、"
                       "收费、机时最多的仪器）。只有公开的数字，不含任何单位或个人的名称。/ The exchanges between parties on the "
                       "platform, counted from the store (not the search engine): inquiries by status (counted in the year they "
                       "reached it), agreements by mode, field and city (counts and amounts), open licences granted (count, fees, "
                       "most licensed patents), instrument bookings completed (count, hours, fees, instruments by hours). Public "
                       "figures only: no company or person is named.",
        "parameters": [year],
        "responses": responses({"200": json_body("成交统计 / the figures", ref("ExchangeStats"))}, 422),
    }}}


def _stats_path(params: list[dict[str, Any]], responses, json_body, ref) -> dict[str, Any]:
    return {"/stats": {"get": {
        "operationId": "stats", "tags": ["statistics"], "summary": "统计 / statistics",
        "description": "与 /search 相同的参数；每个图表一个分组计数，由检索引擎聚合得出（Elasticsearch 聚合；嵌入式引擎为 SQL），"
                       "每个分组附列出其记录的检索链接。/ The parameters of /search; one grouped count per chart, computed by the "
                       "search engine (Elasticsearch aggregations; SQL in the embedded engine), each group with the search that "
                       "lists its records. A chart counts its own dimension under the other filters (as search facets do).",
        "parameters": params,
        "responses": responses({"200": json_body("统计 / the statistics", ref("StatsResult"))}, 400, 422, 503),
    }}}
