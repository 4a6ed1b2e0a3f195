"""Accounts, closed by default: sign-in with throttles and lock-out, sessions that end, password
reset through a real SMTP server (aiosmtpd, the ``smtp`` fixture of conftest.py), API tokens stored hashed, CSRF on every
cookie-authenticated write, trusted hosts, security headers and cookie flags, and the
production configuration that refuses to start open."""
from __future__ import annotations

import hashlib
import re
import time
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from tests.apps import PASSWORD, add_user, close_app, csrf_token_of, email_of, mail_config, make_app, sign_in_form, signed_in
from web import create_app
from web.extensions import db
from web.models import ApiToken, AuditEvent, User

DEMO = ["demo", "load", "--achievements", "8", "--patents", "4", "--instruments", "3"]


@pytest.fixture
def app(tmp_path, smtp):
    app = make_app(tmp_path, *DEMO, **mail_config(smtp))
    yield app
    close_app(app)


# -- signing in --------------------------------------------------------------------------------

def test_sign_in_and_out(app):
    user_id = add_user(app, "investor")
    client = app.test_client()
    assert client.get("/account/").status_code == 302  # the sign-in page first
    wrong = sign_in_form(client, email_of(app, user_id), "not the password")
    assert wrong.status_code == 401 and "邮箱或密码不正确" in wrong.get_data(as_text=True)
    ok = sign_in_form(client, email_of(app, user_id).upper(), PASSWORD)  # e-mail addresses ignore case
    assert ok.status_code == 303 and ok.headers["Location"] == "/account/"
    page = client.get("/account/").get_data(as_text=True)
    assert "投资者/企业" in page and email_of(app, user_id) in page
    assert client.get("/api/v1/me").get_json()["role"] == "investor"
    client.post("/account/logout", data={"csrf_token": csrf_token_of(client, "/account/")})
    assert client.get("/account/").status_code == 302
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.target == f"user:{user_id}"))]
    assert actions == ["user.create", "sign_in.failed", "sign_in", "sign_out"]


@pytest.mark.parametrize("target, kept", [("/search?q=电池", True), ("//evil.example/x", False), ("/\\evil.example", False),
                                          ("https://evil.example/", False)])
def test_after_sign_in_only_local_pages(app, target, kept):
    user_id = add_user(app, "intermediary")
    client = app.test_client()
    token = csrf_token_of(client)
    response = client.post("/account/login", query_string={"next": target},
                           data={"email": email_of(app, user_id), "password": PASSWORD, "csrf_token": token})
    assert unquote(response.headers["Location"]) == (target if kept else "/account/")


def test_five_wrong_passwords_lock_the_account(app):
    user_id = add_user(app, "intermediary")
    client = app.test_client()
    for _ in range(5):
        assert sign_in_form(client, email_of(app, user_id), "wrong-password").status_code == 401
    locked = sign_in_form(client, email_of(app, user_id), PASSWORD)  # even the right password waits now
    assert locked.status_code == 401 and "账号已暂时锁定" in locked.get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.failed_logins == 5 and user.locked_until is not None


def test_sign_in_is_throttled_per_address(tmp_path):
    app = make_app(tmp_path, SIGN_IN_RATE_LIMIT="3 per minute")
    try:
        client = app.test_client()
        token = csrf_token_of(client)
        codes = [client.post("/account/login", data={"email": f"nobody{i}@test.local", "password": "x" * 12, "csrf_token": token}).status_code
                 for i in range(5)]
        assert codes == [401, 401, 401, 429, 429]
        assert client.get("/account/login").status_code == 200  # reading the form is never limited
    finally:
        close_app(app)


def test_a_new_password_ends_the_other_sessions(app):
    user_id = add_user(app, "reviewer")
    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        assert sign_in_form(c, email_of(app, user_id), PASSWORD).status_code == 303
    token = csrf_token_of(first, "/account/")
    changed = first.post("/account/password", data={"pw-current": PASSWORD, "pw-password": "Another-pass-9876",
                                                     "pw-confirm": "Another-pass-9876", "pw-csrf_token": token})
    assert changed.status_code == 303
    assert first.get("/account/").status_code == 200  # this one goes on
    assert second.get("/account/").status_code == 302  # the other one ended
    assert sign_in_form(app.test_client(), email_of(app, user_id), "Another-pass-9876").status_code == 303


