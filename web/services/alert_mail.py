"""The e-mail of an alert: one subscription's matches, in the subscription's language.

Each item says what it is, where it is and why it matched (the highlighted words, the passages
and the filters with their labels); a digest lists its items by record type. The headers make
it well-behaved bulk mail: ``List-Unsubscribe`` with RFC 8058 one-click
(``List-Unsubscribe-Post``), ``List-Id`` per subscription, ``Auto-Submitted``, and a
``Message-ID`` fixed per delivery, so a message sent again after a crash is recognisably the same.
Needs an app context (templates, translations), no request."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate

from flask import render_template
from flask_babel import force_locale, gettext
from markupsafe import Markup, escape

from .. import vocabularies
from ..models import AlertDelivery, AlertMatch, Subscription
from .alert_feeds import filter_labels
from .alert_links import AlertLinks

TYPE_ORDER = ("achievement", "patent", "instrument", "institution")
MARK = re.compile(r"&lt;(/?)mark&gt;")
TAG = re.compile(r"<[^>]+>")


# -- describing a search and why a record matched ------------------------------------------------
def describe_filters(record_type: str, filters: dict[str, Iterable[str]], lang: str) -> list[tuple[str, str]]:
    """[("所在地市", "长春市、吉林市"), …]: each filter and its values, labelled as the search page
    labels them (the feeds' labels: ``alert_feeds.filter_labels``)."""
    sep = ", " if lang == "en" else "、"
    rows: dict[str, list[str]] = {}
    listed = {k: [v] if isinstance(v, str) else list(v) for k, v in sorted((filters or {}).items())}
    for _key, _value, name, label in filter_labels(record_type, listed, lang):
        rows.setdefault(name, []).append(label)
    return [(name, sep.join(labels)) for name, labels in rows.items()]


def type_label(record_type: str, lang: str) -> str:
    return vocabularies.get("record_type").label(record_type, lang)


def safe_snippet(html: str) -> Markup:
    """A highlighted passage for the HTML part: everything escaped but the <mark> tags."""
    return Markup(MARK.sub(r"<\1mark>", str(escape(html))))


def text_snippet(html: str) -> str:
    """The same passage for the text part: [marked] words, no tags."""
    return TAG.sub("", html.replace("<mark>", "[").replace("</mark>", "]"))


@dataclass
class MailItem:
    title: str
    url: str
    record_type: str
    type_label: str
    words: list[str]
    filters: list[tuple[str, str]]
    snippets: list[tuple[str, str]]  # (field, html passage)

    @property
    def html_snippets(self) -> list[Markup]:
        return [safe_snippet(s) for _, s in self.snippets]

    @property
    def text_snippets(self) -> list[str]:
        return [text_snippet(s) for _, s in self.snippets]


@dataclass
class MailGroup:
    record_type: str
    label: str
    items: list[MailItem] = field(default_factory=list)


def item_of(match: AlertMatch, sub: Subscription, lang: str, links: AlertLinks) -> MailItem:
    why = match.why or {}
    title = (match.title_en or match.title) if lang == "en" else (match.title or match.title_en or "")
    snippets = [(k, str(v)) for k, v in (why.get("snippets") or {}).items() if v][:2]
    return MailItem(title or match.record_id, links.record(match.record_id, lang), match.record_type,
                    type_label(match.record_type, lang), [str(w) for w in why.get("words") or []],
                    describe_filters(sub.record_type, why.get("filters") or {}, lang), snippets)


def grouped(matches: Iterable[AlertMatch], sub: Subscription, lang: str, links: AlertLinks) -> list[MailGroup]:
    """The items by record type, in the site's order of types, oldest match first within one."""
    groups: dict[str, MailGroup] = {}
    for m in sorted(matches, key=lambda m: m.id):
        group = groups.setdefault(m.record_type, MailGroup(m.record_type, type_label(m.record_type, lang)))
        group.items.append(item_of(m, sub, lang, links))
    rank = {t: i for i, t in enumerate(TYPE_ORDER)}
    return sorted(groups.values(), key=lambda g: rank.get(g.record_type, len(rank)))


# -- the messages ---------------------------------------------------------------------------------
class AlertMail:
    def __init__(self, links: AlertLinks, sender: str, unsubscribe_token: Callable[[Subscription], str]):
        self.links = links
        self.sender = sender
        self.unsubscribe_token = unsubscribe_token

    def message_id(self, delivery_id: int) -> str:
        return f"<alert-delivery-{delivery_id}@{self.links.domain}>"

    def _lang(self, sub: Subscription) -> str:
        return "en" if sub.lang == "en" else "zh"

    def _subject(self, kind: str, name: str, count: int) -> str:
        if kind == "daily":
            return gettext("【每日摘要】%(name)s：%(count)s 条新结果", name=name, count=count)
        if kind == "weekly":
            return gettext("【每周摘要】%(name)s：%(count)s 条新结果", name=name, count=count)
        return gettext("【订阅提醒】%(name)s：%(count)s 条新结果", name=name, count=count)

    def _intro(self, kind: str, name: str, count: int) -> str:
        if kind == "daily":
            return gettext("每日摘要：您订阅的检索“%(name)s”有 %(count)s 条新结果。", name=name, count=count)
        if kind == "weekly":
            return gettext("每周摘要：您订阅的检索“%(name)s”有 %(count)s 条新结果。", name=name, count=count)
        return gettext("您订阅的检索“%(name)s”有 %(count)s 条新结果。", name=name, count=count)

    def search_summary(self, sub: Subscription, lang: str) -> list[tuple[str, str]]:
        """The subscription's own search, described for the reader (inside ``force_locale``)."""
        rows = []
        if sub.record_type and sub.record_type != "all":
            rows.append((gettext("类型"), type_label(sub.record_type, lang)))
        if sub.q:
            rows.append((gettext("检索词"), sub.q))
        return rows + describe_filters(sub.record_type, sub.selections or {}, lang)

    def alert(self, delivery: AlertDelivery, sub: Subscription, matches: list[AlertMatch], to: str) -> EmailMessage:
        """The message of one delivery: subject and both parts in the subscription's language."""
        lang = self._lang(sub)
        token = self.unsubscribe_token(sub)
        unsubscribe = self.links.url("alerts.unsubscribe", token=token)
        with force_locale(lang):
            context = {
                "sub": sub, "kind": delivery.kind, "intro": self._intro(delivery.kind, sub.name, len(matches)), "groups": grouped(matches, sub, lang, self.links), "count": len(matches),
                "search": self.search_summary(sub, lang), "unsubscribe_url": unsubscribe, "lang": lang,
                "inbox_url": self.links.url("alerts.inbox", lang="en" if lang == "en" else None),
                "manage_url": self.links.url("alerts.subscriptions", lang="en" if lang == "en" else None),
            }
            subject = self._subject(delivery.kind, sub.name, len(matches))
            text = render_template("alerts/mail_alert.txt", **context)
            html = render_template("alerts/mail_alert.html", subject=subject, **context)
        msg = self._message(to, subject, text)
        msg.add_alternative(html, subtype="html")
        msg["Message-ID"] = self.message_id(delivery.id)
        msg["List-Id"] = f"{sub.name} <alerts-{sub.id}.{self.links.domain}>"
        msg["List-Unsubscribe"] = f"<{unsubscribe}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        msg["X-TT-Delivery"] = str(delivery.id)
        return msg

    def webhook_disabled(self, sub: Subscription, to: str, error: str, failures: int) -> EmailMessage:
        """The owner's notice that a webhook was switched off, and why."""
        lang = self._lang(sub)
        with force_locale(lang):
            subject = gettext("【订阅提醒】Webhook 已停用：%(name)s", name=sub.name)
            text = render_template("alerts/mail_webhook_disabled.txt", sub=sub, error=error, failures=failures,
                                   manage_url=self.links.url("alerts.subscriptions", lang="en" if lang == "en" else None))
        msg = self._message(to, subject, text)
        msg["Message-ID"] = f"<webhook-disabled-{sub.id}-{int(sub.webhook_disabled_at.timestamp()) if sub.webhook_disabled_at else 0}@{self.links.domain}>"
        return msg

    def _message(self, to: str, subject: str, text: str) -> EmailMessage:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, to, subject
        msg["Date"] = formatdate(localtime=False)
        msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to this
        msg.set_content(text)
        return msg
