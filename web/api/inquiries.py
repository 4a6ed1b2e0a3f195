"""Inquiries and listing feedback over JSON, for the signed-in caller (a token, or the session
with its CSRF token on writes), with the pages' rules and words:

* ``/inquiries``: the caller's inquiries (``?status=&box=sent|received|brokered&page=&size=``), or
  a new one to a published record's holder (companies and intermediaries);
  ``/inquiries/<id>``: one, with its messages and, once the holder answered, both sides' contact
  details; ``/messages``, ``/broker``, ``/status`` (negotiating, agreed with a mode, closed).
  Anyone but the parties gets 404, as for an inquiry that does not exist.
* ``/records/<public_id>/feedback``: a company's or an intermediary's feedback (POST), the
  holder's summary (GET, no names).

Refusals: 403 for a role that may not, 422 with ``details`` for a field, 409 for a status that
cannot follow, 429 over the hourly message limit. Every write that reaches the other side is
told them by e-mail after the commit (``web/inquiry_mail.py``)."""
from __future__ import annotations

from typing import Any

from flask import jsonify, request

from .. import inquiry_presenters as present
from ..inquiry_mail import notify_later
from ..models import BY_PREFIX, Inquiry, Institution
from ..proxies import current_services
from ..security import require_signed_in
from ..services.feedback import AUTHOR_ROLES, FeedbackError
from ..services.identity import Identity
from ..services.inquiries import SENDER_ROLES, InquiryError, RateLimited
from ..services.records import PermissionDenied, RecordNotFound
from ..urls import external_url
from . import bp
from .common import json_object
from .errors import error_response
from .inquiry_schemas import (
    InquiryBrokerSchema, FeedbackCreateSchema, InquiryArgsSchema, InquiryCreateSchema, InquiryMessageCreateSchema, InquiryStatusChangeSchema,
    feedback_body, inquiry_body, message_body, summary_body,
)

INQUIRY_ID = "<int:inquiry_id>"  # 0 or beyond the id column: the service answers 404
NOT_FOUND = "洽谈不存在 / no such inquiry"
STATE_CODES = ("invalid_state", "closed")  # a status that cannot follow: 409


@bp.errorhandler(InquiryError)
def inquiry_refused(exc: InquiryError):
    if isinstance(exc, RateLimited):
        return error_response(429, exc.code, str(exc))
    if exc.code in STATE_CODES:
        return error_response(409, exc.code, str(exc))
    return error_response(422, exc.code, str(exc), [{"field": exc.field, "message": str(exc)}] if exc.field else None)


@bp.errorhandler(FeedbackError)
def feedback_refused(exc: FeedbackError):
    return error_response(422, "invalid_feedback", str(exc), [{"field": exc.field, "message": str(exc)}] if exc.field else None)


def _not_found():
    return error_response(404, "not_found", NOT_FOUND)


def _calling(fn, *args: Any) -> Any:
    """A service call, its PermissionError as the API's 403."""
    try:
        return fn(*args)
    except PermissionError as exc:
        if isinstance(exc, PermissionDenied):
            raise
        raise PermissionDenied(str(exc) or "权限不足 / your role may not do this") from None


def _detail(identity: Identity, inquiry: Inquiry) -> dict[str, Any]:
    authors = present.authors(inquiry)
    return inquiry_body(inquiry, present.side_of(identity, inquiry), present.holder_name(inquiry), {
        "messages": [message_body(m, authors.get(m.author_id), present.author_side(inquiry, m.author_id)) for m in inquiry.messages],
        "contacts": present.contacts(identity, inquiry, "api"),
    })


def _location(inquiry: Inquiry) -> dict[str, str]:
    return {"Location": external_url("api.get_inquiry", inquiry_id=inquiry.id)}


