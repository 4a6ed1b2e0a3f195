"""Search extension: builds the indexer backend from ``SEARCH_*`` configuration."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.engine import make_url

import indexer


def search_params(config: dict[str, Any], instance_path: str) -> dict[str, Any]:
    params = {k.removeprefix("SEARCH_").lower(): v for k, v in config.items() if k.startswith("SEARCH_") and k != "SEARCH_BACKEND"}
    if not params.get("sqlite_path"):
        url = make_url(config["SQLALCHEMY_DATABASE_URI"])
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            params["sqlite_path"] = url.database  # one file holds the store and its search tables
        else:
            params["sqlite_path"] = str(Path(instance_path) / "search.sqlite3")
    return params


class Search:
    def init_app(self, app: Flask) -> None:
        backend = indexer.get_backend(app.config["SEARCH_BACKEND"], search_params(app.config, app.instance_path))
        app.extensions["search"] = backend
