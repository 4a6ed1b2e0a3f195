"""Files on records, access requests for the confidential ones, and the disclosure log.

Who may call what (the services decide; these views parse and answer):
* list a record's files, read one, download a public one: anyone who may see the record
  (confidential files are listed to signed-in members only);
* upload, change, delete: the record's holder (its institution's publishers) and administrators;
* download a confidential file: the holder, administrators, and members whose request the
  holder approved (each such download is logged as a disclosure);
* ask for access: any signed-in member; decide: the holder and administrators;
* the disclosure log: publishers (their institution's records) and administrators (all)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import Response, jsonify, request
from marshmallow import ValidationError

from ..downloads import file_response
from ..models import AccessRequest, DisclosureEvent
from ..proxies import current_services
from ..schemas.common import MSG_REQUIRED
from ..security import current_identity, require_signed_in
from ..services.access_requests import AccessRequestError
from ..services.attachments import Listed, download_name
from ..services.filetypes import FileRefused
from ..services.holdings import holds, load
from ..urls import external_url
from . import bp
from .attachment_schemas import (
    AccessRequestArgsSchema, AccessRequestCreateSchema, AttachmentChangeSchema, AttachmentFormSchema, DecisionSchema,
    DisclosureArgsSchema,
)
from .common import json_object, record_class
from .errors import error_response

# any number: the services answer 404 beyond the ids a row can have (with a bounded converter on a
# path that has several methods, werkzeug answers 405 instead of 404 for a number out of bounds)
ID = "<int:{}>"
ATTACHMENT_ID, REQUEST_ID = ID.format("attachment_id"), ID.format("request_id")
attachment_form, attachment_change = AttachmentFormSchema(), AttachmentChangeSchema()
request_create, decision_args, request_args, disclosure_args = (
    AccessRequestCreateSchema(), DecisionSchema(), AccessRequestArgsSchema(), DisclosureArgsSchema())


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()


def attachment_body(listed: Listed) -> dict[str, Any]:
    att = listed.attachment
    links = {"self": external_url("api.get_attachment", attachment_id=att.id),
             "record": external_url("api.get_record", public_id=att.record_public_id)}
    if listed.can_download:
        links["file"] = external_url("api.attachment_file", attachment_id=att.id)
    if listed.access in ("none", "rejected"):
        links["request_access"] = external_url("api.request_access", attachment_id=att.id)
    request_ = listed.request
    return {
        "id": att.id, "record": att.record_public_id, "title": att.title, "filename": download_name(att), "kind": att.kind,
        "media_type": att.media_type, "category": att.category, "size": att.size, "sha256": att.sha256,
        "confidential": att.confidential, "created_at": _iso(att.created_at), "access": listed.access,
        "can_download": listed.can_download,
        "request": {"id": request_.id, "status": request_.status, "note": request_.note} if request_ is not None else None,
        "links": links,
    }


def _party(name: str, email: str, role: str, organisation: str | None) -> dict[str, Any]:
    return {"name": name, "email": email, "role": role, "organisation": organisation}


def request_body(req: AccessRequest) -> dict[str, Any]:
    services = current_services
    record, record_title = services.access_requests.record_title(req)
    user = req.requester
    links = {"self": external_url("api.get_access_request", request_id=req.id),
             "attachment": external_url("api.get_attachment", attachment_id=req.attachment_id)}
    rec = load(services.attachments.session, req.attachment.record_type, req.attachment.record_id)
    if rec is not None and holds(current_identity(), rec):
        links["decision"] = external_url("api.decide_access_request", request_id=req.id)
    return {
        "id": req.id, "status": req.status, "message": req.message, "note": req.note,
        "created_at": _iso(req.created_at), "decided_at": _iso(req.decided_at),
        "attachment": {"id": req.attachment_id, "title": req.attachment.title, "record": record, "record_title": record_title},
        "requester": _party(user.name, user.email, user.role, user.organisation or (user.institution.name if user.institution else None)),
        "links": links,
    }


def event_body(e: DisclosureEvent) -> dict[str, Any]:
    return {"id": e.id, "at": _iso(e.at), "user": _party(e.user_name, e.user_email, e.user_role, e.user_organisation),
            "record": e.record_public_id, "record_title": e.record_title, "kind": e.kind, "file": e.detail, "channel": e.channel}


@bp.errorhandler(FileRefused)
def file_refused(exc: FileRefused):
    return error_response(exc.status, exc.code, str(exc))


@bp.errorhandler(AccessRequestError)
def access_refused(exc: AccessRequestError):
    return error_response(422 if exc.code.startswith(("message", "note")) else 409, exc.code, str(exc))


# -- files -------------------------------------------------------------------------------------------

def _record(public_id: str) -> Any:
    record_class(public_id)  # 404 for anything that is not a record id
    return current_services.attachments.record(current_identity(), public_id)


@bp.get("/records/<public_id>/attachments")
def list_attachments(public_id: str):
    rec = _record(public_id)
    return jsonify([attachment_body(item) for item in current_services.attachments.listing(current_identity(), rec)])


@bp.post("/records/<public_id>/attachments")
def upload_attachment(public_id: str):
    identity = require_signed_in()
    rec = _record(public_id)
    form = attachment_form.load(request.form)
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError({"file": [MSG_REQUIRED]})
    att = current_services.attachments.upload(identity, rec, upload.stream, upload.filename, title=form["title"],
                                              category=form["category"], confidential=form["confidential"])
    body = attachment_body(current_services.attachments.listed(identity, att.id))
    return jsonify(body), 201, {"Location": body["links"]["self"]}


@bp.get(f"/attachments/{ATTACHMENT_ID}")
def get_attachment(attachment_id: int):
    return jsonify(attachment_body(current_services.attachments.listed(current_identity(), attachment_id)))


@bp.patch(f"/attachments/{ATTACHMENT_ID}")
def change_attachment(attachment_id: int):
    identity = require_signed_in()
    changes = attachment_change.load(json_object())
    current_services.attachments.change(identity, attachment_id, title=changes.get("title"),
                                        category=(changes["category"] or "") if "category" in changes else None,
                                        confidential=changes.get("confidential"))
    return jsonify(attachment_body(current_services.attachments.listed(identity, attachment_id)))


@bp.delete(f"/attachments/{ATTACHMENT_ID}")
def delete_attachment(attachment_id: int):
    current_services.attachments.delete(require_signed_in(), attachment_id)
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response


@bp.get(f"/attachments/{ATTACHMENT_ID}/file")
def attachment_file(attachment_id: int):
    att, path = current_services.attachments.open(current_identity(), attachment_id, channel="api")
    current_services.usage.count("download", att.record_public_id, request.user_agent.string)
    return file_response(att, path, inline=False)


# -- access requests ------------------------------------------------------------------------------------

@bp.post(f"/attachments/{ATTACHMENT_ID}/access-requests")
def request_access(attachment_id: int):
    identity = require_signed_in()
    args = request_create.load(json_object())
    before = current_services.attachments.listed(identity, attachment_id).request
    created = before is None or before.status == "rejected"  # (before it is reopened: the same row)
    req = current_services.access_requests.ask(identity, attachment_id, args["message"])
    location = external_url("api.get_access_request", request_id=req.id)
    return jsonify(request_body(req)), 201 if created else 200, {"Location": location}


@bp.get("/access-requests")
def list_access_requests():
    identity = require_signed_in()
    args = request_args.load(request.args)
    service = current_services.access_requests
    found = service.incoming(identity, args["status"]) if args["scope"] == "incoming" else service.mine(identity)
    if args["scope"] == "mine" and args["status"]:
        found = [r for r in found if r.status == args["status"]]
    return jsonify([request_body(r) for r in found])


@bp.get(f"/access-requests/{REQUEST_ID}")
def get_access_request(request_id: int):
    return jsonify(request_body(current_services.access_requests.get(require_signed_in(), request_id)))


@bp.post(f"/access-requests/{REQUEST_ID}/decision")
def decide_access_request(request_id: int):
    identity = require_signed_in()
    args = decision_args.load(json_object())
    req = current_services.access_requests.decide(identity, request_id, args["decision"] == "approve", args["note"])
    return jsonify(request_body(req))


# -- the disclosure log --------------------------------------------------------------------------------

@bp.get("/disclosures")
def list_disclosures():
    identity = require_signed_in()
    args = disclosure_args.load(request.args)
    record = None
    if args["record"]:
        cls = record_class(args["record"])
        record = (cls.RECORD_TYPE, cls.parse_public_id(args["record"]))
    events = current_services.disclosures.events(identity, record, before_id=args["before"], limit=args["size"] + 1)
    more = len(events) > args["size"]
    events = events[: args["size"]]
    return jsonify({"events": [event_body(e) for e in events], "next_before": events[-1].id if more else None})