def test_a_disabled_account_is_signed_out(app):
    user_id = add_user(app, "intermediary")
    client = app.test_client()
    sign_in_form(client, email_of(app, user_id), PASSWORD)
    assert client.get("/account/").status_code == 200
    from web.proxies import current_services
    from web.services.identity import system_identity

    with app.app_context():
        current_services.accounts.update_user(system_identity, db.session.get(User, user_id), active=False)
        db.session.commit()
    assert client.get("/account/").status_code == 302
    assert sign_in_form(app.test_client(), email_of(app, user_id), PASSWORD).status_code == 401


# -- password reset over SMTP ------------------------------------------------------------------

def test_password_reset_by_a_single_use_link(app, smtp):
    user_id = add_user(app, "publisher")
    address = email_of(app, user_id)
    client = app.test_client()
    before = len(smtp.messages)
    asked = client.post("/account/reset", data={"email": address, "csrf_token": csrf_token_of(client, "/account/reset")})
    assert asked.status_code == 200 and "重设密码的链接已发出" in asked.get_data(as_text=True)
    mail = smtp.wait(before + 1)
    assert mail["To"] == address and mail["From"] == "platform@test.local" and "Reset your password" in mail["Subject"]
    body = mail.get_content()
    link = re.search(r"http://localhost(/account/reset/\S+)", body).group(1)
    form = client.get(link)
    assert form.status_code == 200
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.get_data(as_text=True)).group(1)
    done = client.post(link, data={"password": "Brand-new-pass-42", "confirm": "Brand-new-pass-42", "csrf_token": token})
    assert done.status_code == 303 and client.get("/account/").status_code == 200  # signed in
    assert client.get(link).status_code == 410  # used: dead
    assert sign_in_form(app.test_client(), address, "Brand-new-pass-42").status_code == 303
    assert sign_in_form(app.test_client(), address, PASSWORD).status_code == 401


def test_an_unknown_address_gets_the_same_answer_and_no_mail(app, smtp):
    client = app.test_client()
    before = len(smtp.messages)
    asked = client.post("/account/reset", data={"email": "nobody@test.local", "csrf_token": csrf_token_of(client, "/account/reset")})
    assert asked.status_code == 200 and "重设密码的链接已发出" in asked.get_data(as_text=True)
    time.sleep(0.3)
    assert len(smtp.messages) == before


def test_reset_links_expire(tmp_path, smtp):
    app = make_app(tmp_path, PASSWORD_RESET_SECONDS=1)
    try:
        user_id = add_user(app, "investor")
        from web.proxies import current_services

        with app.app_context():
            token = current_services.accounts.reset_token(db.session.get(User, user_id))
        assert app.test_client().get(f"/account/reset/{token}").status_code == 200
        time.sleep(2.1)
        assert app.test_client().get(f"/account/reset/{token}").status_code == 410
        assert app.test_client().get("/account/reset/forged.token.value").status_code == 410
    finally:
        close_app(app)


# -- API tokens --------------------------------------------------------------------------------

def test_tokens_are_shown_once_stored_hashed_and_revocable(app):
    client = signed_in(app, "intermediary")
    made = client.post("/account/tokens", data={"tk-name": "同步脚本", "tk-csrf_token": client.csrf})
    assert made.status_code == 201
    secret = re.search(r'id="new-token">([^<]+)<', made.get_data(as_text=True)).group(1)
    assert secret.startswith("jlt_")
    assert secret not in client.get("/account/").get_data(as_text=True)  # never again
    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.name == "同步脚本"))
        assert row.secret_hash == hashlib.sha256(secret.split("_", 2)[2].encode()).hexdigest()
        assert secret.split("_", 2)[2] not in (row.secret_hash + row.prefix)
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/v1/me", headers=bearer).get_json()["role"] == "intermediary"
    listed = api.get("/api/v1/tokens", headers=bearer).get_json()
    assert [t["name"] for t in listed] == ["同步脚本"] and all("token" not in t for t in listed)
    # through the API as well: made, used, revoked
    second = api.post("/api/v1/tokens", json={"name": "第二个", "days": 30}, headers=bearer)
    assert second.status_code == 201 and second.get_json()["token"].startswith("jlt_") and second.get_json()["expires_at"]
    revoked = api.delete(f"/api/v1/tokens/{row.id}", headers=bearer)
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    assert api.get("/api/v1/me", headers=bearer).status_code == 401
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {second.get_json()['token']}"}).status_code == 200


