"""Small helpers the API views share: record ids, JSON bodies, links, timestamps."""
from __future__ import annotations

import re
from typing import Any

from flask import abort, request, url_for
from marshmallow import ValidationError
from werkzeug.exceptions import BadRequest

from ..models import BY_PREFIX
from ..services.records import RecordNotFound

# ASCII digits, no leading zero, at most 18 of them: the number always fits the store's
# 64-bit integer key (a longer one used to reach the database and fail there)
PUBLIC_ID = re.compile(r"([a-z]+)-([1-9][0-9]{0,17})")
PUBLIC_ID_PATTERN = "^(" + "|".join(sorted(BY_PREFIX)) + ")-[1-9][0-9]{0,17}$"


def record_class(public_id: str) -> type:
    """The model class a public id names; RecordNotFound (404) for anything else."""
    m = PUBLIC_ID.fullmatch(public_id)
    cls = BY_PREFIX.get(m.group(1)) if m else None
    if cls is None:
        raise RecordNotFound(public_id)
    return cls


def json_object() -> dict[str, Any]:
    """The request body as a JSON object: 415 if it is not JSON, 400 if it does not parse,
    422 if it is JSON but not an object."""
    if not request.is_json:
        abort(415, description="请求体应为 JSON（Content-Type: application/json）/ send the body as application/json")
    try:
        body = request.get_json()
    except BadRequest:
        abort(400, description="请求体不是有效的 JSON / the body is not valid JSON")
    if not isinstance(body, dict):
        raise ValidationError({"_schema": ["应为 JSON 对象 / expected a JSON object"]})
    return body


def record_links(public_id: str) -> dict[str, str]:
    return {
        "self": url_for("api.get_record", public_id=public_id, _external=True),
        "html": url_for("records.record", public_id=public_id, _external=True),
        "similar": url_for("api.similar_records", public_id=public_id, _external=True),
    }


def job_links(job_id: int) -> dict[str, str]:
    return {
        "self": url_for("api.get_import", job_id=job_id, _external=True),
        "cancel": url_for("api.cancel_import", job_id=job_id, _external=True),
        "errors": url_for("api.import_errors", job_id=job_id, _external=True),
    }
