"""The inquiry and listing-feedback routes' part of the OpenAPI document (``inquiries.py``),
merged into it by ``openapi.py``: their component schemas and their paths."""
from __future__ import annotations

from typing import Any, Callable

from .inquiry_schemas import (
    FeedbackCreateSchema, FeedbackNoteSchema, FeedbackOutSchema, FeedbackSummarySchema, InquiryArgsSchema, InquiryBrokerSchema,
    InquiryContactSchema, InquiryContactsSchema, InquiryCreateSchema, InquiryLinksSchema, InquiryMessageCreateSchema,
    InquiryMessageSchema, InquiryOutSchema, InquiryPageSchema, InquiryPartySchema, InquiryRecordSchema, InquiryStatusChangeSchema,
)
from .openapi_attachments import _errors, _json, _ref  # the document's shared helpers
from .openapi_parts import BAD_JSON, NOT_JSON, json_body

TAG = {"name": "inquiries", "description": "意向洽谈与需求方反馈：企业或技术经纪人联系记录的持有方，双方在平台上往来消息，状态与日期；"
                                          "对挂牌记录的结构化反馈 / inquiries between companies (or intermediaries) and a record's holder, "
                                          "their messages, status and dates; structured feedback on listings"}
COMPONENTS = (  # the nested ones first: a schema is registered once, under its own name, and referred to after
    ("InquiryParty", InquiryPartySchema), ("InquiryContact", InquiryContactSchema), ("InquiryContacts", InquiryContactsSchema),
    ("InquiryRecord", InquiryRecordSchema), ("InquiryLinks", InquiryLinksSchema), ("InquiryMessage", InquiryMessageSchema),
    ("Inquiry", InquiryOutSchema), ("InquiryPage", InquiryPageSchema), ("InquiryCreate", InquiryCreateSchema),
    ("InquiryMessageCreate", InquiryMessageCreateSchema), ("InquiryBroker", InquiryBrokerSchema),
    ("InquiryStatusChange", InquiryStatusChangeSchema), ("FeedbackNote", FeedbackNoteSchema), ("Feedback", FeedbackOutSchema),
    ("FeedbackSummary", FeedbackSummarySchema), ("FeedbackCreate", FeedbackCreateSchema),
)
ID = {"type": "integer", "minimum": 1, "maximum": 2147483647}


