"""The search page: one box across achievements, patents and instruments. The URL carries the
whole search state, so any search can be bookmarked and shared."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from indexer import QueryError

from ..proxies import current_services
from ..schemas.search_args import FACET_KEYS, MAX_FILTER_VALUES, MAX_VALUES_PER_FILTER, SearchArgsSchema, too_many_values
from ..search_options import FACETS, RECORD_TYPES
from ..i18n import lang
from ..security import current_identity
from ..services.search import SearchParams
from ..urls import base_url, external_url

bp = Blueprint("search", __name__)
ARGS = SearchArgsSchema()


def params_from_args(args) -> tuple[SearchParams, bool]:
    """Search parameters from the URL, and whether filters were dropped for being too many.

    A malformed value falls back to its default (a page should never answer a hand-edited URL
    with an error page). Too many filter values are not a typo: every filter is dropped and the
    page says why (the API answers 422)."""
    try:
        return SearchParams(**ARGS.load(args)), False
    except ValidationError as err:
        capped = too_many_values(err.messages)
        dropped = set(err.messages) | (set(FACET_KEYS) if capped else set())
        cleaned = [(k, v) for k, v in args.items(multi=True) if k not in dropped]
        return SearchParams(**ARGS.load(MultiDict(cleaned))), capped


def page_window(page: int, pages: int, width: int = 2) -> list[int | None]:
    """1 … 4 5 [6] 7 8 … 20: page numbers around the current one (None = a gap)."""
    shown = sorted({1, pages, *range(max(1, page - width), min(pages, page + width) + 1)})
    out: list[int | None] = []
    for n in shown:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


def without_removed(args: MultiDict) -> str:
    """The search URL after a chip's button asked to ``remove`` one condition ("city=changchun",
    or "match" for any-word matching), back at page 1. Always a URL of this site's search page."""
    pairs = [(k, v) for k, v in args.items(multi=True) if k not in ("remove", "page", "cursor")]
    for item in args.getlist("remove"):
        key, sep, value = item.partition("=")
        target = next((i for i, (k, v) in enumerate(pairs) if k == key and (not sep or v == value)), None)
        if target is not None:
            del pairs[target]
    return url_for("search.search") + (f"?{urlencode(pairs)}" if pairs else "")


@bp.get("/")
@bp.get("/search")
def search():
    if "remove" in request.args:  # a chip's button: the search without that condition, at its own URL
        return redirect(without_removed(request.args), 303)
    identity = current_identity()
    params, capped = params_from_args(request.args)
    service = current_services.search
    error = None
    if capped:
        error = gettext("筛选值过多：每个筛选条件最多 %(per)s 个，合计最多 %(total)s 个。已去掉全部筛选条件，请减少后重试。",
                        per=MAX_VALUES_PER_FILTER, total=MAX_FILTER_VALUES)
    try:
        view = service.search(identity, params)
    except QueryError as exc:
        error = str(exc)
        params = SearchParams(record_type=params.record_type, q=params.q)
        view = service.search(identity, SearchParams(record_type=params.record_type, size=params.size, page=1))
        view.hits, view.total = [], 0
    alternatives = service.alternatives(identity, params) if not view.total and error is None and (params.q or params.selections) else None
    facet_defs = {f.key: f for f in FACETS[params.record_type]}
    selected = [(key, facet_defs[key], value) for key, values in params.selections.items() if key in facet_defs for value in values]
    if capped:  # links on the page carry the search without the refused filters
        g.search_args = MultiDict([(k, v) for k, v in request.args.items(multi=True) if k not in FACET_KEYS])
    query = [(k, v) for k, vs in request.args.lists() for v in vs if k not in ("page", "cursor", "lang") and not (capped and k in FACET_KEYS)]
    # the same search as a subscription (sort means nothing there) and as a public feed (always newest first)
    alert_query = urlencode([(k, v) for k, v in query if k not in ("sort", "size")])
    if error is None:
        current_services.usage.search(params.q, view.total, params.page, request.user_agent.string, view.hits)
    # the home page (no query, no filter) features the latest annual list
    home = not params.q and not params.selections and params.page == 1 and params.record_type == "all" and error is None
    featured = current_services.selection.latest() if home else None
    return render_template(
        "search.html", view=view, featured=featured, params=params, record_types=RECORD_TYPES, selected=selected, facet_defs=facet_defs,
        clear_facets={k: None for k in params.selections}, alternatives=alternatives, error=error,
        page_window=page_window(params.page, view.pages),
        export_url=lambda fmt: f"/search/export.{fmt}" + (f"?{urlencode(query)}" if query else ""),
        subscribe_url=url_for("alerts.new_subscription") + (f"?{alert_query}" if alert_query else ""),
        feed_url=url_for("search.feed") + (f"?{alert_query}" if alert_query else ""),
        # the same search drawn as charts (paging and sort mean nothing there)
        stats_url=url_for("stats.dashboard") + ("?" + urlencode(stats_query) if (stats_query := [(k, v) for k, v in query if k != "sort"]) else ""),
    ), 422 if capped else 200


@bp.get("/search/feed.atom")
def feed():
    """The newest published records this search finds, as an Atom feed (anyone; the search page
    links to it). Run through the search service like the page, always sorted newest first."""
    from ..services.alert_feeds import ATOM_MIMETYPE, FEED_SIZE, search_feed

    params, _ = params_from_args(request.args)
    if params.record_type == "institution":  # institutions are not published as news: no such feed
        abort(404)
    params = SearchParams(record_type=params.record_type, q=params.q, selections=params.selections, match=params.match,
                          sort="newest", page=1, size=FEED_SIZE, highlight=False)
    view = current_services.search.search(current_identity(), params)
    query = [(k, v) for k, v in request.args.items(multi=True) if k not in ("page", "cursor", "lang", "sort", "size")]
    suffix = f"?{urlencode(query)}" if query else ""
    body = search_feed(view.hits, record_type=params.record_type, q=params.q, match=params.match, filters=params.selections, locale=lang(),
                       site_url=base_url(), feed_url=external_url("search.feed") + suffix, html_url=external_url("search.search") + suffix,
                       record_url=lambda public_id: external_url("records.record", public_id=public_id))
    return Response(body, content_type=ATOM_MIMETYPE)
