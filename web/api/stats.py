"""Statistics: ``GET /api/v1/stats`` takes the search's parameters and answers the counts the
dashboard draws, per chart, each bar with the search that lists its records."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import jsonify, request, url_for

from ..i18n import lang
from ..proxies import current_services
from ..schemas.search_args import SearchArgsSchema
from ..security import current_identity
from ..services.search import SearchParams
from ..services.stats import StatsView, search_query
from . import bp

stats_args = SearchArgsSchema()


def stats_body(view: StatsView, locale: str) -> dict:
    """The dashboard as JSON, each bucket with the URL of its search (site-relative)."""
    body = view.to_dict(locale)
    search = url_for("search.search")
    body["search"] = search + ("?" + urlencode(search_query(view.params)) if search_query(view.params) else "")
    for chart, out in zip(view.charts, body["charts"]):
        for bucket, item in zip(chart.buckets, out["buckets"]):
            item["search"] = search + "?" + urlencode(search_query(view.params, **{chart.key: [bucket.value]}))
    return body


@bp.get("/stats")
def stats():
    params = SearchParams(**stats_args.load(request.args))  # ValidationError -> 422
    locale = lang()
    view = current_services.stats.dashboard(current_identity(), params, locale)  # QueryError -> 400
    return jsonify(stats_body(view, locale))
