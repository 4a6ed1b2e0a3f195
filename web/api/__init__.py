"""The JSON API, version 1 (``/api/v1``): search, suggestions, records, imports, and its own
OpenAPI document (``/api/v1/openapi.json``), generated from the marshmallow schemas.

Views are thin: arguments go through a schema, the work through a service that takes the
caller's identity first, and errors become ``{"error": {"code", "message", "details"}}``
(``web/errors.py``, plus ``errors.py`` here).

Authentication (``web.auth``): an API token in ``Authorization: Bearer``, or the site's
session cookie, which then needs its CSRF token (``X-CSRFToken``) on every write. Reads of
published records need neither; every write needs one (401 without, 403 for a role that may
not). The OpenAPI document declares both schemes."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# the modules attach their routes and handlers to ``bp``
from . import account, admin, attachments, drafts, errors, imports, openapi, records, search, selection, stats, subscriptions  # noqa: E402,F401
from . import licences  # noqa: E402,F401
from . import inquiries  # noqa: E402,F401
from . import bookings  # noqa: E402,F401

__all__ = ["bp"]
