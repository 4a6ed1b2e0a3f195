"""吉林省科技成果转化信息数据库与检索服务平台: the Flask application factory."""
from __future__ import annotations

import os
import secrets
from urllib.parse import urlsplit
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from .urls import check_public_base_url


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    # the instance folder (SQLite store, uploads, the development key): TT_INSTANCE_PATH or a
    # test's INSTANCE_PATH, else Flask's default (instance/ next to the package)
    instance = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("TT_INSTANCE_PATH") or None
    app = Flask(__name__, instance_relative_config=True, instance_path=str(Path(instance).resolve()) if instance else None)
    app.config.from_object("web.config")
    app.config.from_prefixed_env("TT")
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if test_config:
        app.config.update(test_config)
    _finish_config(app)

    from .cli import register_commands
    from .errors import register_error_handlers
    from .views import register_blueprints

    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    from ingest.cli import register_ingest_commands

    register_ingest_commands(app)
    return app


def _finish_config(app: Flask) -> None:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'techtransfer.sqlite3'}"
    production = app.config.get("ENV") != "development"  # anything but an explicit "development" is production
    app.config["ENV"] = "production" if production else "development"
    secret = app.config.get("SECRET_KEY")
    if production and len(secret.encode() if isinstance(secret, str) else secret or b"") < 32:
        raise RuntimeError("TT_SECRET_KEY must be set in production, at least 32 bytes "
                           "(python -c 'import secrets; print(secrets.token_hex(32))')")
    if not secret:
        app.config["SECRET_KEY"] = _development_secret(Path(app.instance_path))
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if app.config.get(key) is None:
            app.config[key] = production  # cookies over HTTPS only, unless a development install
    if production or app.config.get("PUBLIC_BASE_URL"):
        # links in exports and API responses come from here, never from the Host header
        try:
            app.config["PUBLIC_BASE_URL"] = check_public_base_url(app.config.get("PUBLIC_BASE_URL"))
        except ValueError as exc:
            raise RuntimeError(str(exc)) from None
    if production and app.config.get("ALERTS_WEBHOOK_ALLOW_PRIVATE"):
        # webhooks to loopback or private addresses would let any subscriber reach internal services (SSRF)
        raise RuntimeError("TT_ALERTS_WEBHOOK_ALLOW_PRIVATE is for tests only and must not be set in production")
    if app.config.get("TRUSTED_HOSTS") is None:
        # DNS rebinding: a request for a host name we do not serve is refused (400) before any view
        hosts = ["localhost", "127.0.0.1"]
        if app.config.get("PUBLIC_BASE_URL"):
            hosts.insert(0, urlsplit(app.config["PUBLIC_BASE_URL"]).hostname or "localhost")
        app.config["TRUSTED_HOSTS"] = hosts
    if not app.config.get("MAX_CONTENT_LENGTH"):
        # a request body may hold the largest importable file and a little form data, no more
        app.config["MAX_CONTENT_LENGTH"] = int(app.config.get("INGEST_MAX_FILE_MB") or 200) * 1024 * 1024 + 1024 * 1024
    celery = dict(app.config.get("CELERY") or {})
    if not celery.get("broker_url"):
        queue = Path(app.instance_path) / "celery"
        for sub in ("queue", "processed", "control"):
            (queue / sub).mkdir(parents=True, exist_ok=True)
        celery["broker_url"] = "filesystem://"
        celery["broker_transport_options"] = {
            **celery.get("broker_transport_options", {}),
            "data_folder_in": str(queue / "queue"), "data_folder_out": str(queue / "queue"),
            "processed_folder": str(queue / "processed"), "store_processed": False,
            "control_folder": str(queue / "control"),
        }
    app.config["CELERY"] = celery
    if not app.config.get("ATTACHMENT_DIR"):
        app.config["ATTACHMENT_DIR"] = str(Path(app.instance_path) / "attachments")
    if not app.config.get("INGEST_UPLOAD_DIR"):
        app.config["INGEST_UPLOAD_DIR"] = str(Path(app.instance_path) / "uploads")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # SQLite serialises writers; wait for the lock instead of failing at once
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("connect_args", {"timeout": 30})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _development_secret(instance: Path) -> str:
    """A development install's own random key, kept in the instance folder (readable by this
    user only) so that sign-ins survive a restart and the worker signs like the web process."""
    path = instance / "dev-secret-key"
    try:
        key = path.read_text().strip()
    except OSError:
        key = ""
    if len(key) < 64:
        key = secrets.token_hex(32)
        try:
            path.write_text(key)
            os.chmod(path, 0o600)
        except OSError:
            pass  # a read-only instance folder: a key for this process only
    return key


def register_extensions(app: Flask) -> None:
    from ingest.celery_app import celery_init_app

    from .auth import init_auth
    from .extensions import db
    from .i18n import init_i18n
    from .search import Search
    from .services import Services

    db.init_app(app)
    init_i18n(app)
    init_auth(app)  # sessions, API tokens, CSRF, throttles, trusted hosts, security headers
    Search().init_app(app)  # app.extensions["search"]: the indexer backend
    Services().init_app(app)  # app.extensions["services"]: needs the two above
    celery_init_app(app)  # app.extensions["celery"]: the Celery app, tasks run in an app context
