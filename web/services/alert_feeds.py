"""Atom feeds of searches and subscriptions, and why an alert matched, in words.

* ``search_feed``: the newest published records a public search finds (``/search/feed.atom``);
  the view runs the search (sort "newest") and hands the hits over.
* ``subscription_feed``: a subscription's private feed (``/alerts/feeds/<token>.atom``), one
  entry per ``AlertMatch``, each saying why it matched (the highlighted words and the filters).
* ``why_parts``: an ``AlertMatch.why`` as the words and the filters' labels in one language
  (the inbox, the feed; the e-mails may use it too).

No request, no application: URLs come in as strings or callables (``selection_export.lists_feed``
works the same way), so the feeds can be made anywhere and tested alone."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

from feedgen.feed import FeedGenerator

from .. import search_options as opts
from .. import vocabularies
from ..models.alerts import AlertMatch, Subscription

ATOM_MIMETYPE = "application/atom+xml; charset=utf-8"
FEED_SIZE = 50
# XML 1.0 forbids these: a title pasted with one must not break the feed
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NO_DATE = datetime(2000, 1, 1, tzinfo=timezone.utc)  # an empty feed never looks changed to a reader polling it

TEXT = {
    "zh": {
        "site": "吉林省科技成果转化信息数据库", "all": "全部记录", "search_title": "最新发布：{what}",
        "search_subtitle": "符合此检索的最新发布记录（最多 {n} 条）", "sub_title": "我的订阅：{name}",
        "sub_subtitle": "符合订阅“{name}”的新记录及匹配原因", "words": "命中词：{words}", "filters": "筛选条件：{filters}",
        "sep": "、", "colon": "：", "yes": "是", "no": "否", "ipc": "{x} 部", "any_word": "任意一个词",
    },
    "en": {
        "site": "Jilin Technology Transfer Database", "all": "all records", "search_title": "Newly published: {what}",
        "search_subtitle": "The newest published records this search finds (at most {n})", "sub_title": "My alert: {name}",
        "sub_subtitle": "New records matching the alert “{name}”, and why they matched", "words": "Matched words: {words}",
        "filters": "Filters: {filters}", "sep": ", ", "colon": ": ", "yes": "yes", "no": "no", "ipc": "Section {x}",
        "any_word": "any word",
    },
}


def _locale(locale: str) -> str:
    return "en" if str(locale).lower().startswith("en") else "zh"


def _clean(text: Any) -> str:
    return _XML_ILLEGAL.sub("", str(text or ""))


def _utc(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, datetime):  # a date
        value = datetime(value.year, value.month, value.day)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


# -- why an alert matched ---------------------------------------------------------------------------

def facet_definition(record_type: str, key: str) -> opts.FacetDef | None:
    """The filter ``key`` of this record type (or, failing that, of any type)."""
    found = opts.facet(record_type, key) if record_type in opts.FACETS else None
    return found or next((f for defs in opts.FACETS.values() for f in defs if f.key == key), None)


def filter_name(record_type: str, key: str, locale: str) -> str:
    d = facet_definition(record_type, key)
    if d is None:
        return key
    return d.en if _locale(locale) == "en" else d.zh


def filter_value(record_type: str, key: str, value: Any, locale: str) -> str:
    """A filter's value as the search page labels it (``web.templating.facet_label``)."""
    locale, d = _locale(locale), facet_definition(record_type, key)
    t = TEXT[locale]
    if d is None:
        return str(value)
    if d.boolean and str(value).lower() in ("true", "false", "1", "0"):
        return t["yes"] if str(value).lower() in ("true", "1") else t["no"]
    if d.ranges:
        zh, en = opts.RANGE_LABELS.get(str(value), (str(value), str(value)))
        return en if locale == "en" else zh
    if d.vocabulary:
        return vocabularies.get(d.vocabulary).label(str(value), locale)
    if d.key == "ipc_section":
        return t["ipc"].format(x=value)
    return str(value)


def filter_labels(record_type: str, filters: dict[str, list[Any]] | None, locale: str) -> list[tuple[str, str, str, str]]:
    """(key, value, name, value label) for each selected filter value."""
    return [(key, str(v), filter_name(record_type, key, locale), filter_value(record_type, key, v, locale))
            for key, values in (filters or {}).items() for v in (values or [])]


def why_parts(match: AlertMatch, locale: str) -> dict[str, Any]:
    """``{"words": [...], "snippets": [(field, html)], "filters": [(name, label)]}`` of a match."""
    why = match.why or {}
    return {
        "words": [str(w) for w in why.get("words") or []],
        "snippets": [(field, html) for field, html in (why.get("snippets") or {}).items() if html],
        "filters": [(name, label) for _, _, name, label in filter_labels(match.record_type, why.get("filters"), locale)],
    }


def why_text(match: AlertMatch, locale: str) -> str:
    """Why it matched, in one line of plain text."""
    locale = _locale(locale)
    t, parts = TEXT[locale], why_parts(match, locale)
    lines = []
    if parts["words"]:
        lines.append(t["words"].format(words=t["sep"].join(parts["words"])))
    if parts["filters"]:
        lines.append(t["filters"].format(filters=t["sep"].join(f"{n}{t['colon']}{v}" for n, v in parts["filters"])))
    return "；".join(lines) if locale == "zh" else "; ".join(lines)


