"""Subscriptions and alerts (检索订阅与提醒): the pages.

Signed in: the inbox (``/alerts``: what the subscriptions found, read and unread), the list of
subscriptions (``/alerts/subscriptions``) with their actions, and the form that saves a search
(``/alerts/subscriptions/new?<the search page's arguments>``) or edits one.

No sign-in, the token is the credential: a subscription's private Atom feed
(``/alerts/feeds/<token>.atom``) and the unsubscribe link of its e-mails
(``/alerts/unsubscribe/<token>``: a page that confirms, and RFC 8058's one-click POST, which
``web.auth`` lets through without a session or a CSRF token).

The endpoint names (``alerts.inbox``, ``alerts.subscriptions``, ``alerts.unsubscribe``,
``alerts.feed``) are used by the e-mails and webhooks; keep them."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from ..forms.alerts import ActionForm, SubscriptionForm
from ..i18n import lang
from ..models import AlertMatch, Subscription
from ..proxies import current_services
from ..schemas.subscription import SUBSCRIBABLE_TYPES
from ..security import current_identity, require_signed_in
from ..services.accounts import identity_of
from ..services.alert_feeds import ATOM_MIMETYPE, FEED_SIZE, filter_labels, search_summary, subscription_feed, why_parts
from ..services.subscriptions import SubscriptionError
from ..urls import base_url, external_url
from .search import page_window, params_from_args
from .selection import say

bp = Blueprint("alerts", __name__, url_prefix="/alerts")
SUB_ID = "<int:sub_id>"  # 0 or beyond the id column: the service answers 404 (werkzeug answers 405 to a converter bound for another method)
PAGE_SIZE = 20
ONE_CLICK = "One-Click"  # RFC 8058: the body a mail client posts is List-Unsubscribe=One-Click


@bp.app_context_processor
def alert_helpers() -> dict[str, Any]:
    def unread_alerts() -> int:
        """The signed-in reader's unread alerts (the main menu shows the count)."""
        identity = current_identity()
        if not identity.is_authenticated:
            return 0
        try:
            return current_services.subscriptions.unread_count(identity)
        except Exception:  # noqa: BLE001 - a menu badge never breaks a page
            return 0

    def alert_why(match: AlertMatch) -> dict[str, Any]:
        return why_parts(match, lang())

    def subscription_summary(sub: Subscription) -> list[str]:
        """The subscription's search as chips: the words, "any word", the type, each filter."""
        chips = [f"“{sub.q}”"] if sub.q else [gettext("全部记录")]
        if sub.q and sub.match == "any":
            chips.append(gettext("匹配任意一个词"))
        if sub.record_type != "all":
            from ..templating import label

            chips.append(label("record_type", sub.record_type))
        chips += [f"{name}: {value}" for _, _, name, value in filter_labels(sub.record_type, sub.selections, lang())]
        return chips

    def subscription_search_url(sub: Subscription) -> str:
        return url_for("search.search") + "?" + urlencode(list(_pairs(sub.search_args())))

    return {"unread_alerts": unread_alerts, "alert_why": alert_why, "subscription_summary": subscription_summary,
            "subscription_search_url": subscription_search_url}


def _pairs(args: dict[str, Any]):
    for key, value in args.items():
        for v in value if isinstance(value, (list, tuple)) else [value]:
            yield key, v


def _own(identity, sub_id: int) -> Subscription:
    try:
        return current_services.subscriptions.get(identity, sub_id)
    except LookupError:
        abort(404)


def feed_url(sub: Subscription) -> str:
    return external_url("alerts.feed", token=sub.feed_token)


# -- the inbox ---------------------------------------------------------------------------------
def _inbox_args() -> tuple[int | None, bool, int]:
    try:
        subscription = int(request.args.get("subscription", "")) or None
    except ValueError:
        subscription = None
    unread = request.args.get("unread") in ("1", "true", "on")
    try:
        page = min(max(int(request.args.get("page", "1")), 1), 10_000)
    except ValueError:
        page = 1
    return subscription, unread, page


def inbox_url(**changes: Any) -> str:
    """The inbox with the reader's choices (subscription, unread only, page), some replaced."""
    subscription, unread, page = _inbox_args()
    args = {"subscription": subscription, "unread": "1" if unread else None, "page": page if page > 1 else None, **changes}
    query = [(k, str(v)) for k, v in args.items() if v not in (None, "", False)]
    return url_for("alerts.inbox") + ("?" + urlencode(query) if query else "")


