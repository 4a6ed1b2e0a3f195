"""Drafts: how publishers change records (new ones, and edits of published ones) and how
reviewers decide. A draft's ETag is its own revision; PUT needs it in If-Match."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import abort, jsonify, request
from marshmallow import ValidationError

from ..extensions import db
from ..models import RecordDraft
from ..proxies import current_services
from ..security import require_signed_in
from ..urls import external_url
from . import bp
from .common import json_object
from .schemas import WRITABLE_TYPES, DraftListArgsSchema, MessageSchema

DRAFT_ID = "<int:draft_id>"  # any number: the service answers 404 for one that names no draft
list_args = DraftListArgsSchema()
message_args = MessageSchema()


def _utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()


def draft_body(draft: RecordDraft, *, full: bool = True) -> dict[str, Any]:
    from ..models import BY_PREFIX, Institution

    prefix = next((cls.PREFIX for cls in BY_PREFIX.values() if cls.RECORD_TYPE == draft.record_type), "rec")
    inst = db.session.get(Institution, draft.institution_id) if draft.institution_id else None
    body: dict[str, Any] = {
        "id": draft.id, "record_type": draft.record_type, "status": draft.status, "title": draft.title,
        "record": f"{prefix}-{draft.record_id}" if draft.record_id else None,
        "institution": inst.public_id if inst else None, "revision": draft.revision, "base_revision": draft.base_revision,
        "reason": draft.reason, "created_at": _utc(draft.created_at), "updated_at": _utc(draft.updated_at),
        "submitted_at": _utc(draft.submitted_at), "reviewed_at": _utc(draft.reviewed_at),
        "links": {"self": external_url("api.get_draft", draft_id=draft.id), "html": external_url("publish.draft", draft_id=draft.id)},
    }
    if full:
        body["data"] = draft.data
        body["comments"] = [{"author": c.author, "role": c.role, "kind": c.kind, "body": c.body, "created_at": _utc(c.created_at)}
                            for c in draft.comments]
    return body


def _answer(draft: RecordDraft, status: int = 200):
    db.session.commit()
    return jsonify(draft_body(draft)), status, {"ETag": f'"{draft.revision}"'}


def _if_match() -> int:
    value = (request.headers.get("If-Match") or "").strip().removeprefix("W/").strip('"')
    if not value:
        abort(428, description="修改须携带 If-Match（读取草稿时的 ETag）/ send If-Match with the ETag you read")
    if not value.isdigit():
        abort(412, description="If-Match 应为草稿的 ETag / If-Match must be the draft's ETag")
    return int(value)


@bp.get("/drafts")
def list_drafts():
    identity = require_signed_in()  # each sees the drafts they may: an institution's, a company's own needs, or all (reviewers)
    args = list_args.load(request.args)
    status = tuple(args["status"]) if args.get("status") else None
    drafts = current_services.drafts.listing(identity, status=status, record_type=args.get("type"), limit=args["size"])
    return jsonify([draft_body(d, full=False) for d in drafts])


@bp.post("/drafts")
def create_draft():
    """A draft of a new record, or (``record``: a public id) of an edit of a published one."""
    identity = require_signed_in()
    body = json_object()
    record_type = body.get("record_type")
    if record_type not in WRITABLE_TYPES:
        raise ValidationError({"record_type": [f"记录类型应为 {', '.join(WRITABLE_TYPES)} 之一 / one of {', '.join(WRITABLE_TYPES)}"]})
    record = body.pop("record", None)
    if record is not None and not isinstance(record, str):
        raise ValidationError({"record": ["应为记录编号，如 ach-12 / a public id such as ach-12"]})
    draft = current_services.drafts.create(identity, record_type, body, record_public_id=record, source="api")
    db.session.commit()
    return jsonify(draft_body(draft)), 201, {"ETag": f'"{draft.revision}"', "Location": external_url("api.get_draft", draft_id=draft.id)}


@bp.get(f"/drafts/{DRAFT_ID}")
def get_draft(draft_id: int):
    draft = current_services.drafts.get(require_signed_in(), draft_id)
    return jsonify(draft_body(draft)), 200, {"ETag": f'"{draft.revision}"'}


@bp.put(f"/drafts/{DRAFT_ID}")
def update_draft(draft_id: int):
    identity = require_signed_in()
    body = json_object()
    body.pop("record", None)
    draft = current_services.drafts.update(identity, draft_id, body, expected_revision=_if_match())
    return _answer(draft)


@bp.delete(f"/drafts/{DRAFT_ID}")
def discard_draft(draft_id: int):
    return _answer(current_services.drafts.discard(require_signed_in(), draft_id))


def _message() -> str:
    """The optional ``{"message": ...}`` of a step (a comment, a rejection's reason)."""
    if not request.get_data():
        return ""
    return message_args.load(json_object())["message"]


@bp.post(f"/drafts/{DRAFT_ID}/submit")
def submit_draft(draft_id: int):
    return _answer(current_services.drafts.submit(require_signed_in(), draft_id, _message()))


@bp.post(f"/drafts/{DRAFT_ID}/review")
def review_draft(draft_id: int):
    return _answer(current_services.drafts.take(require_signed_in(), draft_id))


@bp.post(f"/drafts/{DRAFT_ID}/approve")
def approve_draft(draft_id: int):
    identity = require_signed_in()
    record = current_services.drafts.approve(identity, draft_id, _message())
    draft = current_services.drafts.get(identity, draft_id)
    body = draft_body(draft)
    body["record"] = record.public_id
    return jsonify(body), 200


@bp.post(f"/drafts/{DRAFT_ID}/reject")
def reject_draft(draft_id: int):
    return _answer(current_services.drafts.reject(require_signed_in(), draft_id, _message()))


@bp.post(f"/drafts/{DRAFT_ID}/comments")
def comment_draft(draft_id: int):
    identity = require_signed_in()
    current_services.drafts.comment(identity, draft_id, _message())
    return _answer(current_services.drafts.get(identity, draft_id), 201)
