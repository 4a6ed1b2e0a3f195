"""The OpenAPI 3.0 document of the API, generated from the marshmallow schemas with apispec.

Two passes over the record schemas, because a record is not the same thing going in and
coming out:
* output (``Achievement``, ``Patent`` ...): every field, system fields (``dump_only``) marked
  ``readOnly``; vocabulary fields carry their codes as ``enum``, since the API answers codes;
* input (``AchievementInput`` ...): system fields left out; a vocabulary field takes a code
  *or* its Chinese or English label (``长春市``, ``Changchun``, ``changchun``), so the codes and
  labels are described instead of listed as an enum (an enum would call accepted labels
  invalid).

apispec 6 with marshmallow 4 needs a few corrections, made below and noted where made
(``_field_attributes`` and ``_tidy_query``)."""
from __future__ import annotations

import copy
from functools import cache
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import jsonify
from marshmallow import fields

from .. import vocabularies
from ..models import RECORD_CLASSES
from ..schemas import SCHEMAS
from ..schemas.common import BaseRecordSchema, Phone, Str, StrList, Trl, Vocab, YearMonth
from ..schemas.search_args import SearchArgsSchema
from ..search_options import FACETS, SORTS
from . import admin_openapi, bp, openapi_alerts, openapi_selection, openapi_stats
from . import openapi_inquiries
from . import openapi_licences
from . import openapi_bookings
from .common import PUBLIC_ID_PATTERN
from .openapi_attachments import COMPONENTS as ATTACHMENT_COMPONENTS
from .openapi_attachments import paths as attachment_paths
from .schemas import (
    DraftListArgsSchema, DraftSchema, DraftSummarySchema, ErrorSchema, FacetValueSchema, HitSchema, MessageSchema,
    VersionDetailSchema, VersionSchema, ImportFormSchema, ImportJobSchema, MeSchema, NewTokenSchema, RecordLinksSchema,
    SearchResultSchema, SimilarArgsSchema, SimilarResultSchema, SuggestArgsSchema, SuggestionSchema, TokenCreateSchema, TokenSchema,
)

TITLE = "吉林省科技成果转化信息检索 API / Jilin technology-transfer search API"
VERSION = "1.0.0"
OPENAPI_VERSION = "3.0.3"
PREFIX = bp.url_prefix or ""
DESCRIPTION = """\
检索吉林省科技成果、专利、大型科研仪器和单位，并由操作员写入记录、导入文件。
Search Jilin's technology achievements, patents, research instruments and institutions; operators
also write records and import files.

* 检索参数与检索页面相同 / the search parameters are those of the search page. Page numbers
  reach the first 10,000 results; go deeper with `cursor` (from `next_cursor`).
* 代码表字段返回代码；写入时可用代码或中英文名称 / vocabulary fields answer codes; writes accept a
  code or its Chinese or English label.
* 错误统一为 `{"error": {"code", "message", "details"}}` / every error has that shape.
* 分级公开 / tiered disclosure: anyone reads published records; contact details and full
  descriptions need an account (`withheld` lists what a caller without one did not get), and
  confidential files an access request their holder approved. Members' reads of those are
  logged for the holder (`GET /disclosures`).
* 身份 / identity: anyone reads published records. Writes need a credential: an API token in
  `Authorization: Bearer <token>` (made on the account page or with `POST /tokens`; shown once,
  stored hashed), or the site's session cookie together with its CSRF token in `X-CSRFToken`.
  Without one a write answers 401; with a role that may not do it, 403.
"""

RECORD_NAMES = {"achievement": "Achievement", "patent": "Patent", "instrument": "Instrument", "institution": "Institution"}
SYSTEM_TIMES = ("created_at", "updated_at", "published_at")
PHONE_PATTERN = r"^[+0-9][0-9\s\-()转#,/]{4,40}$"  # what Phone accepts, in ECMA 262 regex
ID_PREFIX = {t: cls.PREFIX for t, cls in RECORD_CLASSES.items()}

