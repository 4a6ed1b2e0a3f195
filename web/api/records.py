"""Records: read (with an ETag: the revision), similar records, history, and the writes:
administrators create, replace (If-Match: the revision the edit started from) and delete;
the holder or an administrator withdraws. Publishers change records through drafts
(``drafts.py``)."""
from __future__ import annotations

from datetime import timezone
from typing import Any

from flask import Response, abort, jsonify, request
from marshmallow import ValidationError

from ..proxies import current_services
from ..security import current_identity, require_admin, require_signed_in
from ..services.records import PermissionDenied, RecordService
from ..urls import external_url
from . import bp
from .common import json_object, record_class, record_links
from .schemas import WRITABLE_TYPES, SimilarArgsSchema

similar_args = SimilarArgsSchema()


def record_body(service: RecordService, rec: Any) -> dict[str, Any]:
    """The record as its schema dumps it (timestamps with their UTC offset), as this caller may
    see it (``web/disclosure.py``: no contact details and a short summary without an account;
    ``withheld`` names what was left out; a member's read is logged), with its links."""
    shown = current_services.disclosures.show(current_identity(), rec, service.dump(rec), channel="api")
    return {**shown.data, "withheld": list(shown.withheld), "links": record_links(rec.public_id)}


def etag(rec: Any) -> str:
    return f'"{rec.revision_id}"'


def expected_revision() -> int:
    """The revision an edit started from, from If-Match (the ETag of the read): required, so
    that no edit overwrites another one it never saw (428 without it)."""
    value = (request.headers.get("If-Match") or "").strip()
    if not value:
        abort(428, description="修改须携带 If-Match（读取记录时的 ETag）/ send If-Match with the ETag you read")
    value = value.removeprefix("W/").strip('"')
    if not value.isdigit():
        abort(412, description="If-Match 应为记录的 ETag / If-Match must be the record's ETag")
    return int(value)


@bp.get("/records/<public_id>")
def get_record(public_id: str):
    cls = record_class(public_id)
    service = current_services.for_type(cls.RECORD_TYPE)
    rec = service.get(current_identity(), public_id)
    return jsonify(record_body(service, rec)), 200, {"ETag": etag(rec)}


@bp.get("/records/<public_id>/similar")
def similar_records(public_id: str):
    cls = record_class(public_id)
    identity = current_identity()
    current_services.for_type(cls.RECORD_TYPE).get(identity, public_id)  # 404 unless the caller may see it
    args = similar_args.load(request.args)
    return jsonify({"hits": current_services.search.similar(identity, cls.INDEX, public_id, args["size"])})


@bp.post("/records")
def create_record():
    """Create a record, or update the one with the same natural key (registration number,
    application number, institution name ...), as a bulk import would: 201 when a record
    was created, 200 when an existing one matched."""
    identity = require_admin()
    body = json_object()
    record_type = body.get("record_type")
    if record_type not in WRITABLE_TYPES:
        raise ValidationError({"record_type": [f"记录类型应为 {', '.join(WRITABLE_TYPES)} 之一 / one of {', '.join(WRITABLE_TYPES)}"]})
    service = current_services.for_type(record_type)
    data = service.validate(body)  # the record type is a system field: the schema drops it
    with service.unit_of_work() as uow:
        result = service.upsert(identity, data, uow, source="api")
    status = 201 if result.outcome == "created" else 200
    location = external_url("api.get_record", public_id=result.record.public_id)
    return jsonify(record_body(service, result.record)), status, {"Location": location}


@bp.put("/records/<public_id>")
def replace_record(public_id: str):
    """Replace a record's fields (the whole record: fields left out become empty)."""
    identity = require_admin()
    cls = record_class(public_id)
    body = json_object()
    if body.get("record_type") not in (None, cls.RECORD_TYPE):
        raise ValidationError({"record_type": [f"与记录编号不符，应为 {cls.RECORD_TYPE} / does not match the id: {cls.RECORD_TYPE}"]})
    service = current_services.for_type(cls.RECORD_TYPE)
    service.get(identity, public_id)  # 404 before anything else
    revision = expected_revision()
    rec = service.update(identity, public_id, body, expected_revision=revision)  # a stale revision: 412 with the current record
    return jsonify(record_body(service, rec)), 200, {"ETag": etag(rec)}


@bp.delete("/records/<public_id>")
def delete_record(public_id: str):
    identity = require_admin()
    cls = record_class(public_id)
    service = current_services.for_type(cls.RECORD_TYPE)
    service.delete(identity, public_id)  # 404 if missing, 409 for an institution that still holds records
    response = Response(status=204)
    del response.headers["Content-Type"]  # no body, so no type
    return response


@bp.post("/records/<public_id>/withdraw")
def withdraw_record(public_id: str):
    """Take a published record offline (its holder or an administrator)."""
    identity = require_signed_in()
    cls = record_class(public_id)
    service = current_services.for_type(cls.RECORD_TYPE)
    rec = service.withdraw(identity, public_id)
    current_services.audit.record(identity, "record.withdraw", rec.public_id, {})
    from ..extensions import db

    db.session.commit()
    return jsonify(record_body(service, rec)), 200, {"ETag": etag(rec)}


def _history_of(public_id: str):
    return current_services.for_type(record_class(public_id).RECORD_TYPE).with_history(require_signed_in(), public_id)


def version_body(v: Any) -> dict[str, Any]:
    at = v.created_at
    return {"revision": v.revision, "status": v.status, "change": v.change, "actor": v.actor,
            "draft": f"draft-{v.draft_id}" if v.draft_id else None,
            "created_at": (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).isoformat() if at else None}


@bp.get("/records/<public_id>/versions")
def record_versions(public_id: str):
    rec = _history_of(public_id)
    return jsonify([version_body(v) for v in current_services.versions.history(rec.RECORD_TYPE, rec.id)])


@bp.get("/records/<public_id>/versions/<int(min=1, max=2147483647):revision>")
def record_version(public_id: str, revision: int):
    from ..services.versions import diff

    rec = _history_of(public_id)
    versions = current_services.versions
    version = versions.get(rec.RECORD_TYPE, rec.id, revision)
    if version is None:
        abort(404, description="没有这个版本 / no such version")
    before = versions.previous(version)
    changes = diff(before.data if before else None, version.data)
    return jsonify({**version_body(version), "data": version.data,
                    "changes": [{"field": c.path, "before": c.before, "after": c.after} for c in changes]})
