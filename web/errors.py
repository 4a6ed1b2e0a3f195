"""Error handlers: JSON with a code and a message under /api/, a page elsewhere."""
from __future__ import annotations

import json

from flask import Flask, jsonify, redirect, render_template, request, url_for
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, SecurityError

from indexer import BackendUnavailable, IndexMissing, QueryError

from .schemas import error_list
from .security import SignInRequired
from .services.accounts import AccountError
from .services.drafts import DraftConflict, StaleDraft
from .services.records import PermissionDenied, RecordInUse, RecordNotFound, StaleRevision


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def respond(status: int, code: str, message: str, details=None):
    if _wants_json():
        body = {"error": {"code": code, "message": message}}
        if details:
            body["error"]["details"] = details
        return jsonify(body), status
    return render_template("error.html", status=status, code=code, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(QueryError)
    def query_error(exc: QueryError):
        return respond(400, exc.code, str(exc), {"field": exc.field} if exc.field else None)

    @app.errorhandler(ValidationError)
    def validation_error(exc: ValidationError):
        details = [{"field": f, "message": m} for f, m in error_list(exc.messages)]
        return respond(422, "validation_error", "数据校验未通过 / validation failed", details)

    @app.errorhandler(RecordNotFound)
    def not_found(exc: RecordNotFound):
        return respond(404, "not_found", f"记录不存在 / no such record: {exc}")

    @app.errorhandler(RecordInUse)
    def in_use(exc: RecordInUse):
        return respond(409, "record_in_use", str(exc))

    @app.errorhandler(SignInRequired)
    def sign_in_required(exc: SignInRequired):
        if _wants_json():
            body = {"error": {"code": "unauthorized", "message": "需要登录（会话或 Authorization: Bearer 令牌）/ sign in, or send "
                                                                  "Authorization: Bearer <token>"}}
            return jsonify(body), 401, {"WWW-Authenticate": 'Bearer realm="api"'}
        return redirect(url_for("account.login", next=request.full_path if request.query_string else request.path))

    @app.errorhandler(StaleRevision)
    def stale_revision(exc: StaleRevision):
        """An edit made from an older revision: refused, with the record as it is now."""
        message = (f"记录已被他人修改（当前版本 {exc.current.revision_id}，您的修改基于版本 {exc.expected}），请对照后重新修改 / "
                   f"the record changed meanwhile (now revision {exc.current.revision_id}, your edit started from {exc.expected}); "
                   f"compare and edit again")
        if _wants_json():
            from .proxies import current_services

            service = current_services.for_type(exc.current.RECORD_TYPE)
            body = {"error": {"code": "stale_revision", "message": message}, "current": service.dump(exc.current)}
            return jsonify(body), 412, {"ETag": f'"{exc.current.revision_id}"'}
        return respond(409, "stale_revision", message)

    @app.errorhandler(StaleDraft)
    def stale_draft(exc: StaleDraft):
        message = "草稿已被修改，请刷新后重试 / the draft changed meanwhile; reload it and edit again"
        if _wants_json():
            return jsonify({"error": {"code": "stale_revision", "message": message}}), 412, {"ETag": f'"{exc.current.revision}"'}
        return respond(409, "stale_revision", message)

    @app.errorhandler(DraftConflict)
    def draft_conflict(exc: DraftConflict):
        return respond(409, "draft_conflict", str(exc))

    @app.errorhandler(AccountError)
    def account_error(exc: AccountError):
        return respond(422, "account_error", str(exc))

    @app.errorhandler(PermissionDenied)
    def denied(exc: PermissionDenied):
        return respond(403, "forbidden", str(exc))

    @app.errorhandler(BackendUnavailable)
    def unavailable(exc: BackendUnavailable):
        app.logger.warning("search engine unavailable: %s", exc)
        return respond(503, "search_unavailable", "检索服务暂不可用，请稍后再试 / search is temporarily unavailable")

    @app.errorhandler(IndexMissing)
    def missing(exc: IndexMissing):
        app.logger.error("index missing: %s", exc)
        return respond(503, "index_missing", "检索索引尚未建立 / the search index has not been created")

    @app.errorhandler(SecurityError)
    def untrusted_host(exc: SecurityError):
        # a Host this site does not serve (DNS rebinding): no page, no links, just the refusal
        body = {"error": {"code": "untrusted_host", "message": "未知的主机名 / unknown host name"}}
        return app.response_class(json.dumps(body, ensure_ascii=False), status=400, mimetype="application/json")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return respond(exc.code or 500, (exc.name or "error").lower().replace(" ", "_"), exc.description or "")