ERRORS = {
    412: "版本不符：记录或草稿已被他人修改（响应中附当前版本）/ the record or draft changed meanwhile (the current one is in the answer)",
    428: "须在 If-Match 中携带读取时的 ETag / send the ETag you read in If-Match",
    401: "需要登录：API 令牌（Authorization: Bearer）或会话 / sign in: an API token (Authorization: Bearer) or a session",
    400: "请求有误：未知排序或筛选、超出 10,000 条的页码、JSON 无法解析 / bad request: unknown sort or filter, "
         "a page beyond 10,000 results, malformed JSON",
    403: "当前角色无权执行 / your role may not do this",
    404: "记录或任务不存在 / no such record or job",
    409: "与已有记录冲突 / conflicts with an existing record",
    415: "请求体应为 JSON / the body must be application/json",
    422: "参数或数据校验未通过，details 逐字段说明 / validation failed; `details` lists each field",
    503: "检索服务暂不可用或索引未建立 / the search engine is unavailable or its index is missing",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


# -- apispec corrections -------------------------------------------------------------------------

def _field_attributes(output: bool):
    """An apispec attribute function for our custom fields (``web/schemas/common.py``).

    apispec maps them by their marshmallow base class (Str -> string, Money -> number, Trl ->
    integer ...), which is right but loses what their ``_deserialize`` enforces: vocabulary
    codes, list lengths, the TRL range, the YYYY-MM form. Two more corrections: apispec gives
    ``fields.Url`` the format "url", which no JSON Schema validator knows ("uri" is meant); and
    it writes a nullable nested object, in OpenAPI 3.0, as ``anyOf: [{type: object, nullable:
    true}, {$ref}]``, whose first branch admits *any* object, so that branch is narrowed to null."""

    def custom_field_attributes(self, field: fields.Field, ret: dict[str, Any], **kwargs) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if isinstance(field, Vocab):
            vocab = vocabularies.get(field.vocabulary)
            if output:
                extra["enum"] = [*vocab.codes, *([None] if field.allow_none else [])]
                extra["description"] = f"{vocab.zh} / {vocab.en}: " + ", ".join(f"{t.code} = {t.zh} / {t.en}" for t in vocab)
            else:
                extra["description"] = (f"{vocab.zh} / {vocab.en}: 代码或中英文名称 / a code or its Chinese or English label: "
                                        + "; ".join(f"{t.code} ({t.zh} / {t.en})" for t in vocab))
                extra["example"] = vocab.codes[0]
        if isinstance(field, StrList):
            if field.max_items is not None:
                extra["maxItems"] = field.max_items
            if field.min_items:
                extra["minItems"] = field.min_items
                if not output and "items" in ret:  # blank items are dropped, so they do not count
                    extra["items"] = {**ret["items"], "minLength": 1, "pattern": r"\S"}
        if isinstance(field, Phone) and not output:
            extra["pattern"] = PHONE_PATTERN
        if isinstance(field, Str) and field.required and not output:
            extra.update(minLength=1, pattern=r"\S")  # blank text counts as missing
        if isinstance(field, Trl):
            extra.update(minimum=1, maximum=9)
        if isinstance(field, YearMonth):
            extra["example"] = "2021-03"
            if output:
                extra["pattern"] = r"^\d{4}-\d{2}$"
        if isinstance(field, fields.Url):
            extra["format"] = "uri"  # apispec writes "url", which no JSON Schema validator knows
        if "anyOf" in ret:
            extra["anyOf"] = [
                {"type": "object", "nullable": True, "enum": [None]} if branch == {"type": "object", "nullable": True} else branch
                for branch in ret["anyOf"]
            ]
        return extra

    custom_field_attributes.__name__ = f"custom_field_attributes_{'out' if output else 'in'}"
    return custom_field_attributes


def _tidy_query(params: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """apispec copies ``load_default=None`` / ``allow_none`` into query parameters as
    ``default: null`` and ``nullable: true``; a query string has no null (the parameter is
    simply left out), so both go (with a ``null`` apispec adds to an enum). The same holds for
    the fields of a multipart form."""
    for p in params:
        _not_null(p.get("schema", {}))
    return params


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    if "default" in schema and schema["default"] is None:
        del schema["default"]
    schema.pop("nullable", None)
    if None in schema.get("enum", ()):
        schema["enum"] = [v for v in schema["enum"] if v is not None]
    return schema


def _new_spec(output: bool) -> tuple[APISpec, MarshmallowPlugin]:
    suffix = "" if output else "Input"

    def name_resolver(schema: Any) -> str:
        cls = schema if isinstance(schema, type) else type(schema)
        return cls.__name__.removesuffix("Schema") + suffix

    plugin = MarshmallowPlugin(schema_name_resolver=name_resolver)
    spec = APISpec(title=TITLE, version=VERSION, openapi_version=OPENAPI_VERSION, plugins=[plugin],
                   info={"description": DESCRIPTION})
    plugin.converter.add_attribute_function(_field_attributes(output))
    return spec, plugin


# -- the document ----------------------------------------------------------------------------------

def _record_components(spec: APISpec, inputs: APISpec) -> None:
    for record_type, name in RECORD_NAMES.items():
        schema_cls = SCHEMAS[record_type][0]
        spec.components.schema(name, schema=schema_cls)
        inputs.components.schema(f"{name}Input", schema=schema_cls(exclude=BaseRecordSchema.SYSTEM_FIELDS))


def _finish_records(doc: dict[str, Any]) -> None:
    """What the record schemas cannot say themselves."""
    schemas = doc["components"]["schemas"]
    for record_type, name in RECORD_NAMES.items():
        out = schemas[name]["properties"]
        out["id"].update(pattern=PUBLIC_ID_PATTERN, example=f"{ID_PREFIX[record_type]}-1")
        out["record_type"]["enum"] = [record_type]
        out["links"] = _ref("RecordLinks")
        for key in SYSTEM_TIMES:  # drafts have no published_at; the dump writes null
            out[key]["nullable"] = True
        out["withheld"] = {  # web/disclosure.py
            "type": "array", "items": {"type": "string"}, "readOnly": True,
            "description": "未登录时省略或缩短的字段（联系方式、完整介绍等），登录后可见 / the fields a caller without an account "
                           "does not get in full (left out, or shortened to an excerpt): contact details, the full "
                           "description ...; empty for signed-in members"}
        schemas[name]["required"] = sorted({*schemas[name].get("required", []), "id", "record_type", "links"})
        given = schemas[f"{name}Input"]
        given["properties"] = {
            "record_type": {"type": "string", "enum": [record_type],
                            "description": "创建时必填；替换时可省略 / required to create; may be left out to replace"},
            **given["properties"],
        }
        schemas[f"{name}Create"] = {"allOf": [_ref(f"{name}Input")], "required": ["record_type"]}
    schemas["RecordCreate"] = {
        "oneOf": [_ref(f"{name}Create") for name in RECORD_NAMES.values()],
        "discriminator": {"propertyName": "record_type",
                          "mapping": {t: f"#/components/schemas/{n}Create" for t, n in RECORD_NAMES.items()}},
    }
    schemas["ImportJob"]["properties"]["created_at"]["format"] = "date-time"
    for key in ("started_at", "finished_at"):
        schemas["ImportJob"]["properties"][key]["format"] = "date-time"


def _search_parameters(plugin: MarshmallowPlugin) -> list[dict[str, Any]]:
    params = _tidy_query(plugin.converter.schema2parameters(SearchArgsSchema, location="query"))
    sort_keys = sorted({s.key for defs in SORTS.values() for s in defs})
    for p in params:
        name, schema = p["name"], p["schema"]
        if name == "sort":
            schema["enum"] = sort_keys  # which of them a type offers: the description; others answer 400
        defs = [d for ds in FACETS.values() for d in ds if d.key == name]
        if not defs:
            continue
        if all(d.ranges for d in defs):
            schema["items"]["enum"] = sorted({r.key for d in defs for r in d.ranges})
        vocabs = sorted({d.vocabulary for d in defs if d.vocabulary})
        if vocabs:
            p["description"] += " — " + "; ".join(
                "代码 / codes: " + ", ".join(vocabularies.get(v).codes) for v in vocabs)
        p["description"] += " (可重复，多值为“或” / repeat the parameter for several values, any of which may match)"
    return params


STALE = {"type": "object", "required": ["error"], "properties": {
    "error": _ref("ErrorBody"),
    "current": {"type": "object", "description": "记录的当前版本（对照用）/ the record as it is now, to compare"}}}


def _responses(ok: dict[str, Any], *errors: int) -> dict[str, Any]:
    out = dict(ok)
    for status in errors:
        schema = STALE if status == 412 else _ref("Error")
        out[str(status)] = {"description": ERRORS[status], "content": {"application/json": {"schema": schema}}}
    return out


def _json(description: str, schema: dict[str, Any], headers: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        body["headers"] = headers
    return body


ETAG = {"ETag": {"description": "记录的版本 / the record's revision", "schema": {"type": "string"}}}
LOCATION = {"Location": {"description": "记录或任务的地址 / where the record or job is", "schema": {"type": "string", "format": "uri"}}}


def _paths(plugin: MarshmallowPlugin) -> dict[str, dict[str, Any]]:
    public_id = {"in": "path", "name": "public_id", "required": True,
                 "description": "公开编号 / public id: ach-N, pat-N, ins-N or org-N",
                 "schema": {"type": "string", "pattern": PUBLIC_ID_PATTERN, "example": "ach-1"}}
    job_id = {"in": "path", "name": "job_id", "required": True, "description": "导入任务编号 / import job id",
              "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}}
    draft_id = {"in": "path", "name": "draft_id", "required": True, "description": "草稿编号 / draft id",
                "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}}
    if_match = {"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string", "pattern": r'^(W/)?"?[0-9]+"?$'},
                "description": "读取时的 ETag（修改以哪个版本为准）/ the ETag you read: the revision your edit starts from"}
    query = lambda schema: _tidy_query(plugin.converter.schema2parameters(schema, location="query"))  # noqa: E731
    record_body = {"required": True, "content": {"application/json": {"schema": _ref("RecordCreate")}}}
    upload = plugin.converter.schema2jsonschema(ImportFormSchema)
    for prop in upload["properties"].values():
        _not_null(prop)
    upload["properties"] = {"file": {"type": "string", "format": "binary",
                                     "description": "CSV、XLSX、JSON 或专利 XML / CSV, XLSX, JSON or patent XML"},
                            **upload["properties"]}
    upload["required"] = ["file"]

    any_record = {"oneOf": [_ref(n) for n in RECORD_NAMES.values()]}  # record_type tells them apart

    return {
        **attachment_paths(plugin, public_id),
        "/search": {"get": {
            "operationId": "search", "tags": ["search"], "summary": "检索 / search",
            "description": "科技成果、专利、仪器（type=all）或单一类型的检索，含分面、排序与翻页。/ Search all types or one, "
                           "with facets, sorts and paging; `cursor` pages past the first 10,000 results.",
            "parameters": _search_parameters(plugin),
            "responses": _responses({"200": _json("检索结果 / results", _ref("SearchResult"))}, 400, 422, 503),
        }},
        "/suggest": {"get": {
            "operationId": "suggest", "tags": ["search"], "summary": "输入提示 / type-ahead suggestions",
            "parameters": query(SuggestArgsSchema),
            "responses": _responses({"200": _json("建议 / suggestions", {"type": "array", "items": _ref("Suggestion")})}, 400, 422, 503),
        }},
        "/records": {"post": {
            "operationId": "create_record", "tags": ["records"], "summary": "创建记录 / create a record",
            "description": "按自然键（登记号、申请号、单位名称等）匹配已有记录时更新之（200），否则创建（201）。/ A record "
                           "that matches an existing one by its natural key (registration or application number, "
                           "institution name ...) updates it (200); otherwise one is created (201). Operators only.",
            "requestBody": record_body,
            "responses": _responses({
                "201": _json("已创建 / created", any_record, LOCATION),
                "200": _json("已更新同一记录 / the matching record, updated", any_record, LOCATION),
            }, 400, 403, 409, 415, 422),
        }},
        "/records/{public_id}": {
            "parameters": [public_id],
            "get": {
                "operationId": "get_record", "tags": ["records"], "summary": "读取记录 / read a record",
                "responses": _responses({"200": _json("记录 / the record", any_record, ETAG)}, 404),
            },
            "put": {
                "operationId": "replace_record", "tags": ["records"], "summary": "替换记录 / replace a record",
                "description": "整条替换：未给出的字段变为空；须在 If-Match 中给出读取时的 ETag。/ Replaces the whole record: "
                               "fields left out become empty; If-Match carries the ETag read. Administrators only (others: drafts).",
                "parameters": [if_match],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"oneOf": [_ref(f"{n}Input") for n in RECORD_NAMES.values()]}}}},
                "responses": _responses({"200": _json("记录 / the record", any_record, ETAG)}, 400, 403, 404, 409, 412, 415, 422, 428),
            },
            "delete": {
                "operationId": "delete_record", "tags": ["records"], "summary": "删除记录 / delete a record",
                "responses": _responses({"204": {"description": "已删除 / deleted"}}, 403, 404, 409),
            },
        },
        "/records/{public_id}/withdraw": {
            "parameters": [public_id],
            "post": {
                "operationId": "withdraw_record", "tags": ["records"], "summary": "撤回记录 / withdraw a record",
                "description": "持有单位或管理员将已发布的记录撤下：不再公开，保留历史。/ The holder or an administrator takes a "
                               "published record offline; it keeps its history.",
                "responses": _responses({"200": _json("记录 / the record", any_record)}, 403, 404),
            },
        },
        "/records/{public_id}/versions": {
            "parameters": [public_id],
            "get": {
                "operationId": "record_versions", "tags": ["records"], "summary": "历史版本 / the record's history",
                "description": "持有单位、审核专家和管理员可见 / for the holder, reviewers and administrators",
                "responses": _responses({"200": _json("版本 / versions, newest first", {"type": "array", "items": _ref("Version")})}, 403, 404),
            },
        },
        "/records/{public_id}/versions/{revision}": {
            "parameters": [public_id, {"in": "path", "name": "revision", "required": True, "description": "版本号 / revision",
                                       "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}}],
            "get": {
                "operationId": "record_version", "tags": ["records"], "summary": "一个版本及其改动 / one revision and its changes",
                "responses": _responses({"200": _json("版本 / the revision", _ref("VersionDetail"))}, 403, 404),
            },
        },
        "/drafts": {
            "get": {
                "operationId": "list_drafts", "tags": ["drafts"], "summary": "草稿 / drafts",
                "description": "发布者：本单位的草稿；审核专家和管理员：全部（status=submitted 为待审核）。/ Publishers: their "
                               "institution's drafts; reviewers and administrators: all (status=submitted: the review queue).",
                "x-account": True, "parameters": query(DraftListArgsSchema),
                "responses": _responses({"200": _json("草稿 / drafts", {"type": "array", "items": _ref("DraftSummary")})}, 422),
            },
            "post": {
                "operationId": "create_draft", "tags": ["drafts"], "summary": "新建草稿 / make a draft",
                "description": "新记录的草稿；给出 `record`（公开编号）则是对该已发布记录的修改。发布者的单位自动成为持有单位。/ A draft of "
                               "a new record; with `record` (a public id), a change of that published record. A publisher's "
                               "institution becomes a holder.",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"allOf": [
                    _ref("RecordCreate"), {"type": "object", "properties": {"record": {"type": "string", "pattern": PUBLIC_ID_PATTERN}}}]}}}},
                "responses": _responses({"201": _json("草稿 / the draft", _ref("Draft"), LOCATION)}, 400, 403, 404, 409, 415, 422),
            },
        },
        "/drafts/{draft_id}": {
            "parameters": [draft_id],
            "get": {
                "operationId": "get_draft", "tags": ["drafts"], "summary": "读取草稿 / read a draft", "x-account": True,
                "responses": _responses({"200": _json("草稿 / the draft", _ref("Draft"))}, 404),
            },
            "put": {
                "operationId": "update_draft", "tags": ["drafts"], "summary": "修改草稿 / change a draft",
                "parameters": [if_match],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"oneOf": [_ref(f"{n}Input") for n in RECORD_NAMES.values()]}}}},
                "responses": _responses({"200": _json("草稿 / the draft", _ref("Draft"))}, 400, 403, 404, 409, 412, 415, 422, 428),
            },
            "delete": {
                "operationId": "discard_draft", "tags": ["drafts"], "summary": "放弃草稿 / discard a draft",
                "responses": _responses({"200": _json("草稿 / the draft", _ref("Draft"))}, 403, 404, 409),
            },
        },
        **{f"/drafts/{{draft_id}}/{step}": {
            "parameters": [draft_id],
            "post": {
                "operationId": f"{step}_draft", "tags": ["drafts"], "summary": summary,
                "requestBody": {"required": False, "content": {"application/json": {"schema": _ref("Message")}}},
                "responses": _responses({"200": _json("草稿 / the draft", _ref("Draft"))}, 400, 403, 404, 409, 412, 415, 422),
            },
        } for step, summary in (("submit", "提交审核 / submit for review"), ("review", "开始审核 / start the review"),
                                ("approve", "批准并发布 / approve and publish"), ("reject", "退回（须说明理由）/ reject (with a reason)"))},
        "/drafts/{draft_id}/comments": {
            "parameters": [draft_id],
            "post": {
                "operationId": "comment_draft", "tags": ["drafts"], "summary": "评论 / comment", "x-account": True,
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Message")}}},
                "responses": _responses({"201": _json("草稿 / the draft", _ref("Draft"))}, 400, 404, 415, 422),
            },
        },
        "/records/{public_id}/similar": {
            "parameters": [public_id],
            "get": {
                "operationId": "similar_records", "tags": ["records"], "summary": "相似记录 / similar records",
                "parameters": query(SimilarArgsSchema),
                "responses": _responses({"200": _json("相似记录 / similar records", _ref("SimilarResult"))}, 400, 404, 422, 503),
            },
        },
        "/imports": {"post": {
            "operationId": "create_import", "tags": ["imports"], "summary": "上传并导入文件 / import a file",
            "description": "文件入队后由后台处理；用返回的任务地址查看进度。/ The file is queued for the ingest worker; "
                           "follow the job at its `links.self`. Operators only.",
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": upload}}},
            "responses": _responses({"202": _json("已入队 / queued", _ref("ImportJob"), LOCATION)}, 400, 403, 422),
        }},
        "/imports/{job_id}": {
            "parameters": [job_id],
            "get": {
                "operationId": "get_import", "tags": ["imports"], "summary": "导入任务状态 / an import job",
                "responses": _responses({"200": _json("任务 / the job", _ref("ImportJob"))}, 403, 404),
            },
        },
        "/imports/{job_id}/cancel": {
            "parameters": [job_id],
            "post": {
                "operationId": "cancel_import", "tags": ["imports"], "summary": "取消导入 / cancel an import",
                "description": "未开始的任务立即取消；运行中的在下一批后停止。/ A queued job is cancelled at once; a running "
                               "one stops after its current batch (already committed records stay).",
                "responses": _responses({"200": _json("任务 / the job", _ref("ImportJob"))}, 403, 404),
            },
        },
        "/imports/{job_id}/errors": {
            "parameters": [job_id],
            "get": {
                "operationId": "import_errors", "tags": ["imports"], "summary": "被拒记录 CSV / the rejected records as CSV",
                "responses": _responses({"200": {
                    "description": "UTF-8（带 BOM）CSV：文件、位置、行、记录、字段、原因 / UTF-8 CSV with BOM: file, location, "
                                   "line, record, field, reason",
                    "content": {"text/csv": {"schema": {"type": "string"}}}}}, 403, 404),
            },
        },
        "/me": {"get": {
            "operationId": "me", "tags": ["account"], "summary": "当前账号 / the caller's account", "x-account": True,
            "responses": _responses({"200": _json("账号 / the account", _ref("Me"))}),
        }},
        "/tokens": {
            "get": {
                "operationId": "list_tokens", "tags": ["account"], "summary": "我的 API 令牌 / my API tokens", "x-account": True,
                "responses": _responses({"200": _json("令牌（不含密文）/ tokens (never their secret)", {"type": "array", "items": _ref("Token")})}),
            },
            "post": {
                "operationId": "create_token", "tags": ["account"], "summary": "创建 API 令牌 / make an API token",
                "description": "完整令牌只在此响应中返回一次，平台只保存其摘要。/ The whole token is in this answer only; the "
                               "platform keeps its SHA-256 digest.",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("TokenCreate")}}}, "x-account": True,
                "responses": _responses({"201": _json("新令牌 / the new token", _ref("NewToken"))}, 400, 415, 422),
            },
        },
        "/tokens/{token_id}": {
            "parameters": [{"in": "path", "name": "token_id", "required": True, "description": "令牌编号 / token id",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}}],
            "delete": {
                "operationId": "revoke_token", "tags": ["account"], "summary": "撤销令牌 / revoke a token", "x-account": True,
                "responses": _responses({"200": _json("已撤销的令牌 / the revoked token", _ref("Token"))}, 404),
            },
        },
        "/openapi.json": {"get": {
            "operationId": "openapi", "tags": ["meta"], "summary": "本文档 / this document",
            "responses": {"200": _json("OpenAPI 3.0", {"type": "object"})},
        }},
        **admin_openapi.admin_paths(query, _responses, _json, _ref),
        **openapi_selection.paths(),
        **openapi_stats.paths(_search_parameters(plugin), _responses, _json, _ref),
        **openapi_alerts.paths(query),
        **openapi_inquiries.paths(query, public_id),
        **openapi_licences.paths(query),
        **openapi_bookings.paths(query),
    }


