"""Error handlers: JSON with a code and a message under /api/, a page elsewhere."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from indexer import BackendUnavailable, IndexMissing, QueryError

from .schemas import error_list
from .services.records import PermissionDenied, RecordInUse, RecordNotFound


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _respond(status: int, code: str, message: str, details=None):
    if _wants_json():
        body = {"error": {"code": code, "message": message}}
        if details:
            body["error"]["details"] = details
        return jsonify(body), status
    return render_template("error.html", status=status, code=code, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(QueryError)
    def query_error(exc: QueryError):
        return _respond(400, exc.code, str(exc), {"field": exc.field} if exc.field else None)

    @app.errorhandler(ValidationError)
    def validation_error(exc: ValidationError):
        details = [{"field": f, "message": m} for f, m in error_list(exc.messages)]
        return _respond(422, "validation_error", "数据校验未通过 / validation failed", details)

    @app.errorhandler(RecordNotFound)
    def not_found(exc: RecordNotFound):
        return _respond(404, "not_found", f"记录不存在 / no such record: {exc}")

    @app.errorhandler(RecordInUse)
    def in_use(exc: RecordInUse):
        return _respond(409, "record_in_use", str(exc))

    @app.errorhandler(PermissionDenied)
    def denied(exc: PermissionDenied):
        return _respond(403, "forbidden", str(exc))

    @app.errorhandler(BackendUnavailable)
    def unavailable(exc: BackendUnavailable):
        app.logger.warning("search engine unavailable: %s", exc)
        return _respond(503, "search_unavailable", "检索服务暂不可用，请稍后再试 / search is temporarily unavailable")

    @app.errorhandler(IndexMissing)
    def missing(exc: IndexMissing):
        app.logger.error("index missing: %s", exc)
        return _respond(503, "index_missing", "检索索引尚未建立 / the search index has not been created")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return _respond(exc.code or 500, (exc.name or "error").lower().replace(" ", "_"), exc.description or "")
