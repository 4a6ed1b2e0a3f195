"""Schemas of the inquiry and feedback routes (``inquiries.py``): the arguments and bodies they
load, the shapes they answer (in the OpenAPI document, checked by schemathesis), and the functions
that make those answers.

The bodies are typed here; what they mean (an empty message, a subject of spaces, a mode for an
agreement, a note for "other", the hourly limit) is checked by the services, so the pages and the
API refuse the same things with the same words."""
from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, fields, validate

from ..models import FEEDBACK_REASONS, INQUIRY_STATES, Inquiry, ListingFeedback, User
from ..schemas.common import MSG_NULL, MSG_REQUIRED
from ..services.feedback import MAX_NOTE, FeedbackSummary
from ..services.inquiries import AGREEMENT_MODES, MAX_BODY
from ..urls import external_url
from .args import FormArgs
from .subscription_schemas import iso

BOXES = ("all", "sent", "received", "brokered")
STATUS_CHANGES = ("negotiating", "agreed", "closed")
MAX_PAGE_SIZE = 100
TEXT = {"required": MSG_REQUIRED, "null": MSG_NULL, "invalid": "应为文本 / not a text value"}  # the errors in both languages
WHOLE = {"invalid": "应为整数 / not a whole number"}
NUMBER = {"required": MSG_REQUIRED, "invalid": "应为数字 / not a number", "special": "应为有限数字 / not a finite number"}


def one_of(choices: tuple[str, ...]) -> validate.OneOf:
    return validate.OneOf(choices, error="应为以下之一：{choices} / must be one of: {choices}")


def at_most(n: int, least: int = 0) -> validate.Length:
    return validate.Length(min=least, max=n, error=f"长度应为 {least}-{n} 个字符 / {least} to {n} characters")


# -- arguments and bodies --------------------------------------------------------------------------------
class InquiryArgsSchema(FormArgs):
    status = fields.String(load_default=None, validate=one_of(INQUIRY_STATES), error_messages=TEXT, metadata={"description": "只列此状态的 / one status only"})
    box = fields.String(load_default="all", validate=one_of(BOXES), error_messages=TEXT, metadata={
        "description": "sent：我发起的；received：发给本单位的；brokered：我居间的 / those the caller sent, those to their institution, "
                       "those they broker"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000, error="应为 {min}-{max} / from {min} to {max}"),
                          error_messages=WHOLE, metadata={"description": "页码 / page (1-based)"})
    size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PAGE_SIZE, error="应为 {min}-{max} / from {min} to {max}"),
                          error_messages=WHOLE, metadata={"description": "每页条数 / per page"})


class _Body(Schema):
    class Meta:
        unknown = EXCLUDE


class InquiryCreateSchema(_Body):
    record_id = fields.String(required=True, validate=at_most(40, 1), error_messages=TEXT,
                              metadata={"description": "记录的公开编号 / the record's public id, e.g. ach-12"})
    subject = fields.String(required=True, validate=at_most(200), error_messages=TEXT, metadata={"description": "主题 / subject"})
    body = fields.String(required=True, validate=at_most(MAX_BODY), error_messages=TEXT, metadata={"description": "第一条消息 / the first message"})


class InquiryMessageCreateSchema(_Body):
    body = fields.String(required=True, validate=at_most(MAX_BODY), error_messages=TEXT, metadata={"description": "消息 / the message"})


class InquiryBrokerSchema(_Body):
    email = fields.String(required=True, validate=at_most(254), error_messages=TEXT,
                          metadata={"description": "技术经纪人账号的邮箱 / the e-mail of an intermediary's account"})


class InquiryStatusChangeSchema(_Body):
    status = fields.String(required=True, validate=one_of(STATUS_CHANGES), error_messages=TEXT, metadata={
        "description": "negotiating（须已答复）、agreed（须已答复，给出 mode）或 closed / negotiating (once answered), agreed (once "
                       "answered, with `mode`) or closed"})
    mode = fields.String(load_default=None, allow_none=True, validate=one_of(AGREEMENT_MODES), error_messages=TEXT,
                         metadata={"description": "转化方式（agreed 时必填）/ the mode of transfer (with agreed)"})
    amount = fields.Float(load_default=None, allow_none=True, error_messages=NUMBER,
                          validate=validate.Range(min=0, max=1e11, error="金额应在 0 到 1000 亿元之间 / from 0 to 1e11 yuan"),
                          metadata={"description": "金额，人民币元（可不填）/ the amount in CNY (optional)"})


class FeedbackCreateSchema(_Body):
    reason = fields.String(required=True, validate=one_of(FEEDBACK_REASONS), error_messages=TEXT, metadata={
        "description": "too_early 技术阶段过早；benefit_unclear 效益不明确；price 价格；description_unclear 描述不清；other 其他（须有 note）"})
    note = fields.String(load_default=None, allow_none=True, validate=at_most(MAX_NOTE), error_messages=TEXT, metadata={"description": "说明 / a note"})


# -- answers -----------------------------------------------------------------------------------------------
class InquiryPartySchema(Schema):
    name = fields.String(required=True)
    organisation = fields.String(required=True, allow_none=True)


class InquiryContactSchema(Schema):
    institution = fields.String()
    name = fields.String()
    organisation = fields.String()
    phone = fields.String()
    email = fields.String()
    address = fields.String()


class InquiryContactsSchema(Schema):
    record = fields.Nested(InquiryContactSchema, required=True, allow_none=True, metadata={"description": "记录的联系人 / the record's contact"})
    holder = fields.Nested(InquiryContactSchema, required=True, allow_none=True, metadata={"description": "持有单位 / the holder institution"})
    sender = fields.Nested(InquiryContactSchema, required=True, allow_none=True)
    broker = fields.Nested(InquiryContactSchema, required=True, allow_none=True)


