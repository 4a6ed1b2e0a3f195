"""吉林省科技成果转化信息数据库与检索服务平台: the Flask application factory."""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from .urls import check_public_base_url


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
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
    if not app.config.get("SECRET_KEY"):
        if app.config.get("ENV") == "production":
            raise RuntimeError("TT_SECRET_KEY must be set in production")
        app.config["SECRET_KEY"] = secrets.token_hex(32)  # development only: sessions end on restart
    if app.config.get("ENV") == "production" or app.config.get("PUBLIC_BASE_URL"):
        # links in exports and API responses come from here, never from the Host header
        try:
            app.config["PUBLIC_BASE_URL"] = check_public_base_url(app.config.get("PUBLIC_BASE_URL"))
        except ValueError as exc:
            raise RuntimeError(str(exc)) from None
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
    if not app.config.get("INGEST_UPLOAD_DIR"):
        app.config["INGEST_UPLOAD_DIR"] = str(Path(app.instance_path) / "uploads")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # SQLite serialises writers; wait for the lock instead of failing at once
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("connect_args", {"timeout": 30})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def register_extensions(app: Flask) -> None:
    from ingest.celery_app import celery_init_app

    from .extensions import db
    from .i18n import init_i18n
    from .search import Search
    from .services import Services

    db.init_app(app)
    init_i18n(app)
    Search().init_app(app)  # app.extensions["search"]: the indexer backend
    Services().init_app(app)  # app.extensions["services"]: needs the two above
    celery_init_app(app)  # app.extensions["celery"]: the Celery app, tasks run in an app context
