"""Statistics: ``GET /api/v1/stats`` takes the search's parameters and answers the counts the
dashboard draws, per chart, each bar with the search that lists its records;
``GET /api/v1/stats/exchanges`` answers the exchanges between parties (inquiries, agreements,
licences, bookings) counted from the store, as ``/stats/exchanges`` shows them."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import jsonify, request, url_for
from marshmallow import fields, validate

from ..i18n import lang
from ..proxies import current_services
from ..schemas.search_args import SearchArgsSchema
from ..security import current_identity
from ..services.exchange_stats import MAX_YEAR, MIN_YEAR
from ..services.search import SearchParams
from ..services.stats import StatsView, search_query
from . import bp
from .args import FormArgs

stats_args = SearchArgsSchema()


class ExchangeArgs(FormArgs):
    year = fields.Integer(load_default=None, validate=validate.Range(min=MIN_YEAR, max=MAX_YEAR),
                          metadata={"description": "年份（达到该状态的日期）；不填为全部年份 / the year the state was reached; every year when left out"})


exchange_args = ExchangeArgs()


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


@bp.get("/stats/exchanges")
def exchange_stats():
    """Public figures only: no company or person; booking fees for signed-in members only."""
    year = exchange_args.load(request.args)["year"]  # ValidationError -> 422
    body = current_services.exchange_stats.figures(current_identity(), year).to_dict(lang())
    body["years"] = current_services.exchange_stats.years()
    for item in body["licences"]["top_patents"] + body["bookings"]["top_instruments"]:
        item["url"] = url_for("records.record", public_id=item["id"])
    return jsonify(body)
