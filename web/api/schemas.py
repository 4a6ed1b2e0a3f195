"""Schemas of the JSON API that are not record schemas: request arguments, and the shapes of
search results, suggestions, import jobs and errors.

The argument schemas load requests. The response schemas document what the views return
(``SearchView.to_dict()``, ``ImportService.to_dict()``, ...); the OpenAPI document is
generated from them, and the schemathesis suite checks every response against it."""
from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from ..models.ingest import JOB_STATES
from ..search_options import RECORD_TYPES

IMPORTABLE_TYPES = ("achievement", "patent", "instrument", "institution")
WRITABLE_TYPES = (*IMPORTABLE_TYPES, "need")  # technology needs come by form and API, not in files
MAX_SUGGEST = 20
MAX_SIMILAR = 20


# -- request arguments -------------------------------------------------------------------------

class _Args(Schema):
    class Meta:
        unknown = EXCLUDE  # tracking parameters and the like are ignored, as on the search page


class SuggestArgsSchema(_Args):
    q = fields.String(load_default="", validate=validate.Length(max=100),
                      metadata={"description": "已输入的文字 / the text typed so far (blank: no suggestions)"})
    type = fields.String(load_default="all", validate=validate.OneOf(RECORD_TYPES),
                         metadata={"description": "记录类型 / record type (all: achievements, patents, instruments and institutions)"})
    size = fields.Integer(load_default=8, validate=validate.Range(min=1, max=MAX_SUGGEST),
                          metadata={"description": "建议条数 / number of suggestions"})


class SimilarArgsSchema(_Args):
    size = fields.Integer(load_default=5, validate=validate.Range(min=1, max=MAX_SIMILAR),
                          metadata={"description": "相似记录条数 / number of similar records"})


class ImportFormSchema(_Args):
    """The form fields of an import upload (the file itself is checked by the view)."""

    record_type = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(IMPORTABLE_TYPES),
                                metadata={"description": "记录类型；不填则由文件判断 / record type; omitted: detected from the file"})
    default_institution = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200),
                                        metadata={"description": "文件未注明时的默认单位 / institution for rows that name none"})

    @pre_load
    def blank_is_missing(self, data: Any, **kwargs):
        """An HTML form sends an empty field for "not given"."""
        return {k: v for k, v in data.items() if v != ""} if hasattr(data, "items") else data


# -- responses ---------------------------------------------------------------------------------

class ErrorDetailSchema(Schema):
    field = fields.String(required=True, metadata={"description": "出错字段（点号路径）/ the field, as a dotted path"})
    message = fields.String(required=True)


class ErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={"description": "机器可读的错误码 / machine-readable code, e.g. validation_error, not_found, invalid_sort"})
    message = fields.String(required=True, metadata={"description": "中文 / English message"})
    details = fields.List(fields.Nested(ErrorDetailSchema), metadata={"description": "逐字段的问题 / one entry per field"})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


class FacetValueSchema(Schema):
    key = fields.Raw(required=True, metadata={"description": "分面取值（代码、数字或布尔）/ the value: a code, a number or a boolean"})
    count = fields.Integer(required=True)
    selected = fields.Boolean(required=True)


class HitSchema(Schema):
    id = fields.String(required=True, metadata={"description": "公开编号 / public id, e.g. ach-12"})
    record_type = fields.String(required=True, allow_none=True)
    score = fields.Float(required=True, allow_none=True, metadata={"description": "相关度；按其他字段排序时为空 / relevance; null when sorted by another field"})
    title = fields.String(required=True, allow_none=True)
    title_en = fields.String(required=True, allow_none=True)
    summary = fields.String(required=True, allow_none=True)
    highlights = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True,
                             metadata={"description": "高亮片段：已转义的 HTML，仅含 <mark> 标记 / escaped HTML snippets with <mark> only"})
    source = fields.Dict(required=True, metadata={"description": "索引文档（代码而非标签）/ the index document (codes, not labels)"})


class SearchResultSchema(Schema):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    size = fields.Integer(required=True)
    pages = fields.Integer(required=True, metadata={"description": "按页码可达的页数（前 10,000 条）/ pages reachable by number (first 10,000 results)"})
    sort = fields.String(required=True)
    next_cursor = fields.String(required=True, allow_none=True,
                                metadata={"description": "下一页的游标，传回 cursor 参数；无更多结果时为空 / pass back as `cursor` for the next page; null at the end"})
    hits = fields.List(fields.Nested(HitSchema), required=True)
    facets = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(FacetValueSchema)), required=True)


