"""Who is asking, and a CSRF token for forms.

Sign-in arrives with the publishing issue; until then the operator of a development install
(requests from this machine) may run imports, and nobody else can: in production every write
page answers 403 until an identity provider is configured."""
from __future__ import annotations

import hmac
import ipaddress
import secrets

from flask import abort, current_app, request, session

from .services.identity import Identity, anonymous_identity

LOCAL_OPERATOR = Identity("local-operator", frozenset({"admin"}))


def current_identity() -> Identity:
    if current_app.config.get("ENV") != "production":
        try:
            if ipaddress.ip_address(request.remote_addr or "0.0.0.0").is_loopback:
                return LOCAL_OPERATOR
        except ValueError:
            pass
    return anonymous_identity


def require_operator() -> Identity:
    identity = current_identity()
    if not identity.is_admin:
        abort(403, description="需要登录并具有导入权限 / importing needs a signed-in operator")
    return identity


def csrf_token() -> str:
    token = session.get("_csrf")
    if not token:
        token = session["_csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    sent = request.form.get("_csrf") or request.headers.get("X-CSRF-Token") or ""
    if not hmac.compare_digest(sent, session.get("_csrf") or "\0"):
        abort(400, description="表单已过期，请刷新后重试 / the form expired; reload and try again")