def paths(query: Callable[[Any], list[dict[str, Any]]], public_id: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The path items, keyed like ``openapi._paths`` (without the /api/v1 prefix)."""
    inquiry_id = {"in": "path", "name": "inquiry_id", "required": True, "description": "洽谈编号 / inquiry id", "schema": ID}
    body = json_body
    location = {"Location": {"description": "洽谈的地址 / where the inquiry is", "schema": {"type": "string", "format": "uri"}}}
    not_found = "洽谈不存在，或您不是其中一方 / no such inquiry, or you are not one of its parties"
    bad_json, not_json = BAD_JSON, NOT_JSON
    invalid = "数据校验未通过，details 逐字段说明（如空消息）/ validation failed; `details` lists each field (an empty message ...)"
    limited = "发送过于频繁：每个账号每小时的消息数有上限 / too many messages: each account may write so many an hour"
    over = "洽谈已结束，或当前状态不能这样变更 / the inquiry is over, or its status cannot change so"
    tags = ["inquiries"]
    one = _json("洽谈 / the inquiry", _ref("Inquiry"))
    return {
        "/inquiries": {
            "get": {
                "operationId": "list_inquiries", "tags": tags, "summary": "我的洽谈 / my inquiries", "x-account": True,
                "description": "我发起的、我居间的、发给本单位的；最近更新的在前 / those the caller sent or brokers, and those to their "
                               "institution; most recently updated first.",
                "parameters": query(InquiryArgsSchema),
                "responses": _errors({"200": _json("洽谈 / inquiries", _ref("InquiryPage"))}, e422="参数有误 / invalid parameters"),
            },
            "post": {
                "operationId": "create_inquiry", "tags": tags, "summary": "联系持有方 / send an inquiry",
                "description": "企业（投资方）或技术经纪人就已发布的记录联系其持有单位；持有单位的发布者会收到邮件 / a company (investor) "
                               "or an intermediary writes to the holder of a published record; its publishers are told by e-mail.",
                "x-account": True, "requestBody": body("InquiryCreate"),
                "responses": _errors({"201": _json("已发送 / sent", _ref("Inquiry"), location)},
                                     e400=bad_json, e403="只有企业和技术经纪人可以发起 / companies and intermediaries only",
                                     e404="记录不存在或未发布 / no such published record", e415=not_json, e422=invalid, e429=limited),
            },
        },
        "/inquiries/{inquiry_id}": {
            "parameters": [inquiry_id],
            "get": {
                "operationId": "get_inquiry", "tags": tags, "summary": "一项洽谈 / an inquiry", "x-account": True,
                "description": "含全部消息；持有方答复后含双方联系方式（向对方披露记录的联系人会被记录）/ with its messages, and once "
                               "the holder answered both sides' contact details (showing a record's contact is logged for its holder).",
                "responses": _errors({"200": one}, e404=not_found),
            },
        },
        "/inquiries/{inquiry_id}/messages": {
            "parameters": [inquiry_id],
            "post": {
                "operationId": "post_inquiry_message", "tags": tags, "summary": "发送消息 / write a message", "x-account": True,
                "description": "持有方的第一条消息即答复（状态 answered），此后双方可见联系方式；对方会收到邮件 / the holder's first "
                               "message answers the inquiry (status answered), after which both sides see the contact details; "
                               "the other side is told by e-mail.",
                "requestBody": body("InquiryMessageCreate"),
                "responses": _errors({"201": _json("已发送 / sent", _ref("Inquiry"), location)}, e400=bad_json, e404=not_found,
                                     e409=over, e415=not_json, e422=invalid, e429=limited),
            },
        },
        "/inquiries/{inquiry_id}/broker": {
            "parameters": [inquiry_id],
            "post": {
                "operationId": "ask_inquiry_broker", "tags": tags, "summary": "邀请技术经纪人 / ask an intermediary to broker",
                "description": "被邀请者（技术经纪人账号）可以阅读并参与，并收到邮件 / the intermediary reads and writes from then on, "
                               "and is told by e-mail.", "x-account": True, "requestBody": body("InquiryBroker"),
                "responses": _errors({"200": one}, e400=bad_json, e404=not_found, e415=not_json,
                                     e422="没有该邮箱的技术经纪人 / no intermediary with that address"),
            },
        },
        "/inquiries/{inquiry_id}/status": {
            "parameters": [inquiry_id],
            "post": {
                "operationId": "change_inquiry_status", "tags": tags, "summary": "变更状态 / change the status", "x-account": True,
                "description": "negotiating（已答复后）、agreed（已答复或谈判中，须给出 mode，可给 amount）、closed（未达成协议）；"
                               "agreed 与 closed 为终态 / negotiating (once answered), agreed (answered or negotiating; with `mode`, "
                               "optionally `amount`), closed (without agreement); agreed and closed are final.",
                "requestBody": body("InquiryStatusChange"),
                "responses": _errors({"200": one}, e400=bad_json, e404=not_found, e409=over, e415=not_json, e422=invalid),
            },
        },
        "/records/{public_id}/feedback": {
            "parameters": [public_id],
            "get": {
                "operationId": "feedback_summary", "tags": tags, "summary": "记录收到的反馈（持有方）/ a record's feedback (its holder)",
                "description": "按原因计数与说明，不含反馈人 / counts per reason and the notes, never who wrote them.", "x-account": True,
                "responses": _errors({"200": _json("汇总 / the summary", _ref("FeedbackSummary"))},
                                     e403="只有记录的持有方或管理员 / the record's holder or an administrator only",
                                     e404="记录不存在或未发布 / no such published record"),
            },
            "post": {
                "operationId": "give_feedback", "tags": tags, "summary": "反馈不合适的原因 / say why a listing does not suit you",
                "description": "企业或技术经纪人；每个账号每条记录一份，再次提交即替换（200）/ companies and intermediaries; one per "
                               "account and record, a later one replaces it (200).", "x-account": True,
                "requestBody": body("FeedbackCreate"),
                "responses": _errors({"201": _json("已记录 / recorded", _ref("Feedback")), "200": _json("已替换 / replaced", _ref("Feedback"))},
                                     e400=bad_json, e403="只有企业和技术经纪人可以反馈 / companies and intermediaries only",
                                     e404="记录不存在或未发布 / no such published record", e415=not_json,
                                     e422="数据校验未通过（如选“其他”却没有说明）/ validation failed (other without a note ...)"),
            },
        },
    }
