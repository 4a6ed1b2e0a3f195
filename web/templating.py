"""Template helpers: vocabulary labels and search-state URLs."""
from __future__ import annotations

from typing import Any

from flask import Flask, request, url_for
from jinja2 import Undefined
from markupsafe import Markup, escape

from . import vocabularies
from .services.search_options import RANGE_LABELS, FacetDef


def label(vocabulary: str, code: Any, locale: str = "zh") -> str:
    if code is None:
        return ""
    return vocabularies.get(vocabulary).label(str(code), locale)


def facet_label(definition: FacetDef, key: Any, locale: str = "zh") -> str:
    if isinstance(key, bool):
        return ("是" if key else "否") if locale == "zh" else ("yes" if key else "no")
    if definition.ranges:
        zh, en = RANGE_LABELS.get(str(key), (str(key), str(key)))
        return zh if locale == "zh" else en
    if definition.vocabulary:
        return label(definition.vocabulary, key, locale)
    if definition.key.startswith("ipc_section"):
        return f"{key} 部"
    return str(key)


def _args() -> list[tuple[str, str]]:
    return [(k, v) for k, vs in request.args.lists() for v in vs]


def search_url(**changes: Any) -> str:
    """The current search URL with some parameters replaced (None removes them). Changing
    anything but the page starts again at page 1."""
    args = [(k, v) for k, v in _args() if k not in changes and k not in ("cursor",)]
    if "page" not in changes:
        args = [(k, v) for k, v in args if k != "page"]
    for k, v in changes.items():
        if v is None:
            continue
        for item in v if isinstance(v, (list, tuple)) else [v]:
            args.append((k, str(item)))
    return url_for("search.search") + ("?" + "&".join(f"{escape_q(k)}={escape_q(v)}" for k, v in args) if args else "")


def toggle_url(key: str, value: Any) -> str:
    value = "true" if value is True else "false" if value is False else str(value)
    current = request.args.getlist(key)
    new = [v for v in current if v != value] if value in current else current + [value]
    return search_url(**{key: new or None})


def escape_q(value: str) -> str:
    from urllib.parse import quote

    return quote(str(value), safe="")


def money(amount: float | None) -> str:
    if amount is None or isinstance(amount, Undefined):
        return "面议"
    if amount >= 10_000:
        return f"{amount / 10_000:,.0f}万元" if amount % 10_000 == 0 else f"{amount / 10_000:,.1f}万元"
    return f"{amount:,.0f}元"


def safe_snippet(html: str) -> Markup:
    """Highlights come back HTML-escaped with only <mark> left; trust exactly that."""
    return Markup(html)


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals.update(label=label, facet_label=facet_label, search_url=search_url, toggle_url=toggle_url)
    app.jinja_env.filters.update(money=money, snippet=safe_snippet)
    app.jinja_env.filters["e_"] = escape