def search_summary(record_type: str, q: str, match: str, filters: dict[str, list[Any]] | None, locale: str) -> str:
    """A search in a few words: “电池” · 所在地市：长春市 …"""
    locale = _locale(locale)
    t = TEXT[locale]
    parts = [f"“{q}”" if q else t["all"]]
    if q and match == "any":
        parts.append(t["any_word"])
    if record_type and record_type != "all":
        parts.append(vocabularies.get("record_type").label(record_type, locale))
    parts += [f"{name}{t['colon']}{label}" for _, _, name, label in filter_labels(record_type, filters, locale)]
    return " · ".join(parts)


# -- feeds -------------------------------------------------------------------------------------------

def _feed(feed_id: str, title: str, subtitle: str, locale: str, site_url: str, feed_url: str, html_url: str) -> FeedGenerator:
    fg = FeedGenerator()
    fg.id(feed_id)
    fg.title(_clean(title))
    fg.subtitle(_clean(subtitle))
    fg.author({"name": TEXT[locale]["site"], "uri": site_url})
    fg.link(href=feed_url, rel="self", type="application/atom+xml")
    fg.link(href=html_url, rel="alternate", type="text/html")
    fg.language("en" if locale == "en" else "zh-CN")
    return fg


def _title(title: str | None, title_en: str | None, locale: str) -> str:
    return _clean((title_en or title) if locale == "en" else (title or title_en)) or "—"


def search_feed(hits: Iterable[dict[str, Any]], *, record_type: str, q: str, match: str, filters: dict[str, list[Any]], locale: str,
                site_url: str, feed_url: str, html_url: str, record_url: Callable[[str], str]) -> bytes:
    """The hits of a search (already sorted newest first) as an Atom feed. ``feed_url`` (the feed's
    own address, with the search in its query) is its id; each record's page is an entry's id."""
    locale = _locale(locale)
    t = TEXT[locale]
    what = search_summary(record_type, q, match, filters, locale)
    fg = _feed(feed_url, t["search_title"].format(what=what), t["search_subtitle"].format(n=FEED_SIZE), locale, site_url, feed_url,
               html_url)
    newest = _NO_DATE
    for hit in hits:
        src = hit.get("source") or {}
        url = record_url(hit["id"])
        published = _utc(src.get("published_at")) or _NO_DATE
        updated = max(published, _utc(src.get("updated_at")) or published)
        newest = max(newest, updated)
        fe = fg.add_entry(order="append")
        fe.id(url)
        fe.title(_title(hit.get("title"), hit.get("title_en"), locale))
        fe.link(href=url, rel="alternate", type="text/html")
        fe.published(published)
        fe.updated(updated)
        kind = hit.get("record_type")
        if kind:
            fe.category(term=kind, label=vocabularies.get("record_type").label(kind, locale))
        summary = _clean(hit.get("summary"))
        if summary:
            fe.summary(summary[:500] + ("…" if len(summary) > 500 else ""))
    fg.updated(newest)
    return fg.atom_str(pretty=True)


def subscription_feed(sub: Subscription, matches: Iterable[AlertMatch], *, site_url: str, feed_url: str, html_url: str,
                      inbox_url: str, record_url: Callable[[str], str]) -> bytes:
    """A subscription's matches (newest first) as its private Atom feed, in the subscription's
    language. An entry's id is the match in the owner's inbox (never the feed's secret address)."""
    locale = _locale(sub.lang)
    t = TEXT[locale]
    fg = _feed(f"{inbox_url}?subscription={sub.id}", t["sub_title"].format(name=sub.name), t["sub_subtitle"].format(name=sub.name),
               locale, site_url, feed_url, html_url)
    newest = _NO_DATE
    for m in matches:
        created = _utc(m.created_at) or _NO_DATE
        newest = max(newest, created)
        url = record_url(m.record_id)
        fe = fg.add_entry(order="append")
        fe.id(f"{inbox_url}#match-{m.id}")
        fe.title(_title(m.title, m.title_en, locale))
        fe.link(href=url, rel="alternate", type="text/html")
        fe.published(created)
        fe.updated(created)
        fe.category(term=m.record_type, label=vocabularies.get("record_type").label(m.record_type, locale))
        reason = why_text(m, locale)
        parts = why_parts(m, locale)
        if parts["snippets"]:
            # the engine's highlights: escaped text with only <mark> left (as the search page shows them)
            html = "".join(f"<p>{_clean(snippet)}</p>" for _, snippet in parts["snippets"])
            fe.content(_clean(f"<p>{_escape(reason)}</p>{html}") if reason else _clean(html), type="html")
        fe.summary(reason or _title(m.title, m.title_en, locale))
    fg.updated(newest)
    return fg.atom_str(pretty=True)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["ATOM_MIMETYPE", "FEED_SIZE", "search_feed", "subscription_feed", "why_parts", "why_text", "search_summary",
           "filter_labels", "filter_name", "filter_value"]
