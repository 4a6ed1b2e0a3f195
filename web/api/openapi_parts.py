"""Pieces every feature's part of the OpenAPI document uses (alerts, inquiries, licences,
bookings): a JSON request body by component name, and the two answers to a body that is not JSON."""
from __future__ import annotations

from typing import Any

from .openapi_attachments import _ref

BAD_JSON = "JSON 无法解析 / malformed JSON"
NOT_JSON = "请求体应为 JSON / send the body as application/json"


def json_body(name: str, required: bool = True) -> dict[str, Any]:
    """A request body that is the component ``name``, as application/json."""
    return {"required": required, "content": {"application/json": {"schema": _ref(name)}}}