class SimilarResultSchema(Schema):
    hits = fields.List(fields.Nested(HitSchema), required=True)


class SuggestionSchema(Schema):
    text = fields.String(required=True)
    record_type = fields.String(required=True, validate=validate.OneOf(WRITABLE_TYPES))
    id = fields.String(required=True)


class RecordLinksSchema(Schema):
    self = fields.Url(required=True, metadata={"description": "本记录的 API 地址 / this record in the API"})
    html = fields.Url(required=True, metadata={"description": "记录页面 / the record's page"})
    similar = fields.Url(required=True, metadata={"description": "相似记录 / similar records"})


class JobCountsSchema(Schema):
    read = fields.Integer(required=True)
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    rejected = fields.Integer(required=True)
    deleted = fields.Integer(required=True)


class JobProgressSchema(Schema):
    done = fields.Integer(required=True)
    total = fields.Integer(required=True, allow_none=True)
    percent = fields.Integer(required=True, allow_none=True)


class JobLinksSchema(Schema):
    self = fields.Url(required=True)
    cancel = fields.Url(required=True)
    errors = fields.Url(required=True, metadata={"description": "被拒记录的 CSV / the rejected records as CSV"})


class JobPartSchema(Schema):
    part = fields.Integer(required=True)
    first_record = fields.Integer(required=True)
    last_record = fields.Integer(required=True, allow_none=True, metadata={"description": "空：到文件末尾 / null: to the end of the file"})
    status = fields.String(required=True, validate=validate.OneOf(JOB_STATES))
    done = fields.Integer(required=True, metadata={"description": "已提交的记录数 / records committed"})


class ImportJobSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("file", "harvest")))
    status = fields.String(required=True, validate=validate.OneOf(JOB_STATES))
    filename = fields.String(required=True)
    record_type = fields.String(required=True, allow_none=True)
    reader = fields.String(required=True, allow_none=True)
    counts = fields.Nested(JobCountsSchema, required=True)
    progress = fields.Nested(JobProgressSchema, required=True)
    parts = fields.List(fields.Nested(JobPartSchema), required=True, metadata={
        "description": "大文件分段并行导入时的各段；否则为空 / the parts of a large file imported in parallel; empty otherwise"})
    message = fields.String(required=True, allow_none=True)
    refusal_code = fields.String(required=True, allow_none=True)
    cancel_requested = fields.Boolean(required=True)
    created_at = fields.String(required=True, allow_none=True, metadata={"description": "ISO 8601 (UTC)"})
    started_at = fields.String(required=True, allow_none=True, metadata={"description": "ISO 8601 (UTC)"})
    finished_at = fields.String(required=True, allow_none=True, metadata={"description": "ISO 8601 (UTC)"})
    links = fields.Nested(JobLinksSchema, required=True)


class DraftCommentSchema(Schema):
    author = fields.String(required=True)
    role = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("comment", "submit", "approve", "reject")))
    body = fields.String(required=True)
    created_at = fields.String(required=True, allow_none=True, metadata={"description": "ISO 8601 (UTC)"})


class DraftLinksSchema(Schema):
    self = fields.Url(required=True)
    html = fields.Url(required=True, metadata={"description": "草稿页面 / the draft's page"})


class DraftSummarySchema(Schema):
    id = fields.Integer(required=True)
    record_type = fields.String(required=True, validate=validate.OneOf(WRITABLE_TYPES))
    status = fields.String(required=True, validate=validate.OneOf(("draft", "submitted", "in_review", "rejected", "published", "discarded")))
    title = fields.String(required=True)
    record = fields.String(required=True, allow_none=True, metadata={"description": "所修改（或批准后所成为）的记录 / the record it edits, or became"})
    institution = fields.String(required=True, allow_none=True, metadata={"description": "所属单位 / its institution, org-N"})
    revision = fields.Integer(required=True, metadata={"description": "草稿自身的版本（ETag）/ the draft's own revision (its ETag)"})
    base_revision = fields.Integer(required=True, allow_none=True, metadata={"description": "修改开始时记录的版本 / the record's revision the edit started from"})
    reason = fields.String(required=True, allow_none=True, metadata={"description": "退回理由 / why it was rejected"})
    created_at = fields.String(required=True, allow_none=True)
    updated_at = fields.String(required=True, allow_none=True)
    submitted_at = fields.String(required=True, allow_none=True)
    reviewed_at = fields.String(required=True, allow_none=True)
    links = fields.Nested(DraftLinksSchema, required=True)


