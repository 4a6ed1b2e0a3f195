"""The search page: one box across achievements, patents and instruments."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from ..proxies import current_services
from ..services.identity import anonymous_identity
from ..services.search import SearchParams
from ..services.search_options import FACETS, RECORD_TYPES

bp = Blueprint("search", __name__)

RESERVED = {"q", "type", "sort", "page", "size", "cursor"}


def params_from_args(args) -> SearchParams:
    record_type = args.get("type", "all")
    if record_type not in RECORD_TYPES:
        record_type = "all"
    max_size = current_app.config["SEARCH_MAX_PAGE_SIZE"]
    try:
        page = max(1, int(args.get("page", 1)))
        size = min(max(1, int(args.get("size", current_app.config["SEARCH_PAGE_SIZE"]))), max_size)
    except ValueError:
        page, size = 1, current_app.config["SEARCH_PAGE_SIZE"]
    keys = {f.key for f in FACETS[record_type]}
    selections = {k: args.getlist(k) for k in args if k in keys}
    return SearchParams(record_type, args.get("q", ""), selections, args.get("sort") or None, page, size, args.get("cursor"))


@bp.get("/")
@bp.get("/search")
def search():
    params = params_from_args(request.args)
    view = current_services.search.search(anonymous_identity, params)
    return render_template("search.html", view=view, params=params, record_types=RECORD_TYPES)
