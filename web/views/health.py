"""/healthz for load balancers and the compose health check."""
from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from ..extensions import db
from ..proxies import current_search

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    db_ok = True
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        db_ok = False
    search = current_search.health()
    ok = db_ok and search.ok
    body = {"ok": ok, "database": db_ok, "search": {"engine": search.engine, "ok": search.ok, "version": search.version}}
    return jsonify(body), 200 if ok else 503
