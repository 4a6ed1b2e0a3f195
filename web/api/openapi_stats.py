"""The statistics' part of the OpenAPI document (``stats.py``'s route), merged into it by
``openapi.py``: the answer's schema and the path, whose parameters are the search's own."""
from __future__ import annotations

import copy
from typing import Any

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
    return {"StatsBucket": bucket, "StatsChart": chart, "StatsResult": result}


def paths(search_parameters: list[dict[str, Any]], responses, json_body, ref) -> dict[str, Any]:
    params = []
    for p in copy.deepcopy(search_parameters):
        if p["name"] in NOT_SEARCH:
            continue
        if p["name"] == "type":
            p["schema"]["enum"] = list(STATS_TYPES)
        params.append(p)
    return {"/stats": {"get": {
        "operationId": "stats", "tags": ["statistics"], "summary": "统计 / statistics",
        "description": "与 /search 相同的参数；每个图表一个分组计数，由检索引擎聚合得出（Elasticsearch 聚合；嵌入式引擎为 SQL），"
                       "每个分组附列出其记录的检索链接。/ The parameters of /search; one grouped count per chart, computed by the "
                       "search engine (Elasticsearch aggregations; SQL in the embedded engine), each group with the search that "
                       "lists its records. A chart counts its own dimension under the other filters (as search facets do).",
        "parameters": params,
        "responses": responses({"200": json_body("统计 / the statistics", ref("StatsResult"))}, 400, 422, 503),
    }}}
