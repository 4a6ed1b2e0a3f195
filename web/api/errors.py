"""Error handlers of the API blueprint, on top of the application's (``web/errors.py``).

The application's handlers already answer JSON under ``/api/``. Two additions here:
* ``details`` is always a list of ``{"field", "message"}`` in the API (the application's
  handler gives a query error's field as an object);
* a write that breaks a uniqueness rule of the store (two records with the same
  registration or application number) is a 409 conflict, not a server error. The request's
  session is removed (rolled back) at teardown as usual."""
from __future__ import annotations

from typing import Any

from flask import jsonify
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from indexer import QueryError

from . import bp


def error_response(status: int, code: str, message: str, details: list[dict[str, str]] | None = None):
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return jsonify({"error": body}), status


@bp.errorhandler(QueryError)
def query_error(exc: QueryError):
    return error_response(400, exc.code, str(exc), [{"field": exc.field, "message": str(exc)}] if exc.field else None)


@bp.errorhandler(IntegrityError)
def conflict(exc: IntegrityError):
    return error_response(409, "conflict", "与已有记录冲突（如登记号、申请号或信用代码重复）/ conflicts with an existing record "
                          "(a registration, application or credit-code number already in use)")


@bp.errorhandler(StaleDataError)
def stale(exc: StaleDataError):
    return error_response(409, "conflict", "记录已被他人修改，请重新读取 / the record changed meanwhile; read it again")
