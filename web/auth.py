"""Who is asking, and what every request must pass before a view sees it. Closed by default.

* Sign-in is Flask-Login's session (the user id with the account's ``login_version``, so a new
  password or a disabled account ends every session); the JSON API also takes
  ``Authorization: Bearer <token>`` (``AccountService.user_for_token``).
* No request is trusted for where it comes from: there is no "local operator" any more.
* Every state-changing request needs a credential. With a session cookie it also needs a CSRF
  token (Flask-WTF), the API included; a bearer token needs none (a browser never sends one
  by itself). Without any credential, only the sign-in and password-reset forms accept a
  post, and they check a CSRF token too.
* Requests for a host that is not configured are refused (Flask's ``TRUSTED_HOSTS``, against
  DNS rebinding).
* Every response carries the security headers (``SECURITY_HEADERS``): a Content-Security-
  Policy with no inline scripts, nosniff, frame-ancestors 'none', a strict Referrer-Policy."""
from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, jsonify, redirect, request, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from .extensions import db
from .models import User
from .services.accounts import identity_of
from .services.identity import Identity, anonymous_identity

login_manager = LoginManager()
csrf = CSRFProtect()

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# forms a visitor without an account may post (each with its CSRF token)
ANONYMOUS_POSTS = frozenset({"account.login", "account.reset_request", "account.reset_password"})
# posts whose URL carries their own credential (a signed token), made by mail clients with no
# session and no form: RFC 8058's one-click unsubscribe. No sign-in, no CSRF token.
TOKEN_POSTS = frozenset({"alerts.unsubscribe"})
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def apply_throttles(app: Flask, throttled: dict[str, str]) -> None:
    """Limit POSTs to these endpoints per client address, by the config key given for each."""
    limiter: Limiter = app.extensions["throttle"]
    for endpoint, key in throttled.items():
        view = app.view_functions[endpoint]
        app.view_functions[endpoint] = limiter.limit(lambda key=key: app.config.get(key) or "10 per minute", methods=["POST"])(view)


class SessionUser:
    """What Flask-Login keeps for a signed-in person: the account, and its identity."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, user: User):
        self.user = user

    @property
    def is_active(self) -> bool:
        return self.user.active

    def get_id(self) -> str:
        return f"{self.user.id}:{self.user.login_version}"


@login_manager.user_loader
def _load_user(session_id: str) -> SessionUser | None:
    user_id, _, version = (session_id or "").partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.login_version != int(version):
        return None  # signed out everywhere by a new password, a reset or an administrator
    return SessionUser(user)


def sign_in(user: User, remember: bool = False) -> None:
    login_user(SessionUser(user), remember=remember)
    g.pop("identity", None)


def current_identity() -> Identity:
    """The identity of this request (computed once): a bearer token's user, the signed-in
    user, or anonymous."""
    identity = g.get("identity")
    if identity is None:
        identity = g.identity = _authenticate()
    return identity


def current_account() -> User | None:
    """The account behind this request, if any."""
    current_identity()
    return g.get("account")


def _authenticate() -> Identity:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        user = current_app.extensions["services"].accounts.user_for_token(header[7:].strip())
        if user is None:
            g.auth_method = "invalid-token"
            return anonymous_identity
        g.auth_method, g.account = "token", user
        return identity_of(user)
    if current_user.is_authenticated:
        g.auth_method, g.account = "session", current_user.user
        return identity_of(current_user.user)
    g.auth_method = None
    return anonymous_identity


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _unauthorised(message: str = "需要登录 / sign in first"):
    if _wants_json():
        body = {"error": {"code": "unauthorized", "message": message}}
        return jsonify(body), 401, {"WWW-Authenticate": 'Bearer realm="api"'}
    return redirect(url_for("account.login", next=request.full_path if request.query_string else request.path))


def _guard():
    """Before every request: a credential for every write, CSRF for cookie-authenticated ones."""
    if request.endpoint == "static" or request.url_rule is None:
        return None  # a file, or no such route (404 follows)
    identity = current_identity()
    if g.get("auth_method") == "invalid-token":
        return _unauthorised("令牌无效、已过期或已撤销 / the token is invalid, expired or revoked")
    if request.method not in UNSAFE or request.endpoint in TOKEN_POSTS:
        return None
    if g.get("auth_method") == "token":
        return None  # a bearer token is never sent by a browser on its own: no CSRF to fear
    if not identity.is_authenticated and request.endpoint not in ANONYMOUS_POSTS:
        return _unauthorised()
    csrf.protect()  # a signed-in browser, or an anonymous sign-in form
    return None


def _headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "static" and (g.get("auth_method") or request.method in UNSAFE):
        response.headers.setdefault("Cache-Control", "private, no-store")  # a person's pages stay with that person
        response.vary.add("Cookie")
    return response


def init_auth(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "account.login"
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    # one limiter per application (its counts in RATELIMIT_STORAGE_URI: memory in one process,
    # Redis shared by every worker in production); the views it throttles are named by
    # web.views.account.THROTTLED and wrapped once the blueprints are registered
    app.extensions["throttle"] = Limiter(get_remote_address, app=app)
    app.before_request(_guard)
    app.after_request(_headers)

    @app.errorhandler(CSRFError)
    def csrf_refused(exc: CSRFError) -> Any:
        from .errors import respond

        return respond(403, "csrf_failed", "表单已过期或来源不明，请刷新页面后重试 / the form expired or came from another site; "
                       "reload the page and try again")
