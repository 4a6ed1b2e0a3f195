"""Test applications: a store in a temporary folder, the embedded engine, an in-memory Celery
broker (tasks are queued, not run), optionally filled with demo data."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from web import create_app
from web.extensions import db
from web.proxies import current_search


def make_app(folder: Path, *demo_args: str, **config: Any) -> Flask:
    """``demo_args`` e.g. ("demo", "load", "--achievements", "60") fill the store and index."""
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'store.sqlite3'}",
        "INGEST_UPLOAD_DIR": str(folder / "uploads"),
        "CELERY": {"broker_url": "memory://"},
        **config,
    })
    if demo_args:
        result = app.test_cli_runner().invoke(args=list(demo_args))
        assert result.exit_code == 0, result.output
    else:
        with app.app_context():
            db.create_all()
            current_search.ensure_indices()
    return app


def close_app(app: Flask) -> None:
    with app.app_context():
        current_search.close()
        db.session.remove()
        db.engine.dispose()