class InquiryMessageSchema(Schema):
    id = fields.Integer(required=True)
    author = fields.Nested(InquiryPartySchema, required=True, allow_none=True)
    side = fields.String(required=True, validate=validate.OneOf(("sender", "holder", "broker")))
    body = fields.String(required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})


class InquiryRecordSchema(Schema):
    id = fields.String(required=True)
    type = fields.String(required=True)
    title = fields.String(required=True)
    url = fields.String(required=True, metadata={"format": "uri"})


class InquiryLinksSchema(Schema):
    self = fields.String(required=True, metadata={"format": "uri"})
    html = fields.String(required=True, metadata={"format": "uri", "description": "网页 / the page"})
    messages = fields.String(required=True, metadata={"format": "uri"})
    status = fields.String(required=True, metadata={"format": "uri"})
    broker = fields.String(required=True, metadata={"format": "uri"})


class InquiryOutSchema(Schema):
    id = fields.Integer(required=True)
    subject = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(INQUIRY_STATES))
    side = fields.String(required=True, validate=validate.OneOf(("sender", "holder", "broker")),
                         metadata={"description": "调用者一方 / the caller's side"})
    record = fields.Nested(InquiryRecordSchema, required=True)
    holder = fields.String(required=True, metadata={"description": "持有单位名称 / the holder institution"})
    sender = fields.Nested(InquiryPartySchema, required=True)
    broker = fields.Nested(InquiryPartySchema, required=True, allow_none=True)
    sent_at = fields.String(required=True, metadata={"format": "date-time"})
    answered_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    negotiating_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    agreed_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    closed_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    updated_at = fields.String(required=True, metadata={"format": "date-time"})
    agreement_mode = fields.String(required=True, allow_none=True)
    agreement_amount = fields.Float(required=True, allow_none=True)
    message_count = fields.Integer(required=True)
    contacts_visible = fields.Boolean(required=True, metadata={"description": "持有方已答复 / the holder has answered"})
    contacts = fields.Nested(InquiryContactsSchema, allow_none=True, metadata={
        "description": "双方联系方式：持有方答复前为 null；仅在单个洽谈中给出 / both sides' contact details: null until the holder "
                       "answered; in the answer of one inquiry only"})
    messages = fields.List(fields.Nested(InquiryMessageSchema), metadata={"description": "仅在单个洽谈中给出 / in one inquiry's answer only"})
    links = fields.Nested(InquiryLinksSchema, required=True)


class InquiryPageSchema(Schema):
    items = fields.List(fields.Nested(InquiryOutSchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    size = fields.Integer(required=True)
    pages = fields.Integer(required=True)


class FeedbackOutSchema(Schema):
    record_id = fields.String(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(FEEDBACK_REASONS))
    note = fields.String(required=True, allow_none=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})


class FeedbackNoteSchema(Schema):
    reason = fields.String(required=True, validate=validate.OneOf(FEEDBACK_REASONS))
    note = fields.String(required=True)


class FeedbackSummarySchema(Schema):
    record_id = fields.String(required=True)
    total = fields.Integer(required=True)
    by_reason = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={"description": "原因 → 条数 / reason → count"})
    notes = fields.List(fields.Nested(FeedbackNoteSchema), required=True, metadata={"description": "最新的在前，不含姓名 / newest first, no names"})


# -- bodies ----------------------------------------------------------------------------------------------
def _party(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"name": user.name, "organisation": user.organisation or (user.institution.name if user.institution is not None else None)}


def inquiry_body(inquiry: Inquiry, side: str, holder: str, detail: dict[str, Any] | None = None) -> dict[str, Any]:
    """One inquiry; ``detail`` (``messages`` and ``contacts``) in the answer about it alone."""
    body: dict[str, Any] = {
        "id": inquiry.id, "subject": inquiry.subject, "status": inquiry.status, "side": side,
        "record": {"id": inquiry.record_id, "type": inquiry.record_type, "title": inquiry.record_title,
                   "url": external_url("records.record", public_id=inquiry.record_id)},
        "holder": holder, "sender": _party(inquiry.sender), "broker": _party(inquiry.broker),
        **{f"{s}_at": iso(getattr(inquiry, f"{s}_at")) for s in ("sent", "answered", "negotiating", "agreed", "closed")},
        "updated_at": iso(inquiry.updated_at or inquiry.sent_at), "agreement_mode": inquiry.agreement_mode,
        "agreement_amount": inquiry.agreement_amount, "message_count": len(inquiry.messages),
        "contacts_visible": inquiry.answered_at is not None,
        "links": {"self": external_url("api.get_inquiry", inquiry_id=inquiry.id),
                  "html": external_url("inquiries.show", inquiry_id=inquiry.id),
                  "messages": external_url("api.post_inquiry_message", inquiry_id=inquiry.id),
                  "status": external_url("api.change_inquiry_status", inquiry_id=inquiry.id),
                  "broker": external_url("api.ask_inquiry_broker", inquiry_id=inquiry.id)},
    }
    return {**body, **(detail or {})}


def message_body(message: Any, author: User | None, side: str) -> dict[str, Any]:
    return {"id": message.id, "author": _party(author), "side": side, "body": message.body, "created_at": iso(message.created_at)}


def feedback_body(item: ListingFeedback) -> dict[str, Any]:
    return {"record_id": item.record_id, "reason": item.reason, "note": item.note, "created_at": iso(item.created_at)}


def summary_body(summary: FeedbackSummary) -> dict[str, Any]:
    return {"record_id": summary.record_id, "total": summary.total, "by_reason": dict(summary.by_reason),
            "notes": [{"reason": r, "note": n} for r, n in summary.notes]}
