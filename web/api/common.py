"""Small helpers the API views share: record ids, JSON bodies, links, timestamps."""
from __future__ import annotations

import re
from typing import Any

from flask import abort, request
from marshmallow import ValidationError
from werkzeug.exceptions import BadRequest

from ..models import BY_PREFIX
from ..models.common import PUBLIC_ID, PUBLIC_ID_NUMBER
from ..services.records import RecordNotFound
from ..urls import external_url

# the models' id rule (one for pages and API), as the OpenAPI document states it
PUBLIC_ID_PATTERN = "^(" + "|".join(sorted(BY_PREFIX)) + ")-" + PUBLIC_ID_NUMBER + "$"


def record_class(public_id: str) -> type:
    """The model class a public id names; RecordNotFound (404) for anything else."""
    m = PUBLIC_ID.fullmatch(public_id)
    cls = BY_PREFIX.get(m.group(1)) if m else None
    if cls is None:
        raise RecordNotFound(public_id)
    return cls


MAX_JSON_DEPTH = 32  # a record nests 3 levels deep; nothing real comes near this
_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)  # strings (skipped whole) and brackets


def nests_deeper_than(data: bytes, limit: int) -> bool:
    """Whether arrays and objects in a JSON text nest deeper than ``limit``, found by scanning
    (no recursion: 100,000 brackets cannot exhaust a parser's stack before we looked)."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return False  # too few brackets to be that deep (the usual case, decided in C)
    depth = 0
    for m in _JSON_TOKENS.finditer(data):
        token = m.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


def json_object() -> dict[str, Any]:
    """The request body as a JSON object: 415 if it is not JSON, 400 if it does not parse or
    nests deeper than any record does, 422 if it is JSON but not an object."""
    if not request.is_json:
        abort(415, description="请求体应为 JSON（Content-Type: application/json）/ send the body as application/json")
    if nests_deeper_than(request.get_data(cache=True), MAX_JSON_DEPTH):
        abort(400, description=f"JSON 嵌套过深（最多 {MAX_JSON_DEPTH} 层）/ the JSON nests too deeply (at most {MAX_JSON_DEPTH} levels)")
    try:
        body = request.get_json()
    except (BadRequest, RecursionError):
        abort(400, description="请求体不是有效的 JSON / the body is not valid JSON")
    if not isinstance(body, dict):
        raise ValidationError({"_schema": ["应为 JSON 对象 / expected a JSON object"]})
    return body


def record_links(public_id: str) -> dict[str, str]:
    return {
        "self": external_url("api.get_record", public_id=public_id),
        "html": external_url("records.record", public_id=public_id),
        "similar": external_url("api.similar_records", public_id=public_id),
    }


def job_links(job_id: int) -> dict[str, str]:
    return {
        "self": external_url("api.get_import", job_id=job_id),
        "cancel": external_url("api.cancel_import", job_id=job_id),
        "errors": external_url("api.import_errors", job_id=job_id),
    }
