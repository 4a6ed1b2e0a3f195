"""Template helpers: labels in the reader's language, and URLs that carry the search state."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask, g, request, url_for
from flask_babel import gettext
from markupsafe import Markup
from werkzeug.routing import BuildError

from . import vocabularies
from .auth import current_identity
from .i18n import day, lang, money, number
from .search_options import RANGE_LABELS, FacetDef

STATE_KEYS_DROPPED_ON_CHANGE = ("page", "cursor")


def label(vocabulary: str, code: Any) -> str:
    if code is None or code == "":
        return ""
    return vocabularies.get(vocabulary).label(str(code), lang())


def facet_label(definition: FacetDef, key: Any) -> str:
    if definition.boolean and isinstance(key, str) and key.lower() in ("true", "false"):
        key = key.lower() == "true"  # a selection read from the URL
    if isinstance(key, bool):
        return gettext("是") if key else gettext("否")
    if definition.ranges:
        zh, en = RANGE_LABELS.get(str(key), (str(key), str(key)))
        return zh if lang() == "zh" else en
    if definition.vocabulary:
        return label(definition.vocabulary, key)
    if definition.key == "ipc_section":
        return gettext("%(section)s 部", section=key)
    return str(key)


def facet_name(definition: FacetDef) -> str:
    return definition.zh if lang() == "zh" else definition.en


def _args() -> list[tuple[str, str]]:
    """The search state links are built from: the view's cleaned arguments when it set them
    (``g.search_args``: parameters it refused are not carried into every link), else the URL's."""
    args = getattr(g, "search_args", None)
    if args is None:
        args = request.args
    return [(k, v) for k, vs in args.lists() for v in vs]


def search_url(**changes: Any) -> str:
    """The current search URL with some parameters replaced (None removes them). Changing
    anything but the page starts again at page 1. ``lang`` stays out (a cookie keeps it)."""
    args = [(k, v) for k, v in _args() if k not in changes and k not in STATE_KEYS_DROPPED_ON_CHANGE and k != "lang"]
    if "page" in changes or "cursor" in changes:
        args = [(k, v) for k, v in _args() if k not in changes and k != "lang"]
    for k, v in changes.items():
        if v is None:
            continue
        for item in v if isinstance(v, (list, tuple)) else [v]:
            args.append((k, str(item)))
    if ("page", "1") in args:
        args.remove(("page", "1"))
    return url_for("search.search") + ("?" + urlencode(args) if args else "")


def search_state() -> list[tuple[str, str]]:
    """The current search as (name, value) pairs, for a form that sends it again (the chips):
    no page or cursor (a changed search starts at page 1), no language (a cookie keeps it)."""
    return [(k, v) for k, v in _args() if k not in (*STATE_KEYS_DROPPED_ON_CHANGE, "lang", "remove")]


def toggle_url(key: str, value: Any) -> str:
    value = "true" if value is True else "false" if value is False else str(value)
    current = [v for k, v in _args() if k == key]
    new = [v for v in current if v != value] if value in current else current + [value]
    return search_url(**{key: new or None})


def switch_language_url(target: str) -> str:
    """This page in another language. The path comes from the matched route, never from the
    raw request path (``/%5Cevil.example/`` would make ``/\\evil.example/``, which browsers
    read as another site); a page no route matched (404) gets a query-only link."""
    args = [(k, v) for k, v in _args() if k != "lang"] + [("lang", target)]
    query = "?" + urlencode(args)
    if request.url_rule is None or request.endpoint is None:
        return query
    try:
        return url_for(request.endpoint, **(request.view_args or {})) + query
    except BuildError:  # a route that cannot be rebuilt: stay on this page
        return query


def record_url(public_id: str) -> str:
    return url_for("records.record", public_id=public_id)


def field_value(value: Any, names: dict[str, str] | None = None) -> str:
    """A stored field's value in a list of changes: lists joined, objects as key: value, 是/否,
    codes by their names (``names``: code -> name, for the fields that store codes)."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if isinstance(value, (list, tuple)):
        return "；".join(field_value(v, names) for v in value)
    if isinstance(value, dict):
        return "，".join(f"{k}: {field_value(v)}" for k, v in value.items() if v not in (None, "", [], {}))
    return (names or {}).get(str(value), str(value))


def safe_snippet(html: str) -> Markup:
    """Highlights come back HTML-escaped by the engine with only <mark> left; trust that."""
    return Markup(html)


def register_template_helpers(app: Flask) -> None:
    def has_endpoint(endpoint: str) -> bool:
        """Whether the app serves ``endpoint`` (tabs and menus list only the features it has)."""
        return endpoint in app.view_functions

    app.jinja_env.globals.update(
        has_endpoint=has_endpoint,
        label=label, facet_label=facet_label, facet_name=facet_name, search_url=search_url, toggle_url=toggle_url, search_state=search_state,
        switch_language_url=switch_language_url, record_url=record_url, lang=lang, current_identity=current_identity,
    )
    app.jinja_env.filters.update(money=money, snippet=safe_snippet, number=number, day=day, field_value=field_value)
