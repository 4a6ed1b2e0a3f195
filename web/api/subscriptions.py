"""Subscriptions and alerts over JSON, for the signed-in caller (a token, or the session with its
CSRF token on writes):

* ``/subscriptions``: list, create; ``/subscriptions/<id>``: read, change (only the keys given),
  delete. Another account's subscription is 404, as one that does not exist;
* ``/alerts``: the inbox, newest first (``?unread=true&subscription=<id>&page=&size=``);
  ``/alerts/read``: ``{"ids": [...], "read": true|false}`` or ``{"all": true}``.

Input is checked by the service (``web/schemas/subscription.py``); its refusals are 422 with
``details`` per field."""
from __future__ import annotations

from typing import Any

from flask import jsonify, request
from marshmallow import ValidationError

from ..proxies import current_services
from ..security import require_signed_in
from ..services.subscriptions import SubscriptionError
from ..urls import external_url
from . import bp
from .common import json_object
from .errors import error_response
from .subscription_schemas import InboxArgsSchema, MarkReadSchema, alert_body, subscription_body

SUB_ID = "<int:sub_id>"  # 0 or beyond the id column: the service answers 404 (werkzeug answers 405 to a converter bound for another method)
inbox_args, mark_read_schema = InboxArgsSchema(), MarkReadSchema()
NOT_FOUND = "订阅不存在 / no such subscription"


def _details(messages: Any, prefix: str = "") -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            out += _details(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(messages, (list, tuple)):
        for value in messages:
            out += _details(value, prefix)
    else:
        out.append({"field": prefix or "_schema", "message": str(messages)})
    return out


@bp.errorhandler(SubscriptionError)
def subscription_refused(exc: SubscriptionError):
    return error_response(422, exc.code, str(exc), _details(exc.messages) or None)


def _not_found():
    return error_response(404, "not_found", NOT_FOUND)


@bp.get("/subscriptions")
def list_subscriptions():
    identity = require_signed_in()
    service = current_services.subscriptions
    unread = service.unread_counts(identity)
    return jsonify([subscription_body(s, unread.get(s.id, 0)) for s in service.list(identity)])


@bp.post("/subscriptions")
def create_subscription():
    identity = require_signed_in()
    sub = current_services.subscriptions.create(identity, json_object())
    return jsonify(subscription_body(sub, 0, secret=True)), 201, {"Location": external_url("api.get_subscription", sub_id=sub.id)}


@bp.get(f"/subscriptions/{SUB_ID}")
def get_subscription(sub_id: int):
    identity = require_signed_in()
    service = current_services.subscriptions
    try:
        sub = service.get(identity, sub_id)
    except LookupError:
        return _not_found()
    return jsonify(subscription_body(sub, service.unread_counts(identity).get(sub.id, 0)))


@bp.patch(f"/subscriptions/{SUB_ID}")
def update_subscription(sub_id: int):
    identity = require_signed_in()
    service = current_services.subscriptions
    try:
        had_webhook = bool(service.get(identity, sub_id).webhook_url)
    except LookupError:
        return _not_found()
    body = json_object()
    paused = body.pop("paused", None)
    if paused is not None and not isinstance(paused, bool):
        raise ValidationError({"paused": ["应为 true 或 false / true or false"]})
    sub = service.update(identity, sub_id, body)
    if paused is not None and paused != sub.paused:
        sub = service.set_paused(identity, sub_id, paused)
    # a webhook given for the first time: its secret, this once
    return jsonify(subscription_body(sub, service.unread_counts(identity).get(sub.id, 0), secret=bool(sub.webhook_url) and not had_webhook))


@bp.delete(f"/subscriptions/{SUB_ID}")
def delete_subscription(sub_id: int):
    identity = require_signed_in()
    try:
        current_services.subscriptions.delete(identity, sub_id)
    except LookupError:
        return _not_found()
    return "", 204


@bp.get("/alerts")
def list_alerts():
    identity = require_signed_in()
    args = inbox_args.load(request.args)
    service = current_services.subscriptions
    items, total = service.inbox(identity, subscription_id=args["subscription"], unread_only=args["unread"], page=args["page"],
                                 size=args["size"])
    return jsonify({"items": [alert_body(m) for m in items], "total": total, "page": args["page"], "size": args["size"],
                    "pages": max(1, -(-total // args["size"])), "unread": service.unread_count(identity)})


@bp.post("/alerts/read")
def mark_alerts_read():
    identity = require_signed_in()
    data = mark_read_schema.load(json_object())
    service = current_services.subscriptions
    if data["all"]:
        updated = service.mark_all_read(identity, data.get("subscription"))
    else:
        updated = service.mark_read(identity, list(dict.fromkeys(data["ids"] or [])), data["read"])
    return jsonify({"updated": updated, "unread": service.unread_count(identity)})


__all__ = ["subscription_refused"]