@bp.get("")
def inbox():
    identity = require_signed_in()
    service = current_services.subscriptions
    subscription, unread, page = _inbox_args()
    subs = service.list(identity)
    if subscription is not None and subscription not in {s.id for s in subs}:
        subscription = None  # not one of the reader's: the whole inbox
    items, total = service.inbox(identity, subscription_id=subscription, unread_only=unread, page=page, size=PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template("alerts/inbox.html", items=items, total=total, page=page, pages=pages, window=page_window(min(page, pages), pages),
                           subscriptions=subs, names={s.id: s.name for s in subs}, subscription=subscription, unread=unread,
                           action=ActionForm(), inbox_url=inbox_url,
                           unread_total=service.unread_count(identity) if subscription is None else service.unread_counts(identity).get(subscription, 0))


def _back_to_inbox():
    target = request.form.get("next", "")
    if not target.startswith(url_for("alerts.inbox")) or "//" in target or "\\" in target:
        target = url_for("alerts.inbox")
    return redirect(target, code=303)


@bp.post("/read")
def mark_read():
    """Mark the items posted as ``id`` read (``read=1``) or unread (``read=0``)."""
    identity = require_signed_in()
    if not ActionForm().validate_on_submit():
        abort(400)
    ids = [int(i) for i in request.form.getlist("id") if i.isdigit() and len(i) < 11]
    read = request.form.get("read", "1") != "0"
    current_services.subscriptions.mark_read(identity, ids, read)
    return _back_to_inbox()


@bp.post("/read-all")
def mark_all_read():
    identity = require_signed_in()
    if not ActionForm().validate_on_submit():
        abort(400)
    subscription = request.form.get("subscription", "")
    sub_id = int(subscription) if subscription.isdigit() and len(subscription) < 11 else None
    n = current_services.subscriptions.mark_all_read(identity, sub_id)
    flash(gettext("已将 %(n)s 条提醒标为已读。", n=n), "ok")
    return _back_to_inbox()


# -- the subscriptions -----------------------------------------------------------------------------
def _list_page(status: int = 200, **context):
    identity = require_signed_in()
    service = current_services.subscriptions
    subs = service.list(identity)
    return render_template("alerts/subscriptions.html", subs=subs, unread=service.unread_counts(identity), action=ActionForm(),
                           feed_url=feed_url, **context), status


@bp.get("/subscriptions")
def subscriptions():
    return _list_page()


def _filter_choices(record_type: str, selections: dict[str, list[str]]) -> list[SelectChoice]:
    return [SelectChoice(f"{key}={value}", f"{name}: {label}") for key, value, name, label in filter_labels(record_type, selections, lang())]


def _search_from_args() -> dict[str, Any]:
    """The search of the URL (the search page's arguments), as the form starts from it."""
    params, _ = params_from_args(MultiDict([(k, v) for k, v in request.args.items(multi=True) if k not in ("lang", "page", "cursor")]))
    record_type = params.record_type if params.record_type in SUBSCRIBABLE_TYPES else "all"
    return {"type": record_type, "q": params.q, "match": params.match, "filters": params.selections if record_type == params.record_type else {}}


def _default_name(search: dict[str, Any]) -> str:
    """A name from the search words, else from the filters, else "my search"."""
    text = search_summary(search["type"], search["q"], search["match"], search["filters"], lang())
    return text[:100] if (search["q"] or search["filters"] or search["type"] != "all") else gettext("我的检索订阅")


def _show_errors(form: SubscriptionForm, exc: SubscriptionError) -> None:
    fields = {"name": form.name, "q": form.q, "type": form.type, "match": form.match_any, "filters": form.filters,
              "frequency": form.frequency, "lang": form.lang, "email": form.email, "webhook_url": form.webhook_url, "feed": form.feed}
    shown = False
    for key, messages in (exc.messages or {}).items():
        target = fields.get(key)
        texts = _texts(messages)
        if target is not None and texts:
            target.errors = [*list(target.errors or []), *[say(Exception(t)) for t in texts]]
            shown = True
    if not shown:
        form.form_errors.append(say(exc))


def _texts(messages: Any) -> list[str]:
    if isinstance(messages, str):
        return [messages]
    if isinstance(messages, dict):
        return [t for v in messages.values() for t in _texts(v)]
    if isinstance(messages, (list, tuple)):
        return [t for v in messages for t in _texts(v)]
    return [str(messages)]


@bp.route("/subscriptions/new", methods=["GET", "POST"])
def new_subscription():
    identity = require_signed_in()
    search = _search_from_args()
    form = SubscriptionForm(data=None if request.method == "POST" else {
        "name": _default_name(search), "q": search["q"], "type": search["type"], "match_any": search["match"] == "any",
        "filters": [f"{k}={v}" for k, vs in search["filters"].items() for v in vs], "lang": lang(),
    })
    form.filters.choices = _filter_choices(search["type"], search["filters"])
    if form.validate_on_submit():
        try:
            sub = current_services.subscriptions.create(identity, form.data_for_service())
        except SubscriptionError as exc:
            _show_errors(form, exc)
        else:
            flash(gettext("已保存订阅“%(name)s”。", name=sub.name), "ok")
            if sub.webhook_url:  # its secret, this once: shown in this answer, never put in a redirect
                return _list_page(201, new_secret=sub)
            return redirect(url_for("alerts.subscriptions"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("alerts/form.html", form=form, sub=None, search=search,
                           search_url=url_for("search.search") + ("?" + urlencode(_search_query()) if _search_query() else "")), status


def _search_query() -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.args.items(multi=True) if k not in ("lang", "page", "cursor")]


@bp.route(f"/subscriptions/{SUB_ID}/edit", methods=["GET", "POST"])
def edit_subscription(sub_id: int):
    identity = require_signed_in()
    sub = _own(identity, sub_id)
    form = SubscriptionForm(data=None if request.method == "POST" else {
        "name": sub.name, "q": sub.q, "type": sub.record_type, "match_any": sub.match == "any",
        "filters": [f"{k}={v}" for k, vs in (sub.selections or {}).items() for v in vs], "frequency": sub.frequency, "lang": sub.lang,
        "email": sub.email_enabled, "webhook_url": sub.webhook_url or "", "feed": sub.feed_enabled,
    })
    form.filters.choices = _filter_choices(sub.record_type, sub.selections or {})
    if form.validate_on_submit():
        had_webhook = bool(sub.webhook_url)
        try:
            sub = current_services.subscriptions.update(identity, sub_id, form.data_for_service())
        except SubscriptionError as exc:
            _show_errors(form, exc)
        else:
            flash(gettext("已保存订阅“%(name)s”。", name=sub.name), "ok")
            if sub.webhook_url and not had_webhook:
                return _list_page(200, new_secret=sub)
            return redirect(url_for("alerts.subscriptions"), code=303)
    search = {"type": sub.record_type, "q": sub.q, "match": sub.match, "filters": sub.selections or {}}
    return render_template("alerts/form.html", form=form, sub=sub, search=search,
                           search_url=url_for("search.search") + "?" + urlencode(list(_pairs(sub.search_args())))), \
        422 if request.method == "POST" else 200


def _action(sub_id: int):
    identity = require_signed_in()
    if not ActionForm().validate_on_submit():
        abort(400)
    return identity, _own(identity, sub_id)


@bp.post(f"/subscriptions/{SUB_ID}/pause")
def pause(sub_id: int):
    identity, sub = _action(sub_id)
    paused = request.form.get("paused", "1") != "0"
    current_services.subscriptions.set_paused(identity, sub.id, paused)
    flash(gettext("已暂停订阅“%(name)s”。", name=sub.name) if paused else gettext("已恢复订阅“%(name)s”。", name=sub.name), "ok")
    return redirect(url_for("alerts.subscriptions") + f"#sub-{sub.id}", code=303)


@bp.post(f"/subscriptions/{SUB_ID}/delete")
def delete(sub_id: int):
    identity, sub = _action(sub_id)
    name = sub.name
    current_services.subscriptions.delete(identity, sub.id)
    flash(gettext("已删除订阅“%(name)s”。", name=name), "ok")
    return redirect(url_for("alerts.subscriptions"), code=303)


@bp.post(f"/subscriptions/{SUB_ID}/feed-token")
def reset_feed(sub_id: int):
    identity, sub = _action(sub_id)
    current_services.subscriptions.reset_feed_token(identity, sub.id)
    flash(gettext("已更换“%(name)s”的私有订阅源地址，旧地址已失效。", name=sub.name), "ok")
    return redirect(url_for("alerts.subscriptions") + f"#sub-{sub.id}", code=303)


@bp.post(f"/subscriptions/{SUB_ID}/webhook-secret")
def rotate_secret(sub_id: int):
    identity, sub = _action(sub_id)
    if not sub.webhook_url:
        flash(gettext("此订阅没有 Webhook。"), "error")
        return redirect(url_for("alerts.subscriptions") + f"#sub-{sub.id}", code=303)
    sub = current_services.subscriptions.rotate_webhook_secret(identity, sub.id)
    return _list_page(200, new_secret=sub)


# -- capability links: no sign-in -------------------------------------------------------------------
@bp.get("/feeds/<token>.atom")
def feed(token: str):
    service = current_services.subscriptions
    sub = service.by_feed_token(token)
    if sub is None:
        abort(404)
    matches, _ = service.inbox(identity_of(sub.user), subscription_id=sub.id, size=FEED_SIZE)
    body = subscription_feed(sub, matches, site_url=base_url(), feed_url=feed_url(sub), html_url=external_url("alerts.inbox"),
                             inbox_url=external_url("alerts.inbox"),
                             record_url=lambda public_id: external_url("records.record", public_id=public_id))
    response = Response(body, content_type=ATOM_MIMETYPE)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """GET: what the link will stop, and a button. POST: stop it; a mail client's RFC 8058
    one-click POST (``List-Unsubscribe=One-Click``) gets an empty 200."""
    service = current_services.subscriptions
    if request.method == "GET":
        sub = service.from_unsubscribe_token(token)
        if sub is None:
            abort(404)
        return render_template("alerts/unsubscribe.html", sub=sub, token=token, done=False)
    one_click = request.form.get("List-Unsubscribe") == ONE_CLICK
    sub = service.unsubscribe(token)
    if sub is None:
        abort(404)
    if one_click:
        return Response("", status=200, content_type="text/plain; charset=utf-8")
    return render_template("alerts/unsubscribe.html", sub=sub, token=token, done=True)


__all__ = ["bp", "feed_url"]
