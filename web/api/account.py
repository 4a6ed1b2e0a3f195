"""The caller's own account: who am I, and my API tokens (create, list, revoke). A token is
returned whole once, when it is made; afterwards only its public prefix is shown."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import abort, jsonify

from ..auth import current_account
from ..extensions import db
from ..models import ApiToken
from ..proxies import current_services
from ..security import require_signed_in
from . import bp
from .common import json_object
from .schemas import TokenCreateSchema

token_create = TokenCreateSchema()


def _utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()


def token_body(token: ApiToken) -> dict[str, Any]:
    return {"id": token.id, "name": token.name, "prefix": token.prefix, "created_at": _utc(token.created_at),
            "expires_at": _utc(token.expires_at), "last_used_at": _utc(token.last_used_at), "revoked_at": _utc(token.revoked_at)}


@bp.get("/me")
def me():
    require_signed_in()
    user = current_account()
    return jsonify({"id": user.id, "email": user.email, "name": user.name, "role": user.role,
                    "institution": user.institution.public_id if user.institution else None})


@bp.get("/tokens")
def list_tokens():
    require_signed_in()
    return jsonify([token_body(t) for t in current_services.accounts.tokens(current_account())])


@bp.post("/tokens")
def create_token():
    require_signed_in()
    args = token_create.load(json_object())
    new = current_services.accounts.create_token(current_account(), args["name"], args["days"])
    db.session.commit()
    return jsonify({**token_body(new.token), "token": new.secret}), 201


@bp.delete("/tokens/<int(min=1, max=2147483647):token_id>")
def revoke_token(token_id: int):
    identity = require_signed_in()
    try:
        current_services.accounts.revoke_token(identity, token_id)
    except LookupError:
        abort(404, description="令牌不存在 / no such token")
    db.session.commit()
    return jsonify(token_body(db.session.get(ApiToken, token_id)))