def test_someone_elses_token_cannot_be_revoked(app):
    owner = signed_in(app, "investor")
    owner.post("/account/tokens", data={"tk-name": "mine", "tk-csrf_token": owner.csrf})
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.name == "mine"))
    other = signed_in(app, "intermediary")
    assert other.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": other.csrf}).status_code == 404
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None


# -- CSRF, hosts, headers, cookies ---------------------------------------------------------------

def test_cookie_authenticated_writes_need_the_csrf_token(app):
    admin = signed_in(app, "admin")
    record = {"record_type": "institution", "name": "长春示例研究院"}
    assert admin.post("/api/v1/records", json=record).status_code == 403
    assert admin.post("/api/v1/records", json=record, headers={"X-CSRFToken": "forged"}).status_code == 403
    made = admin.post("/api/v1/records", json=record, headers={"X-CSRFToken": admin.csrf})
    assert made.status_code == 201
    # a bearer token is not sent by a browser on its own: no CSRF token needed
    from tests.apps import auth

    assert app.test_client().post("/api/v1/records", json={**record, "name": "吉林示例中心"}, headers=auth(app)).status_code == 201


def test_a_host_the_site_does_not_serve_is_refused(app):
    """DNS rebinding: curl -X DELETE -H 'Host: evil.example:5000' .../api/v1/records/ach-2001 deleted a record."""
    from tests.apps import auth

    headers = {**auth(app), "Host": "evil.example:5000"}
    assert app.test_client().delete("/api/v1/records/ach-1", headers=headers).status_code == 400
    assert app.test_client().get("/api/v1/records/ach-1").status_code == 200


@pytest.mark.parametrize("path", ["/", "/records/ach-1", "/api/v1/search", "/account/login", "/static/site.css", "/no-such-page"])
def test_security_headers_on_every_response(app, path):
    response = app.test_client().get(path)
    response.close()
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_scripts(app):
    client = signed_in(app, "admin")
    for path in ("/", "/search?q=电池", "/records/ach-1", "/account/", "/imports/", "/account/login"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"\son[a-z]+=\"", html) and ' style="' not in html, path


def test_session_cookies_are_httponly_and_samesite(app):
    user_id = add_user(app, "investor")
    client = app.test_client()
    response = sign_in_form(client, email_of(app, user_id), PASSWORD)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("tt_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # development serves http


# -- production is closed --------------------------------------------------------------------------

def production_config(tmp_path, **changes):
    return {"ENV": "production", "SECRET_KEY": "s" * 32, "PUBLIC_BASE_URL": "https://kjcg.example.cn",
            "INSTANCE_PATH": str(tmp_path / "instance"), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}",
            "CELERY": {"broker_url": "memory://"}, **changes}


@pytest.mark.parametrize("secret", [None, "", "short", "x" * 31])
def test_production_needs_a_secret_key_of_32_bytes(tmp_path, secret):
    with pytest.raises(RuntimeError, match="TT_SECRET_KEY"):
        create_app(production_config(tmp_path, SECRET_KEY=secret))


def test_an_unset_environment_is_production(tmp_path, monkeypatch):
    monkeypatch.delenv("TT_ENV", raising=False)
    with pytest.raises(RuntimeError, match="TT_SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}", "INSTANCE_PATH": str(tmp_path / "i"),
                    "CELERY": {"broker_url": "memory://"}})


def test_production_cookies_are_secure_and_no_demo_accounts(tmp_path):
    app = create_app(production_config(tmp_path))
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["TRUSTED_HOSTS"][0] == "kjcg.example.cn"
    with app.app_context():
        db.create_all()
    result = app.test_cli_runner().invoke(args=["users", "demo"])
    assert result.exit_code != 0 and "development" in result.output
    with app.app_context():
        assert db.session.scalar(select(User)) is None
        db.engine.dispose()


def test_development_demo_accounts_are_made_once(app):
    first = app.test_cli_runner().invoke(args=["users", "demo"])
    assert first.exit_code == 0, first.output
    rows = [line.split() for line in first.output.splitlines() if "@demo.local" in line]
    assert [r[0] for r in rows] == ["admin", "reviewer", "publisher", "intermediary", "investor"]
    for role, address, password, *_ in rows:
        assert sign_in_form(app.test_client(), address, password).status_code == 303, role
    again = app.test_cli_runner().invoke(args=["users", "demo"])
    assert again.exit_code == 0 and "made earlier" in again.output
    assert [line.split()[2] for line in again.output.splitlines() if "@demo.local" in line] == [r[2] for r in rows]
