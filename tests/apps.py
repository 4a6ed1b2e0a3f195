"""Test applications: a store in a temporary folder, the embedded engine, an in-memory Celery
broker (tasks are queued, not run), optionally filled with demo data."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from web import create_app
from web.extensions import db
from web.proxies import current_search


def make_app(folder: Path, *demo_args: str, **config: Any) -> Flask:
    """``demo_args`` e.g. ("demo", "load", "--achievements", "60") fill the store and index."""
    app = create_app({
        "ENV": "development",
        "INSTANCE_PATH": str(folder / "instance"),
        "SIGN_IN_RATE_LIMIT": "1000 per minute",  # tests sign in often from one address; test_accounts checks the real limit
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'store.sqlite3'}",
        "INGEST_UPLOAD_DIR": str(folder / "uploads"),
        "CELERY": {"broker_url": "memory://"},
        "DEMO_NEEDS": 0,  # tests that want needs ask for them (--needs N)
        **config,
    })
    if demo_args:
        result = app.test_cli_runner().invoke(args=list(demo_args))
        assert result.exit_code == 0, result.output
        with app.app_context():
            current_search.refresh()  # Elasticsearch shows writes after its next refresh: tests search at once
    else:
        with app.app_context():
            db.create_all()
            current_search.ensure_indices()
    return app


# the stores a fixture is parametrised over (``params=STORES``, then ``store_config(request)``)
STORES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)]


def store_config(request) -> dict[str, Any]:
    """The app config for ``request.param``: the embedded store, or a fresh database on the
    session's PostgreSQL server (production's store)."""
    return {"SQLALCHEMY_DATABASE_URI": request.getfixturevalue("pg_server").new_database()} if request.param == "postgresql" else {}


def close_app(app: Flask) -> None:
    with app.app_context():
        current_search.close()
        db.session.remove()
        db.engine.dispose()


# -- accounts ------------------------------------------------------------------------------------
PASSWORD = "Tests-pass-2026!"  # every test account's password


def add_user(app: Flask, role: str = "admin", email: str | None = None, institution_id: int | None = None,
             password: str = PASSWORD, **fields: Any):
    """A new account (its id); a publisher gets the first institution unless given one."""
    import uuid

    from web.models import Institution
    from web.proxies import current_services
    from web.services.identity import system_identity

    with app.app_context():
        if role == "publisher" and institution_id is None:
            institution_id = db.session.query(Institution.id).order_by(Institution.id).limit(1).scalar()
        user = current_services.accounts.create_user(
            system_identity, email=email or f"{role}-{uuid.uuid4().hex[:8]}@test.local", name=f"{role} test", role=role,
            password=password, institution_id=institution_id, **fields)
        db.session.commit()
        return user.id


def api_token(app: Flask, role: str = "admin", **kwargs: Any) -> str:
    """A bearer token of a new account with this role."""
    from web.models import User
    from web.proxies import current_services

    user_id = add_user(app, role, **kwargs)
    with app.app_context():
        secret = current_services.accounts.create_token(db.session.get(User, user_id), "tests").secret
        db.session.commit()
        return secret


def auth(app: Flask, role: str = "admin", **kwargs: Any) -> dict[str, str]:
    """Request headers that authenticate as a new account with this role."""
    return {"Authorization": f"Bearer {api_token(app, role, **kwargs)}"}


def email_of(app: Flask, user_id: int) -> str:
    with app.app_context():
        from web.models import User

        return db.session.get(User, user_id).email


def sign_in_form(client, email: str, password: str):
    """The sign-in form posted as a person does (with the page's CSRF token)."""
    return client.post("/account/login", data={"email": email, "password": password, "csrf_token": csrf_token_of(client)})


def mail_config(smtp) -> dict[str, Any]:
    """Settings that send the app's mail to a test SMTP server (tests/integration/conftest.smtp)."""
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "MAIL_SENDER": "platform@test.local"}


def csrf_token_of(client, path: str = "/account/login") -> str:
    import re

    html = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def signed_in(app: Flask, role: str = "admin", **kwargs: Any):
    """A test client signed in (session cookie) as a new account with this role; ``client.csrf``
    holds a CSRF token for its posts."""
    from web.models import User

    user_id = add_user(app, role, **kwargs)
    with app.app_context():
        email = db.session.get(User, user_id).email
    client = app.test_client()
    response = client.post("/account/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token_of(client)})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    client.csrf = csrf_token_of(client, "/account/")
    client.user_id = user_id
    return client
