"""The statistics pages: the search's own URL parameters (type, words, filters) drawn as charts.

``/stats`` shows a dashboard per record type; every chart has its table (the accessible
fallback, and what shows without scripts), a CSV and an XLSX of its numbers and a PNG of the
picture; a bar opens the search that lists its records. The chart library is Apache ECharts,
installed from npm (package-lock.json) and served by the app itself (no CDN)."""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, send_file, url_for
from flask_babel import gettext

from indexer import QueryError

from ..i18n import lang
from ..proxies import current_services
from ..search_options import FACETS
from ..security import current_identity
from ..services.search import SearchParams
from ..services.stats import ChartView, StatsView, search_query
from ..services.stats_export import CSV_MIMETYPE, XLSX_MIMETYPE, chart_csv, dashboard_xlsx
from ..stats_options import DASHBOARDS, MEASURES, STATS_TYPES
from ..templating import facet_label, facet_name
from ..urls import external_url
from .search import params_from_args

bp = Blueprint("stats", __name__)

ECHARTS_FILE = Path("echarts") / "dist" / "echarts.min.js"


def node_modules() -> Path:
    return Path(current_app.config.get("NODE_MODULES_DIR") or Path(current_app.root_path).parent / "node_modules")


def echarts_version() -> str | None:
    """The installed ECharts version (it versions the script's URL, so browsers may keep it a year)."""
    try:
        return json.loads((node_modules() / "echarts" / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None


def _search_link(params: SearchParams, chart: ChartView, bucket) -> str:
    return url_for("search.search") + "?" + urlencode(search_query(params, **{chart.key: [bucket.value]}))


def _chart_data(view: StatsView, chart: ChartView) -> dict:
    """What stats.js draws: labels, counts, sums, and each bar's search."""
    locale = lang()
    return {
        "key": chart.key, "kind": chart.definition.kind, "title": chart.definition.title(locale), "trend": chart.definition.trend,
        "labels": [b.label for b in chart.buckets], "counts": [b.count for b in chart.buckets],
        "changes": [None if b.change is None else round(b.change * 100, 1) for b in chart.buckets],
        "selected": [b.selected for b in chart.buckets],
        "links": [_search_link(view.params, chart, b) for b in chart.buckets],
        "parts": ({t: [b.parts.get(t, 0) for b in chart.buckets] for t in ("achievement", "patent", "instrument")}
                  if chart.definition.by_type else None),
        "part_labels": {t: gettext(label) for t, label in (("achievement", "科技成果"), ("patent", "专利"), ("instrument", "大型科研仪器"))},
        "measures": [{"field": m, "label": MEASURES[m].label(locale), "values": [round(b.sums.get(m, 0.0), 2) for b in chart.buckets]}
                     for m in chart.measures],
        "count_label": gettext("记录数"),
        "change_label": gettext("同比"),
    }


def _filters(params: SearchParams) -> list[tuple[str, str, str, str]]:
    """The selected filters: (key, value, name, value label)."""
    defs = {f.key: f for f in FACETS[params.record_type]}
    return [(key, value, facet_name(defs[key]), facet_label(defs[key], value))
            for key, values in params.selections.items() if key in defs for value in values]


@bp.get("/stats")
def dashboard():
    params, capped = params_from_args(request.args)
    if params.record_type not in STATS_TYPES:
        return redirect(url_for("stats.dashboard"), 303)
    error = None
    if capped:
        error = gettext("筛选值过多，已去掉全部筛选条件。")
    identity = current_identity()
    try:
        view = current_services.stats.dashboard(identity, params, lang())
    except QueryError as exc:
        error = str(exc)
        params = SearchParams(record_type=params.record_type)
        view = current_services.stats.dashboard(identity, params, lang())
    query = search_query(params)
    return render_template(
        "stats/dashboard.html", view=view, params=params, error=error, types=STATS_TYPES, dashboards=DASHBOARDS,
        filters=_filters(params), measures=MEASURES, query=query, echarts_version=echarts_version(),
        search_link=url_for("search.search") + ("?" + urlencode(query) if query else ""),
        chart_data={c.key: _chart_data(view, c) for c in view.charts},
        bucket_link=lambda chart, bucket: _search_link(params, chart, bucket),
        export_link=lambda fmt, chart=None: url_for("stats.export", fmt=fmt) + "?" + urlencode(query + ([("chart", chart)] if chart else [])),
        without=lambda key, value: url_for("stats.dashboard") + _query_without(query, key, value),
    ), 422 if capped else 200


def _query_without(query: list[tuple[str, str]], key: str, value: str) -> str:
    rest = [(k, v) for k, v in query if not (k == key and v == value)]
    return "?" + urlencode(rest) if rest else ""


def _attachment(name: str, ascii_name: str) -> str:
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


@bp.get("/stats/export.<any(csv, xlsx):fmt>")
def export(fmt: str) -> Response:
    """One chart (``chart=``) as CSV or XLSX, or every chart of the dashboard as one XLSX."""
    params, capped = params_from_args(request.args)
    if capped or params.record_type not in STATS_TYPES:
        abort(422 if capped else 404)
    locale = lang()
    view = current_services.stats.dashboard(current_identity(), params, locale)  # QueryError -> 400
    key = request.args.get("chart")
    charts = [c for c in view.charts if key is None or c.key == key]
    if not charts or (fmt == "csv" and key is None):
        abort(404)
    site_search = external_url("search.search")

    def link(chart: ChartView, bucket) -> str:
        return site_search + "?" + urlencode(search_query(params, **{chart.key: [bucket.value]}))

    stem = f"stats-{params.record_type}" + (f"-{key}" if key else "")
    if fmt == "csv":
        body, mimetype = chart_csv(charts[0], locale, link), CSV_MIMETYPE
    else:
        query = search_query(params)
        page_url = external_url("stats.dashboard") + ("?" + urlencode(query) if query else "")
        filters = [(name, label) for _, _, name, label in _filters(params)]
        body, mimetype = dashboard_xlsx(view, charts, locale, link, filters, page_url), XLSX_MIMETYPE
    response = Response(body, content_type=mimetype)
    response.headers["Content-Disposition"] = _attachment(f"{stem}.{fmt}", f"{stem}.{fmt}")
    response.headers["X-Total-Count"] = str(view.total)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    current_services.usage.count("export", f"stats-{fmt}", request.user_agent.string)
    return response


@bp.get("/vendor/echarts.min.js")
def echarts() -> Response:
    path = node_modules() / ECHARTS_FILE
    if not path.is_file():
        abort(404)
    # the URL carries the version (?v=), so a new version is a new URL
    return send_file(path, mimetype="text/javascript", max_age=365 * 24 * 3600)


# the exchanges between parties (/stats/exchanges), a tab of these pages counted from the store
from . import exchange_stats  # noqa: E402,F401
