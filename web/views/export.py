"""Download the current search as CSV or XLSX: the search page's URL parameters, the same
visibility (the service adds it), at most ``EXPORT_MAX_ROWS`` rows (10,000 by default)."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, current_app, request

from ..proxies import current_services
from ..schemas.search_args import SearchArgsSchema
from ..security import current_identity
from ..services.export import CSV_MIMETYPE, EXPORT_LIMIT, XLSX_MIMETYPE, ExportService, normalise_locale
from ..services.search import SearchParams
from ..urls import base_url, external_url

bp = Blueprint("export", __name__)


def export_locale() -> str:
    """"zh" or "en": the ``lang`` argument or cookie, else Flask-Babel's choice when that
    extension is registered, else Chinese."""
    chosen = request.args.get("lang") or request.cookies.get("lang")
    if not chosen and "babel" in current_app.extensions:
        from flask_babel import get_locale

        chosen = str(get_locale() or "")
    return normalise_locale(chosen)


def _attachment(name: str, ascii_name: str) -> str:
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def _export(extension: str) -> Response:
    params = SearchParams(**SearchArgsSchema().load(request.args))
    locale = export_locale()
    service = ExportService(current_services.search)
    result = service.collect(current_identity(), params, limit=int(current_app.config.get("EXPORT_MAX_ROWS", EXPORT_LIMIT)))
    site = base_url()  # links written into files come from PUBLIC_BASE_URL, never the Host header
    if extension == "csv":
        body, content_type = service.to_csv(result, locale, site), CSV_MIMETYPE
    else:
        search_args = [(k, v) for k, vs in request.args.lists() if k not in ("page", "size", "cursor", "lang") for v in vs]
        search_url = external_url("search.search") + ("?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in search_args) if search_args else "")
        body, content_type = service.to_xlsx(result, locale, site, search_url), XLSX_MIMETYPE
    name, ascii_name = service.filenames(result, extension, locale)
    current_services.usage.count("export", extension, request.user_agent.string)
    response = Response(body, content_type=content_type)  # the type as given (mimetype= would add a second charset)
    response.headers["Content-Disposition"] = _attachment(name, ascii_name)
    response.headers["X-Export-Truncated"] = "true" if result.truncated else "false"
    response.headers["X-Export-Rows"] = str(len(result.records))
    response.headers["X-Total-Count"] = str(result.total)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/search/export.csv")
def export_csv() -> Response:
    return _export("csv")


@bp.get("/search/export.xlsx")
def export_xlsx() -> Response:
    return _export("xlsx")