@bp.get("/inquiries")
def list_inquiries():
    identity = require_signed_in()
    args = InquiryArgsSchema().load(request.args)
    items = _calling(current_services.inquiries.list, identity, args["status"])
    if args["box"] != "all":
        wanted = {"sent": "sender", "brokered": "broker", "received": "holder"}[args["box"]]
        items = [i for i in items if present.side_of(identity, i) == wanted]
    page, size = args["page"], args["size"]
    shown = items[(page - 1) * size: page * size]
    return jsonify({"items": [inquiry_body(i, present.side_of(identity, i), present.holder_name(i)) for i in shown],
                    "total": len(items), "page": page, "size": size, "pages": max(1, -(-len(items) // size))})


@bp.post("/inquiries")
def create_inquiry():
    identity = require_signed_in()
    if not identity.roles & SENDER_ROLES:
        raise PermissionDenied("只有企业（投资方）和技术经纪人可以发起洽谈 / companies and intermediaries send inquiries")
    data = InquiryCreateSchema().load(json_object())
    try:
        inquiry = _calling(current_services.inquiries.send, identity, data["record_id"], data["subject"], data["body"])
    except LookupError:
        return error_response(404, "not_found", f"记录不存在 / no such record: {data['record_id']}")
    notify_later("new", inquiry.id, identity.user_id, inquiry.messages[0].id)
    return jsonify(_detail(identity, inquiry)), 201, _location(inquiry)


@bp.get(f"/inquiries/{INQUIRY_ID}")
def get_inquiry(inquiry_id: int):
    identity = require_signed_in()
    try:
        inquiry = current_services.inquiries.get(identity, inquiry_id)
    except LookupError:
        return _not_found()
    return jsonify(_detail(identity, inquiry))


def _party(inquiry_id: int):
    """(the caller, the service, None), or a 404 answer for anyone not a party to the inquiry."""
    identity = require_signed_in()
    service = current_services.inquiries
    try:
        service.get(identity, inquiry_id)
    except LookupError:
        return identity, service, _not_found()
    return identity, service, None


@bp.post(f"/inquiries/{INQUIRY_ID}/messages")
def post_inquiry_message(inquiry_id: int):
    identity, service, refusal = _party(inquiry_id)
    if refusal is not None:
        return refusal
    data = InquiryMessageCreateSchema().load(json_object())
    message = service.reply(identity, inquiry_id, data["body"])
    notify_later("message", inquiry_id, identity.user_id, message.id)
    inquiry = service.get(identity, inquiry_id)
    return jsonify(_detail(identity, inquiry)), 201, _location(inquiry)


@bp.post(f"/inquiries/{INQUIRY_ID}/broker")
def ask_inquiry_broker(inquiry_id: int):
    identity, service, refusal = _party(inquiry_id)
    if refusal is not None:
        return refusal
    data = InquiryBrokerSchema().load(json_object())
    inquiry = service.ask_broker(identity, inquiry_id, data["email"])
    notify_later("broker", inquiry_id, identity.user_id)
    return jsonify(_detail(identity, inquiry))


@bp.post(f"/inquiries/{INQUIRY_ID}/status")
def change_inquiry_status(inquiry_id: int):
    identity, service, refusal = _party(inquiry_id)
    if refusal is not None:
        return refusal
    data = InquiryStatusChangeSchema().load(json_object())
    if data["status"] == "negotiating":
        inquiry = service.negotiate(identity, inquiry_id)
    elif data["status"] == "closed":
        inquiry = service.close(identity, inquiry_id)
    else:
        if data["mode"] is None:
            raise InquiryError("请选择转化方式 / give the mode of transfer", field="mode")
        inquiry = service.agree(identity, inquiry_id, data["mode"], data["amount"])
    notify_later("status", inquiry_id, identity.user_id)
    return jsonify(_detail(identity, inquiry))


# -- feedback on listings --------------------------------------------------------------------------------
def _published(identity: Identity, public_id: str) -> Any:
    """The record (404 as for the record itself when the caller may not see it, or it is not public)."""
    cls = BY_PREFIX.get(public_id.split("-", 1)[0])
    if cls is None or cls is Institution or cls.parse_public_id(public_id) is None or cls.RECORD_TYPE not in current_services.records:
        raise RecordNotFound(public_id)
    rec = current_services.for_type(cls.RECORD_TYPE).get(identity, public_id)
    if rec.status != "published":
        raise RecordNotFound(public_id)
    return rec


@bp.post("/records/<public_id>/feedback")
def give_feedback(public_id: str):
    identity = require_signed_in()
    rec = _published(identity, public_id)
    if not identity.roles & AUTHOR_ROLES:
        raise PermissionDenied("只有企业（投资方）和技术经纪人可以反馈 / companies and intermediaries give feedback")
    data = FeedbackCreateSchema().load(json_object())
    service = current_services.feedback
    replaces = service.mine(identity, rec.public_id) is not None
    item = _calling(service.give, identity, rec.public_id, data["reason"], data["note"])
    return jsonify(feedback_body(item)), 200 if replaces else 201


@bp.get("/records/<public_id>/feedback")
def feedback_summary(public_id: str):
    identity = require_signed_in()
    rec = _published(identity, public_id)
    return jsonify(summary_body(_calling(current_services.feedback.summary, identity, rec.public_id)))


__all__ = ["inquiry_refused", "feedback_refused"]
