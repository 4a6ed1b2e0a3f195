"""Search and type-ahead. The same parameters as the search page (``SearchArgsSchema``)."""
from __future__ import annotations

from flask import jsonify, request

from ..proxies import current_services
from ..schemas.search_args import SearchArgsSchema
from ..security import current_identity
from ..services.search import SearchParams
from . import bp
from .schemas import SuggestArgsSchema

search_args = SearchArgsSchema()
suggest_args = SuggestArgsSchema()


@bp.get("/search")
def search():
    params = SearchParams(**search_args.load(request.args))  # ValidationError -> 422 with one detail per field
    view = current_services.search.search(current_identity(), params)  # QueryError -> 400
    current_services.usage.search(params.q, view.total, params.page, request.user_agent.string, view.hits)
    return jsonify(view.to_dict())


@bp.get("/suggest")
def suggest():
    args = suggest_args.load(request.args)
    if not args["q"].strip():
        return jsonify([])
    return jsonify(current_services.search.suggest(current_identity(), args["q"], args["type"], args["size"]))