class DraftSchema(DraftSummarySchema):
    data = fields.Dict(required=True, metadata={"description": "记录内容（与 POST /records 相同的形式）/ the record, as POST /records takes it"})
    comments = fields.List(fields.Nested(DraftCommentSchema), required=True)


class MessageSchema(_Args):
    message = fields.String(load_default="", validate=validate.Length(max=4000),
                            metadata={"description": "意见、退回理由或评论 / a comment, the reason of a rejection"})


class VersionSchema(Schema):
    revision = fields.Integer(required=True)
    status = fields.String(required=True)
    change = fields.String(required=True, metadata={"description": "created, updated, imported, approved, withdrawn, deleted"})
    actor = fields.String(required=True)
    draft = fields.String(required=True, allow_none=True)
    created_at = fields.String(required=True, allow_none=True)


class FieldChangeSchema(Schema):
    field = fields.String(required=True)
    before = fields.Raw(required=True, allow_none=True)
    after = fields.Raw(required=True, allow_none=True)


class VersionDetailSchema(VersionSchema):
    data = fields.Dict(required=True, metadata={"description": "该版本的记录 / the record at this revision"})
    changes = fields.List(fields.Nested(FieldChangeSchema), required=True, metadata={"description": "与上一版本相比 / against the revision before"})


class DraftListArgsSchema(_Args):
    status = fields.List(fields.String(validate=validate.OneOf(("draft", "submitted", "in_review", "rejected", "published", "discarded"))),
                         load_default=None, metadata={"description": "按状态筛选（可重复）/ filter by status (repeatable)"})
    type = fields.String(load_default=None, validate=validate.OneOf(WRITABLE_TYPES), metadata={"description": "记录类型 / record type"})
    size = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))

    @pre_load
    def lists(self, data: Any, **kwargs):
        if hasattr(data, "getlist"):
            out = {k: data.get(k) for k in data if k != "status"}
            if "status" in data:
                out["status"] = data.getlist("status")
            return out
        return data


# -- accounts ------------------------------------------------------------------------------------

class MeSchema(Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, metadata={"description": "admin, reviewer, publisher, intermediary or investor"})
    institution = fields.String(required=True, allow_none=True, metadata={"description": "发布者的单位编号 / a publisher's institution, org-N"})


class TokenSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    prefix = fields.String(required=True, metadata={"description": "令牌中可公开的部分 / the public part of the token (jlt_<prefix>_…)"})
    created_at = fields.String(required=True, metadata={"description": "ISO 8601 (UTC)"})
    expires_at = fields.String(required=True, allow_none=True, metadata={"description": "ISO 8601 (UTC)"})
    last_used_at = fields.String(required=True, allow_none=True, metadata={"description": "ISO 8601 (UTC)"})
    revoked_at = fields.String(required=True, allow_none=True, metadata={"description": "ISO 8601 (UTC)"})


class NewTokenSchema(TokenSchema):
    token = fields.String(required=True, metadata={"description": "完整令牌，只返回这一次 / the whole token, returned this once"})


class TokenCreateSchema(_Args):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100), metadata={"description": "令牌名称 / a name for the token"})
    days = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=3650),
                          metadata={"description": "有效天数；不填则长期有效 / lifetime in days; omitted: until revoked"})


__all__ = [
    "DraftListArgsSchema", "DraftSchema", "DraftSummarySchema", "MessageSchema", "VersionSchema", "VersionDetailSchema", "MeSchema", "TokenSchema", "NewTokenSchema", "TokenCreateSchema",
    "SuggestArgsSchema", "SimilarArgsSchema", "ImportFormSchema", "ErrorSchema", "ErrorDetailSchema", "FacetValueSchema",
    "HitSchema", "SearchResultSchema", "SimilarResultSchema", "SuggestionSchema", "RecordLinksSchema", "ImportJobSchema",
    "WRITABLE_TYPES",
]
