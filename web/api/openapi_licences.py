"""The open-licence routes' part of the OpenAPI document (``licences.py``), merged into it by
``openapi.py``: their component schemas and their paths."""
from __future__ import annotations

from typing import Any, Callable

from apispec.ext.marshmallow import MarshmallowPlugin

from ..models.common import PUBLIC_ID_NUMBER
from .licence_schemas import (
    LicenceApplicationSchema, LicenceApplySchema, LicenceDecisionSchema, LicenceListArgsSchema, PatentLicensingSchema,
)
from .openapi_attachments import _errors, _json, _ref  # the document's shared helpers
from .openapi_parts import BAD_JSON, NOT_JSON, json_body

TAG = {"name": "licences", "description": "专利开放许可：按声明的条件申请许可，专利权人确认后平台登记 / open licences of patents: "
                                         "apply on the declared terms; the holder grants, the platform records the licence"}
COMPONENTS = (("LicenceApplication", LicenceApplicationSchema), ("PatentLicensing", PatentLicensingSchema))
ID = {"type": "integer", "minimum": 1, "maximum": 2147483647}


def components(plugin: MarshmallowPlugin) -> dict[str, dict[str, Any]]:
    """The request bodies, from the schemas the routes load them with."""
    apply = plugin.converter.schema2jsonschema(LicenceApplySchema)
    apply["required"] = ["licensee"]
    apply["description"] = "按开放许可声明的条件申请；条件由声明决定，不可更改 / apply on the declaration's terms, which are not negotiated"
    decision = plugin.converter.schema2jsonschema(LicenceDecisionSchema)
    return {"LicenceApplyInput": apply, "LicenceDecisionInput": decision}


def paths(query: Callable[[Any], list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """The path items, keyed like ``openapi._paths`` (without the /api/v1 prefix)."""
    patent_id = {"in": "path", "name": "public_id", "required": True, "description": "专利的公开编号 / the patent's public id",
                 "schema": {"type": "string", "pattern": f"^pat-{PUBLIC_ID_NUMBER}$", "example": "pat-1"}}
    application_id = {"in": "path", "name": "application_id", "required": True, "description": "申请编号 / application id", "schema": ID}
    body = json_body
    one = _json("许可申请 / the application", _ref("LicenceApplication"))
    tags = ["licences"]
    no_patent = "专利不存在、不可见，或不是专利 / no such patent you may see"
    not_found = "申请不存在，或您不是其当事方 / no such application, or you are not a party to it"
    bad_json, not_json = BAD_JSON, NOT_JSON
    invalid = "数据校验未通过，details 逐字段说明 / validation failed; `details` names the field"
    in_state = "申请已处理，不能再处理 / the application was decided already"
    not_applicable = ("不能申请：code 与 message（中文 / English）说明原因：声明已撤回、没有声明、专利权不在有效状态、未发布；或已有待确认的申请 "
                      "/ cannot be applied for: `code` and the bilingual `message` say why (declaration withdrawn, no declaration, "
                      "patent no longer in force, not published), or an application of yours waits already")
    return {
        "/records/{public_id}/open-licence": {
            "parameters": [patent_id],
            "get": {
                "operationId": "get_patent_licensing", "tags": tags, "summary": "专利的开放许可 / a patent's open licence",
                "description": "声明的条件、能否申请（不能时说明原因）、平台上已授予的许可数 / the declared terms, whether it can be "
                               "applied for (and why not), and the licences granted on the platform.",
                "responses": _errors({"200": _json("开放许可 / the open licence", _ref("PatentLicensing"))}, e404=no_patent),
            },
        },
        "/records/{public_id}/licence-applications": {
            "parameters": [patent_id],
            "post": {
                "operationId": "apply_for_licence", "tags": tags, "summary": "申请开放许可 / apply for an open licence",
                "description": "登录的企业按声明的条件申请；专利权人收到邮件。本单位的人员不能申请（403）/ a signed-in company applies "
                               "on the declared terms and the holder is mailed; the holder's own people cannot (403).",
                "x-account": True, "requestBody": body("LicenceApplyInput"),
                "responses": _errors({"201": _json("已申请 / applied", _ref("LicenceApplication"), {
                    "Location": {"description": "申请的地址 / where it is", "schema": {"type": "string", "format": "uri"}}})},
                    e400=bad_json, e403="本单位的专利 / a patent of your own institution", e404=no_patent, e409=not_applicable,
                    e415=not_json, e422=invalid),
            },
        },
        "/licence-applications": {
            "get": {
                "operationId": "list_licence_applications", "tags": tags, "summary": "许可申请 / licence applications",
                "description": "mine：最新的在前；incoming：待确认的在前 / mine: newest first; incoming: waiting ones first.",
                "x-account": True, "parameters": query(LicenceListArgsSchema),
                "responses": _errors({"200": _json("申请 / applications", {"type": "array", "items": _ref("LicenceApplication")})},
                                     e422="参数有误 / invalid parameters"),
            },
        },
        "/licence-applications/{application_id}": {
            "parameters": [application_id],
            "get": {
                "operationId": "get_licence_application", "tags": tags, "summary": "一项许可申请 / a licence application",
                "description": "只对申请方与专利权人 / for the applicant and the patent's holder only.", "x-account": True,
                "responses": _errors({"200": one}, e404=not_found),
            },
        },
        "/licence-applications/{application_id}/grant": {
            "parameters": [application_id],
            "post": {
                "operationId": "grant_licence_application", "tags": tags, "summary": "授予许可 / grant the licence",
                "description": "专利权人；平台登记许可并通知申请方 / the holder; the platform records the licence and mails the applicant.",
                "x-account": True, "requestBody": body("LicenceDecisionInput", required=False),
                "responses": _errors({"200": one}, e400=bad_json, e403="只有专利权人 / the holder only", e404=not_found,
                                     e409=f"{in_state}；或专利已不能许可 / or the patent can no longer be licensed", e415=not_json,
                                     e422=invalid),
            },
        },
        "/licence-applications/{application_id}/refuse": {
            "parameters": [application_id],
            "post": {
                "operationId": "refuse_licence_application", "tags": tags, "summary": "拒绝申请 / refuse the application",
                "description": "专利权人，须说明理由（note）；通知申请方 / the holder, with its reason (`note`); the applicant is mailed.",
                "x-account": True, "requestBody": body("LicenceDecisionInput"),
                "responses": _errors({"200": one}, e400=bad_json, e403="只有专利权人 / the holder only", e404=not_found, e409=in_state,
                                     e415=not_json, e422="须说明理由 / give the reason (`note`)"),
            },
        },
        "/licence-applications/{application_id}/withdraw": {
            "parameters": [application_id],
            "post": {
                "operationId": "withdraw_licence_application", "tags": tags, "summary": "撤回申请 / withdraw the application",
                "description": "申请方，在专利权人确认前 / the applicant, while it waits.", "x-account": True,
                "responses": _errors({"200": one}, e400=bad_json, e403="只有申请方 / the applicant only", e404=not_found,
                                     e409="只能撤回待确认的申请 / only a waiting application can be withdrawn", e415=not_json),
            },
        },
    }
