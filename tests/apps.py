"""Test applications: a store in a temporary folder, the embedded engine, an in-memory Celery
broker (tasks are queued, not run), optionally filled with demo data."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from jinja2.bccache import Bucket, BytecodeCache

from web import create_app
from web.extensions import db
from web.proxies import current_search


def make_app(folder: Path, *demo_args: str, **config: Any) -> Flask:
    """``demo_args`` e.g. ("demo", "load", "--achievements", "60") fill the store and index.

    Demo data is loaded once per test process for each set of arguments and settings: the first
    app loads it (as ``flask demo load`` does) and its store is kept as a template; the next apps
    start from their own copy of that template (SQLite's backup of the file; on PostgreSQL a new
    database made from a template database), which is the same data, ids and index, without
    loading it again. Each test still has a store of its own."""
    config = {
        "ENV": "development",
        "INSTANCE_PATH": str(folder / "instance"),
        "SIGN_IN_RATE_LIMIT": "1000 per minute",  # tests sign in often from one address; test_accounts checks the real limit
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'store.sqlite3'}",
        "INGEST_UPLOAD_DIR": str(folder / "uploads"),
        "CELERY": {"broker_url": "memory://"},
        "DEMO_NEEDS": 0,  # tests that want needs ask for them (--needs N)
        "INGEST_SETTLE_HEAP": False,  # the test process is no importer: its garbage collector stays Python's
        **config,
    }
    if not demo_args:
        app = shared_template_code(create_app(config))
        with app.app_context():
            db.create_all()
            current_search.ensure_indices()
        return app
    key = _template_key(folder, demo_args, config)
    template = _TEMPLATES.get(key) if key else None
    if template is not None:
        template.copy_to(config)
        app = shared_template_code(create_app(config))
    else:
        app = shared_template_code(create_app(config))
        result = app.test_cli_runner().invoke(args=list(demo_args))
        assert result.exit_code == 0, result.output
        if key:
            _TEMPLATES[key] = _Template.keep(app, folder.parent)
    with app.app_context():
        current_search.refresh()  # Elasticsearch shows writes after its next refresh: tests search at once
    return app


# -- compiled page templates ----------------------------------------------------------------------
class _TemplateCode(BytecodeCache):
    """The Python code Jinja compiles each page template to, kept for every app of this process
    (each app has its own Jinja environment, which compiles every template again: ~0.1 s an app).
    Jinja's own mechanism (what FileSystemBytecodeCache does across processes): an entry is used
    only for the same template source (checksum) and the same compiler settings."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    @staticmethod
    def _settings(environment) -> str:
        return repr((sorted(environment.extensions), environment.block_start_string, environment.block_end_string,
                     environment.variable_start_string, environment.variable_end_string, environment.comment_start_string,
                     environment.comment_end_string, environment.line_statement_prefix, environment.line_comment_prefix,
                     environment.trim_blocks, environment.lstrip_blocks, environment.newline_sequence,
                     environment.keep_trailing_newline, environment.optimized, environment.is_async,
                     callable(environment.autoescape) or environment.autoescape))

    def get_bucket(self, environment, name, filename, source) -> Bucket:
        bucket = Bucket(environment, f"{self.get_cache_key(name, filename)}:{self._settings(environment)}", self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATE_CODE = _TemplateCode()


def shared_template_code(app: Flask) -> Flask:
    """``app`` with its page templates compiled once per test process (see _TemplateCode)."""
    app.jinja_env.bytecode_cache = _TEMPLATE_CODE
    return app


# -- demo data templates ---------------------------------------------------------------------------
# settings that name where this app keeps its files (not what is loaded into them)
_PLACES = ("INSTANCE_PATH", "SQLALCHEMY_DATABASE_URI", "INGEST_UPLOAD_DIR", "ATTACHMENT_DIR", "SEARCH_SQLITE_PATH")


def _sqlite_file(uri: str) -> Path | None:
    from sqlalchemy.engine import make_url

    url = make_url(uri)
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") else None


def _search_file(config: dict[str, Any]) -> Path:
    """Where the embedded engine keeps its tables for this config (web/search.py's rule)."""
    return Path(config["SEARCH_SQLITE_PATH"]) if config.get("SEARCH_SQLITE_PATH") else (
        _sqlite_file(config["SQLALCHEMY_DATABASE_URI"]) or Path(config["INSTANCE_PATH"]) / "search.sqlite3")


def _template_key(folder: Path, demo_args: tuple[str, ...], config: dict[str, Any]) -> str | None:
    """What the loaded data depends on: the arguments and every setting but the places (None:
    not kept: an Elasticsearch index, or a store this helper does not know how to copy)."""
    if config.get("SEARCH_BACKEND", "sqlite") != "sqlite" or any(config.get(k) for k in ("ATTACHMENT_DIR", "SEARCH_SQLITE_PATH")):
        return None
    uri = config["SQLALCHEMY_DATABASE_URI"]
    if _sqlite_file(uri) is not None:
        store = "sqlite"
    elif uri.startswith("postgresql"):
        from sqlalchemy.engine import make_url

        url = make_url(uri)
        store = f"postgresql://{url.host}:{url.port}"  # the session's server
    else:
        return None
    settings = sorted((k, repr(v)) for k, v in config.items() if k not in _PLACES)
    return repr((store, demo_args, settings, str(folder.parent)))


def _backup(source: Path, target: Path) -> None:
    """A consistent copy of an SQLite database (its WAL included), as SQLite's backup API makes it."""
    import sqlite3

    target.parent.mkdir(parents=True, exist_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


class _Template:
    """A store filled with demo data, kept to copy: the SQLite file (store and search tables), or
    a PostgreSQL template database and the search tables' file."""

    def __init__(self, search_file: Path, pg_admin: str | None = None, pg_name: str | None = None):
        self.search_file, self.pg_admin, self.pg_name = search_file, pg_admin, pg_name

    @classmethod
    def keep(cls, app: Flask, parent: Path) -> "_Template":
        import tempfile
        import uuid

        folder = Path(tempfile.mkdtemp(prefix="demo-template-", dir=parent))
        with app.app_context():
            db.session.remove()
            search_file = folder / "search.sqlite3"
            _backup(_search_file(app.config), search_file)
            uri = app.config["SQLALCHEMY_DATABASE_URI"]
            if _sqlite_file(uri) is not None:
                return cls(search_file)
            db.engine.dispose()  # CREATE DATABASE ... TEMPLATE wants no other session on the source
            url = db.engine.url
        import psycopg

        admin = f"host={url.host} port={url.port} user={url.username} dbname=postgres"
        name = f"tpl_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{url.database}"')
        return cls(search_file, admin, name)

    def copy_to(self, config: dict[str, Any]) -> None:
        _backup(self.search_file, _search_file(config))
        if self.pg_name is None:
            return
        import psycopg
        from sqlalchemy.engine import make_url

        database = make_url(config["SQLALCHEMY_DATABASE_URI"]).database  # made empty for this test: made again from the template
        with psycopg.connect(self.pg_admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{database}"')
            conn.execute(f'CREATE DATABASE "{database}" TEMPLATE "{self.pg_name}"')


_TEMPLATES: dict[str, _Template] = {}


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
