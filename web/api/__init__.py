"""The JSON API, version 1 (``/api/v1``): search, suggestions, records, imports, and its own
OpenAPI document (``/api/v1/openapi.json``), generated from the marshmallow schemas.

Views are thin: arguments go through a schema, the work through a service that takes the
caller's identity first, and errors become ``{"error": {"code", "message", "details"}}``
(``web/errors.py``, plus ``errors.py`` here).

Authentication. The API uses no cookies and no session, so CSRF does not apply to it. Until
sign-in exists, ``web.security.current_identity()`` decides: in development a request from
the loopback address is the local operator, who may write; everyone else is anonymous and
every write answers 403. A production deployment needs a token scheme (an ``Authorization:
Bearer`` header checked in ``current_identity``); a later issue adds it, and the OpenAPI
document will then declare it as a security scheme."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# the modules attach their routes and handlers to ``bp``
from . import errors, imports, openapi, records, search  # noqa: E402,F401

__all__ = ["bp"]