def _secured(operation: dict[str, Any]) -> dict[str, Any]:
    """Who may call an operation: anyone (reads; a token is optional) or a credential (writes,
    and reads that answer 403). Any call with a bad token answers 401."""
    responses = operation["responses"]
    public = operation.pop("x-public", False)  # a read anyone may make, that answers 403 for some files
    needs_account = operation.pop("x-account", False) or ("403" in responses and not public)
    operation["security"] = ([{"bearerAuth": []}, {"sessionCookie": []}] if needs_account
                             else [{}, {"bearerAuth": []}, {"sessionCookie": []}])
    responses.setdefault("401", {"description": ERRORS[401], "content": {"application/json": {"schema": _ref("Error")}}})
    return operation


@cache
def openapi_document() -> dict[str, Any]:
    """Built once per process: it depends on the schemas and vocabularies only."""
    spec, plugin = _new_spec(output=True)
    inputs, _ = _new_spec(output=False)
    for name, schema in (
        ("Error", ErrorSchema), ("FacetValue", FacetValueSchema), ("Hit", HitSchema), ("SearchResult", SearchResultSchema),
        ("SimilarResult", SimilarResultSchema), ("Suggestion", SuggestionSchema), ("RecordLinks", RecordLinksSchema),
        ("ImportJob", ImportJobSchema), ("Me", MeSchema), ("Token", TokenSchema), ("NewToken", NewTokenSchema),
        ("TokenCreate", TokenCreateSchema), ("Draft", DraftSchema), ("DraftSummary", DraftSummarySchema),
        ("Message", MessageSchema), ("Version", VersionSchema), ("VersionDetail", VersionDetailSchema), *ATTACHMENT_COMPONENTS,
        *admin_openapi.COMPONENTS, *openapi_alerts.COMPONENTS, *openapi_inquiries.COMPONENTS, *openapi_licences.COMPONENTS,
        *openapi_bookings.COMPONENTS,
    ):
        spec.components.schema(name, schema=schema)
    for name, component in openapi_selection.components(plugin).items():
        spec.components.schema(name, component=component)
    for name, component in openapi_stats.components().items():
        spec.components.schema(name, component=component)
    for name, component in openapi_alerts.components(plugin).items():
        spec.components.schema(name, component=component)
    for name, component in openapi_licences.components(plugin).items():
        spec.components.schema(name, component=component)
    for name, component in openapi_bookings.components(plugin).items():
        spec.components.schema(name, component=component)
    _record_components(spec, inputs)
    spec.components.security_scheme("bearerAuth", {
        "type": "http", "scheme": "bearer", "bearerFormat": "jlt_<prefix>_<secret>",
        "description": "API 令牌（账号页面或 POST /tokens 创建）/ an API token, made on the account page or with POST /tokens"})
    spec.components.security_scheme("sessionCookie", {
        "type": "apiKey", "in": "cookie", "name": "tt_session",
        "description": "网站会话；写操作还须在 X-CSRFToken 头中携带 CSRF 令牌 / the site's session; writes also send its CSRF "
                       "token in X-CSRFToken"})
    for path, item in _paths(plugin).items():
        operations = {k: _secured(v) for k, v in item.items() if k != "parameters"}
        spec.path(path=PREFIX + path, operations=operations, parameters=item.get("parameters"))
    spec.tag({"name": "search", "description": "检索与输入提示 / search and type-ahead"})
    spec.tag({"name": "records", "description": "记录 / records"})
    spec.tag({"name": "imports", "description": "批量导入 / bulk imports (operators)"})
    spec.tag({"name": "drafts", "description": "草稿与审核 / drafts and their review"})
    spec.tag({"name": "attachments", "description": "记录的附件（公开或保密）/ files on records, public or confidential"})
    spec.tag({"name": "access requests", "description": "保密附件的查看申请与披露记录 / access to confidential files, and who saw what"})
    spec.tag({"name": "account", "description": "当前账号与 API 令牌 / the caller's account and API tokens"})
    spec.tag(admin_openapi.TAG)
    spec.tag(openapi_selection.TAG)
    spec.tag(openapi_stats.TAG)
    spec.tag(openapi_alerts.TAG)
    spec.tag(openapi_inquiries.TAG)
    spec.tag(openapi_licences.TAG)
    spec.tag(openapi_bookings.TAG)
    spec.tag({"name": "meta", "description": "本 API 的说明 / about this API"})
    doc = spec.to_dict()
    doc["components"]["schemas"].update(inputs.to_dict()["components"]["schemas"])
    _finish_records(doc)
    return doc


@bp.get("/openapi.json")
def openapi():
    return jsonify(copy.deepcopy(openapi_document()))


__all__ = ["openapi_document", "TITLE", "VERSION"]
