"""The OpenAPI paths and components of the attachment, access-request and disclosure-log routes
(``attachments.py``), merged into the document by ``openapi.py``."""
from __future__ import annotations

from typing import Any

from apispec.ext.marshmallow import MarshmallowPlugin

from ..services.filetypes import TYPES
from .attachment_schemas import (
    AccessRequestArgsSchema, AccessRequestCreateSchema, AccessRequestSchema, AttachmentChangeSchema, AttachmentFormSchema,
    AttachedFileSchema, DecisionSchema, DisclosureArgsSchema, DisclosurePageSchema,
)

COMPONENTS = (
    ("AttachedFile", AttachedFileSchema), ("AttachmentChange", AttachmentChangeSchema), ("AccessRequest", AccessRequestSchema),
    ("AccessRequestCreate", AccessRequestCreateSchema), ("Decision", DecisionSchema), ("DisclosurePage", DisclosurePageSchema),
)
ID = {"type": "integer", "minimum": 1, "maximum": 2147483647}
REFUSED = ("文件被拒绝：code 说明原因（active_content、executable、archive、zip_bomb、macro、encrypted、damaged_file、"
           "unsupported_type）/ the file was refused; `code` says why")


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(description: str, schema: dict[str, Any], headers: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        body["headers"] = headers
    return body


def _errors(ok: dict[str, Any], **errors: str) -> dict[str, Any]:
    """``ok`` plus error answers, ``e404="..."`` -> {"404": {description, Error body}}."""
    return {**ok, **{key[1:]: _json(text, _ref("Error")) for key, text in errors.items()}}


def paths(plugin: MarshmallowPlugin, public_id: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The path items, keyed like ``openapi._paths`` (without the /api/v1 prefix)."""
    from .openapi import _not_null, _tidy_query  # the same corrections as the other routes get

    query = lambda schema: _tidy_query(plugin.converter.schema2parameters(schema, location="query"))  # noqa: E731
    attachment_id = {"in": "path", "name": "attachment_id", "required": True, "description": "附件编号 / attachment id", "schema": ID}
    request_id = {"in": "path", "name": "request_id", "required": True, "description": "申请编号 / request id", "schema": ID}
    upload = plugin.converter.schema2jsonschema(AttachmentFormSchema)
    for prop in upload["properties"].values():
        _not_null(prop)
    upload["properties"] = {"file": {"type": "string", "format": "binary", "description": "PDF、图片或 Office 文件 / a PDF, an "
                                     "image or an Office file; the type is found from the content, not the name"},
                            **upload["properties"]}
    upload["required"] = ["file"]
    files = {t.media_type: {"schema": {"type": "string", "format": "binary"}} for t in TYPES.values()}
    location = {"Location": {"description": "新资源的地址 / where it is", "schema": {"type": "string", "format": "uri"}}}
    not_found = "记录或附件不存在，或无权知道 / no such record or file, or none you may know of"
    holder_only = "只有记录的持有单位或管理员可以 / only the record's holder or an administrator may"
    return {
        "/records/{public_id}/attachments": {
            "parameters": [public_id],
            "get": {
                "operationId": "list_attachments", "tags": ["attachments"], "summary": "记录的附件 / a record's files",
                "description": "保密附件只列给登录的会员 / confidential files are listed to signed-in members only.",
                "responses": _errors({"200": _json("附件 / files", {"type": "array", "items": _ref("AttachedFile")})}, e404=not_found),
            },
            "post": {
                "operationId": "upload_attachment", "tags": ["attachments"], "summary": "上传附件 / attach a file",
                "description": "记录的持有单位或管理员。按内容识别类型；网页、SVG、程序、压缩包、含宏或加密的文件被拒绝。/ The "
                               "record's holder or an administrator. The type is found from the content; web pages, SVG, "
                               "programs, archives, macro-enabled and encrypted files are refused.",
                "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": upload}}},
                "responses": _errors({"201": _json("已上传 / attached", _ref("AttachedFile"), location)},
                                     e403=holder_only, e404=not_found, e409="附件数已达上限 / the record has as many files as it may",
                                     e413="文件过大 / the file is too large (ATTACHMENT_MAX_MB)", e415=REFUSED,
                                     e422="表单或文件有误（如空文件）/ the form or the file is invalid (an empty file ...)"),
            },
        },
        "/attachments/{attachment_id}": {
            "parameters": [attachment_id],
            "get": {
                "operationId": "get_attachment", "tags": ["attachments"], "summary": "附件信息 / a file's description",
                "responses": _errors({"200": _json("附件 / the file", _ref("AttachedFile"))}, e404=not_found),
            },
            "patch": {
                "operationId": "change_attachment", "tags": ["attachments"], "summary": "修改附件 / rename, recategorise, "
                "mark public or confidential",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("AttachmentChange")}}},
                "responses": _errors({"200": _json("附件 / the file", _ref("AttachedFile"))}, e400="JSON 无法解析 / malformed JSON",
                                     e403=holder_only, e404=not_found, e415="请求体应为 JSON / send JSON",
                                     e422="数据校验未通过 / validation failed"),
            },
            "delete": {
                "operationId": "delete_attachment", "tags": ["attachments"], "summary": "删除附件 / delete a file",
                "description": "连同其查看申请和文件本身 / with its access requests and the stored file.",
                "responses": _errors({"204": {"description": "已删除 / deleted"}}, e403=holder_only, e404=not_found),
            },
        },
        "/attachments/{attachment_id}/file": {
            "parameters": [attachment_id],
            "get": {
                "operationId": "attachment_file", "tags": ["attachments"], "summary": "下载附件 / download a file",
                "description": "Content-Disposition: attachment；CSP sandbox；nosniff。保密附件：持有单位、管理员和申请获批的会员，"
                               "每次下载记入披露记录。/ Confidential files: the holder, administrators and members whose "
                               "request was approved; each download is logged as a disclosure.", "x-public": True,
                "responses": _errors({"200": {"description": "文件 / the file", "content": files}},
                                     e403="保密附件须经持有单位批准 / a confidential file needs the holder's approval",
                                     e404=not_found),
            },
        },
        "/attachments/{attachment_id}/access-requests": {
            "parameters": [attachment_id],
            "post": {
                "operationId": "request_access", "tags": ["access requests"], "summary": "申请查看保密附件 / ask for a confidential file",
                "description": "登录的会员。已申请过（待处理或已批准）时返回原申请（200）；被拒绝后可再次申请（201）。/ Signed-in members. "
                               "An open or approved request is returned as it is (200); after a rejection one may ask again (201).",
                "x-account": True,
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("AccessRequestCreate")}}},
                "responses": _errors({"201": _json("已提交 / asked", _ref("AccessRequest"), location),
                                      "200": _json("已有的申请 / the request made before", _ref("AccessRequest"), location)},
                                     e400="JSON 无法解析 / malformed JSON", e404=not_found,
                                     e409="公开附件或本单位持有，无须申请 / a public file, or one your institution holds",
                                     e415="请求体应为 JSON / send JSON", e422="数据校验未通过 / validation failed"),
            },
        },
        "/access-requests": {"get": {
            "operationId": "list_access_requests", "tags": ["access requests"], "summary": "查看申请 / access requests",
            "parameters": query(AccessRequestArgsSchema), "x-account": True,
            "responses": _errors({"200": _json("申请 / requests", {"type": "array", "items": _ref("AccessRequest")})},
                                 e422="参数有误 / invalid parameters"),
        }},
        "/access-requests/{request_id}": {
            "parameters": [request_id],
            "get": {
                "operationId": "get_access_request", "tags": ["access requests"], "summary": "一项申请 / one request",
                "description": "申请人、持有单位或管理员 / the requester, the holder or an administrator.", "x-account": True,
                "responses": _errors({"200": _json("申请 / the request", _ref("AccessRequest"))}, e404="申请不存在 / no such request"),
            },
        },
        "/access-requests/{request_id}/decision": {
            "parameters": [request_id],
            "post": {
                "operationId": "decide_access_request", "tags": ["access requests"], "summary": "批准或拒绝 / approve or reject",
                "description": "持有单位或管理员；批准后再拒绝即收回权限。/ The holder or an administrator; rejecting an approved "
                               "request takes the access back.",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Decision")}}},
                "responses": _errors({"200": _json("申请 / the request", _ref("AccessRequest"))}, e400="JSON 无法解析 / malformed JSON",
                                     e403=holder_only, e404="申请不存在 / no such request", e415="请求体应为 JSON / send JSON",
                                     e422="数据校验未通过 / validation failed"),
            },
        },
        "/disclosures": {"get": {
            "operationId": "list_disclosures", "tags": ["access requests"], "summary": "披露记录 / the disclosure log",
            "description": "谁查看了哪条记录的联系方式、完整介绍或保密附件（每人每条记录每类每天一条）。发布者：本单位的记录；管理员："
                           "全部。/ Who was shown which record's contact details, full description or confidential files "
                           "(one event per member, record, kind and day). Publishers: their institution's records; "
                           "administrators: all.",
            "parameters": query(DisclosureArgsSchema),
            "responses": _errors({"200": _json("披露记录 / events, newest first", _ref("DisclosurePage"))},
                                 e403="仅持有单位的发布者和管理员 / publishers and administrators only",
                                 e404="记录编号无效 / not a record id", e422="参数有误 / invalid parameters"),
        }},
    }
