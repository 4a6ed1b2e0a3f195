"""Records: read, similar records, and the operator's writes (create, replace, delete)."""
from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from marshmallow import ValidationError

from ..proxies import current_services
from ..security import current_identity, require_admin
from ..services.records import RecordService
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


@bp.get("/records/<public_id>")
def get_record(public_id: str):
    cls = record_class(public_id)
    service = current_services.for_type(cls.RECORD_TYPE)
    return jsonify(record_body(service, service.get(current_identity(), public_id)))


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
    return jsonify(record_body(service, service.update(identity, public_id, body)))


@bp.delete("/records/<public_id>")
def delete_record(public_id: str):
    identity = require_admin()
    cls = record_class(public_id)
    service = current_services.for_type(cls.RECORD_TYPE)
    service.delete(identity, public_id)  # 404 if missing, 409 for an institution that still holds records
    response = Response(status=204)
    del response.headers["Content-Type"]  # no body, so no type
    return response
