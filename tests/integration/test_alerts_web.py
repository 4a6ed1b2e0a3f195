"""Subscriptions and alerts on the site and over the API: saving a search from the search page,
editing, pausing and deleting it, the inbox and its read marks, the private and the public Atom
feeds (read back with feedparser), and the one-click unsubscribe link of the e-mails (no sign-in).
Someone else's subscription is 404 everywhere; a cookie post without its CSRF token changes nothing.

Alerts (``AlertMatch`` rows) are made directly here: matching records to subscriptions is tested
with the matcher (tests/integration/test_alerts*.py), this file is about the pages."""
from __future__ import annotations

import re
import time
from urllib.parse import parse_qsl, urlencode, urlsplit

import feedparser
import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from tests.apps import PASSWORD, add_user, close_app, csrf_token_of, email_of, make_app, signed_in
from web.extensions import db
from web.models import Achievement, AlertMatch, Subscription, User
from web.proxies import current_search, current_services
from web.services.accounts import identity_of
from web.services.identity import system_identity

pytestmark = pytest.mark.integration
DEMO = ["demo", "load", "--achievements", "60", "--patents", "20", "--instruments", "10"]
PUBLIC_HOOK = "https://1.1.1.1/alerts-hook"  # a public address literal: no DNS needed


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("alerts-web"), *DEMO, ALERTS_MATCHING="off")
    yield app
    close_app(app)


def token_client(app, role: str = "investor") -> tuple[dict[str, str], int]:
    user_id = add_user(app, role)
    with app.app_context():
        secret = current_services.accounts.create_token(db.session.get(User, user_id), "tests").secret
        db.session.commit()
    return {"Authorization": f"Bearer {secret}"}, user_id


def form_of(html: str, **changes) -> MultiDict:
    """The subscription form's fields as the browser would post them (checked boxes and radios only)."""
    form = html[html.index("data-subscription-form"):]
    form = form[:form.index("</form>")]
    pairs: list[tuple[str, str]] = []
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if not name:
            continue
        if kind and kind.group(1) in ("checkbox", "radio") and "checked" not in tag:
            continue
        pairs.append((name.group(1), value.group(1) if value else ""))
    for select_ in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', select_[1])
        pairs.append((select_[0], (chosen.group(1) or chosen.group(2)) if chosen else ""))
    out = [(k, v) for k, v in pairs if k not in changes]
    for k, v in changes.items():
        for item in v if isinstance(v, list) else [v]:
            if item is not None:
                out.append((k, item))
    return MultiDict([(k, v.replace("&amp;", "&").replace("&#34;", '"').replace("&quot;", '"')) for k, v in out])


def subscription_of(app, user_id: int) -> list[Subscription]:
    with app.app_context():
        subs = db.session.scalars(select(Subscription).where(Subscription.user_id == user_id).order_by(Subscription.id)).all()
        db.session.expunge_all()
        return subs


def add_match(app, sub_id: int, record_id: str | None = None, words=("玉米",), filters=None, read: bool = False) -> int:
    """An alert of a published achievement for this subscription."""
    from web.models.common import utcnow

    with app.app_context():
        sub = db.session.get(Subscription, sub_id)
        taken = set(db.session.scalars(select(AlertMatch.record_id).where(AlertMatch.subscription_id == sub_id)))
        rec = db.session.scalars(select(Achievement).where(Achievement.status == "published").order_by(Achievement.id)).all()
        rec = next(r for r in rec if record_id in (None, r.public_id) and r.public_id not in taken)
        m = AlertMatch(subscription_id=sub.id, user_id=sub.user_id, record_id=rec.public_id, record_type="achievement", title=rec.title,
                       title_en=rec.title_en, why={"words": list(words), "snippets": {"title": f"<mark>{words[0]}</mark>测试摘录"},
                                                   "filters": filters or {"city": ["changchun"]}},
                       read_at=utcnow() if read else None)
        db.session.add(m)
        db.session.commit()
        return m.id


def make_subscription(app, user_id: int, **data) -> Subscription:
    with app.app_context():
        identity = identity_of(db.session.get(User, user_id))
        sub = current_services.subscriptions.create(identity, {"name": "测试订阅", "q": "玉米", "filters": {"city": ["changchun"]},
                                                               "frequency": "daily", **data})
        db.session.expunge(sub)
        return sub


# -- the search page --------------------------------------------------------------------------------
def test_the_search_page_offers_its_search_as_a_subscription_and_a_feed(site):
    client = site.test_client()
    html = client.get("/search?q=玉米&city=changchun&sort=newest&page=2").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" class="subscribe-link"', html).group(1).replace("&amp;", "&")
    assert urlsplit(link).path == "/alerts/subscriptions/new"
    assert sorted(parse_qsl(urlsplit(link).query)) == [("city", "changchun"), ("q", "玉米")]  # no page, no sort
    alternate = re.search(r'<link rel="alternate" type="application/atom\+xml" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert urlsplit(alternate).path == "/search/feed.atom" and sorted(parse_qsl(urlsplit(alternate).query)) == [("city", "changchun"), ("q", "玉米")]
    assert 'class="feed-link"' in html
    # a visitor is sent to sign in, and back to the form with the search
    answer = client.get(link)
    assert answer.status_code == 302 and "/account/login" in answer.headers["Location"]
    back = dict(parse_qsl(urlsplit(answer.headers["Location"]).query))["next"]
    assert back.startswith("/alerts/subscriptions/new?")
    with site.app_context():
        user_id = add_user(site, "investor")
        email = email_of(site, user_id)
    signed = client.post("/account/login?" + urlencode({"next": back}),
                         data={"email": email, "password": PASSWORD, "csrf_token": csrf_token_of(client)})
    assert signed.status_code == 303 and signed.headers["Location"] == back
    assert "所在地市: 长春市" in client.get(back).get_data(as_text=True)


def test_subscribe_from_the_search_then_edit_pause_and_delete_through_the_pages(site):
    client = signed_in(site, "investor")
    page = client.get("/alerts/subscriptions/new?q=玉米&city=changchun&type=achievement&lang=zh")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="玉米"' in html and 'value="city=changchun" checked' in html.replace('checked id', 'checked') or "city=changchun" in html
    assert "所在地市: 长春市" in html  # the filter shown by its label
    fields = form_of(html, frequency="weekly", email=None)
    made = client.post("/alerts/subscriptions/new?q=玉米&city=changchun&type=achievement", data=fields)
    assert made.status_code == 303, made.get_data(as_text=True)[:2000]
    [sub] = subscription_of(site, client.user_id)
    assert (sub.q, sub.record_type, sub.selections, sub.frequency, sub.email_enabled, sub.feed_enabled) == \
        ("玉米", "achievement", {"city": ["changchun"]}, "weekly", False, True)
    assert sub.name  # named after the search
    listing = client.get("/alerts/subscriptions").get_data(as_text=True)
    assert sub.name in listing and "“玉米”" in listing and "所在地市: 长春市" in listing and "每周汇总" in listing
    assert f"/alerts/feeds/{sub.feed_token}.atom" in listing
    assert sub.webhook_secret is None

    # edit: drop the filter, add a webhook (its secret shown once)
    edit = client.get(f"/alerts/subscriptions/{sub.id}/edit").get_data(as_text=True)
    fields = MultiDict([(k, v) for k, v in form_of(edit, name="长春玉米", webhook_url=PUBLIC_HOOK).items(multi=True) if k != "filters"])
    saved = client.post(f"/alerts/subscriptions/{sub.id}/edit", data=fields)
    assert saved.status_code == 200, saved.get_data(as_text=True)[:2000]
    [sub] = subscription_of(site, client.user_id)
    assert (sub.name, sub.selections, sub.webhook_url, sub.webhook_enabled) == ("长春玉米", {}, PUBLIC_HOOK, True)
    assert sub.webhook_secret and sub.webhook_secret in saved.get_data(as_text=True)
    assert sub.webhook_secret not in client.get("/alerts/subscriptions").get_data(as_text=True)

    # rotate the secret: a new one, shown once
    rotated = client.post(f"/alerts/subscriptions/{sub.id}/webhook-secret", data={"csrf_token": client.csrf})
    [after] = subscription_of(site, client.user_id)
    assert rotated.status_code == 200 and after.webhook_secret != sub.webhook_secret and after.webhook_secret in rotated.get_data(as_text=True)

    # pause and resume
    assert client.post(f"/alerts/subscriptions/{sub.id}/pause", data={"csrf_token": client.csrf, "paused": "1"}).status_code == 303
    assert subscription_of(site, client.user_id)[0].paused
    assert "已暂停" in client.get("/alerts/subscriptions").get_data(as_text=True)
    client.post(f"/alerts/subscriptions/{sub.id}/pause", data={"csrf_token": client.csrf, "paused": "0"})
    assert not subscription_of(site, client.user_id)[0].paused

    # a new private feed address: the old one is gone
    old = sub.feed_token
    assert client.get(f"/alerts/feeds/{old}.atom").status_code == 200
    client.post(f"/alerts/subscriptions/{sub.id}/feed-token", data={"csrf_token": client.csrf})
    new = subscription_of(site, client.user_id)[0].feed_token
    assert new != old and client.get(f"/alerts/feeds/{old}.atom").status_code == 404
    assert client.get(f"/alerts/feeds/{new}.atom").status_code == 200

    # delete
    gone = client.post(f"/alerts/subscriptions/{sub.id}/delete", data={"csrf_token": client.csrf})
    assert gone.status_code == 303 and subscription_of(site, client.user_id) == []
    assert client.get(f"/alerts/subscriptions/{sub.id}/edit").status_code == 404


def test_the_form_says_what_is_wrong(site):
    client = signed_in(site, "investor")
    html = client.get("/alerts/subscriptions/new?q=玉米").get_data(as_text=True)
    refused = client.post("/alerts/subscriptions/new?q=玉米", data=form_of(html, webhook_url="http://127.0.0.1:8080/hook"))
    assert refused.status_code == 422
    assert "Webhook 不能发往内网" in refused.get_data(as_text=True)
    nothing = client.post("/alerts/subscriptions/new?q=玉米", data=form_of(html, email=None, feed=None))
    assert nothing.status_code == 422 and "请至少选择一种接收方式" in nothing.get_data(as_text=True)
    english = client.post("/alerts/subscriptions/new?q=玉米&lang=en", data=form_of(html, email=None, feed=None))
    assert "choose at least one way to receive alerts" in english.get_data(as_text=True)
    assert subscription_of(site, client.user_id) == []


def test_someone_elses_subscription_is_not_found(site):
    owner = signed_in(site, "investor")
    sub = make_subscription(site, owner.user_id)
    match = add_match(site, sub.id)
    other = signed_in(site, "investor")
    headers, _ = token_client(site, "intermediary")
    for path in (f"/alerts/subscriptions/{sub.id}/edit",):
        assert other.get(path).status_code == 404
    for action in ("pause", "delete", "feed-token", "webhook-secret"):
        assert other.post(f"/alerts/subscriptions/{sub.id}/{action}", data={"csrf_token": other.csrf}).status_code == 404
    assert other.post(f"/alerts/subscriptions/{sub.id}/edit", data={"csrf_token": other.csrf, "name": "x"}).status_code == 404
    for method in ("get", "patch", "delete"):
        kwargs = {"json": {"name": "别人的"}} if method == "patch" else {}
        answer = getattr(site.test_client(), method)(f"/api/v1/subscriptions/{sub.id}", headers=headers, **kwargs)
        assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found"
    # their alerts: not in the other inbox, and marking them read does nothing
    assert f'data-match="{match}"' not in other.get("/alerts").get_data(as_text=True)
    other.post("/alerts/read", data={"csrf_token": other.csrf, "id": str(match)})
    assert site.test_client().post("/api/v1/alerts/read", headers=headers, json={"ids": [match]}).get_json()["updated"] == 0
    with site.app_context():
        assert db.session.get(AlertMatch, match).read_at is None
    assert [s.name for s in subscription_of(site, owner.user_id)] == ["测试订阅"]
    # inbox filtered by someone else's subscription: the reader's own inbox
    assert other.get(f"/alerts?subscription={sub.id}").status_code == 200


def test_posts_without_the_csrf_token_are_refused(site):
    client = signed_in(site, "investor")
    sub = make_subscription(site, client.user_id)
    match = add_match(site, sub.id)
    html = client.get("/alerts/subscriptions/new?q=大豆").get_data(as_text=True)
    fields = MultiDict([(k, v) for k, v in form_of(html).items(multi=True) if k != "csrf_token"])
    posts = [("/alerts/subscriptions/new?q=大豆", fields), (f"/alerts/subscriptions/{sub.id}/edit", {"name": "改名"}),
             (f"/alerts/subscriptions/{sub.id}/pause", {}), (f"/alerts/subscriptions/{sub.id}/delete", {}),
             (f"/alerts/subscriptions/{sub.id}/feed-token", {}), (f"/alerts/subscriptions/{sub.id}/webhook-secret", {}),
             ("/alerts/read", {"id": str(match)}), ("/alerts/read-all", {})]
    for path, data in posts:
        answer = client.post(path, data=data, headers={"Origin": "https://evil.example"})
        assert answer.status_code in (400, 403), (path, answer.status_code)
    api = client.post("/api/v1/subscriptions", json={"name": "跨站", "q": "x"})
    assert api.status_code in (400, 403)
    [after] = subscription_of(site, client.user_id)
    assert (after.name, after.paused, after.feed_token) == (sub.name, False, sub.feed_token)
    with site.app_context():
        assert db.session.get(AlertMatch, match).read_at is None


# -- the inbox ---------------------------------------------------------------------------------------
def test_the_inbox_lists_marks_and_filters_alerts(site):
    client = signed_in(site, "investor")
    first = make_subscription(site, client.user_id, name="玉米订阅")
    second = make_subscription(site, client.user_id, name="储能订阅", q="储能", filters={})
    ids = [add_match(site, first.id), add_match(site, first.id, read=True), add_match(site, second.id, words=("储能",), filters={})]
    html = client.get("/alerts").get_data(as_text=True)
    order = [int(i) for i in re.findall(r'data-match="(\d+)"', html)]
    assert order == sorted(ids, reverse=True)  # newest first
    assert html.count('class="alert-item unread"') == 2
    assert "<mark class=\"word\">玉米</mark>" in html and "所在地市: 长春市" in html and "<mark>玉米</mark>测试摘录" in html
    assert "玉米订阅" in html and "储能订阅" in html
    assert re.search(r'class="unread-count">2<', html)  # the menu's count
    # filters: one subscription; unread only
    only = client.get(f"/alerts?subscription={first.id}").get_data(as_text=True)
    assert sorted(int(i) for i in re.findall(r'data-match="(\d+)"', only)) == sorted(ids[:2])
    unread = client.get("/alerts?unread=1").get_data(as_text=True)
    assert sorted(int(i) for i in re.findall(r'data-match="(\d+)"', unread)) == sorted([ids[0], ids[2]])
    # mark one read, then unread again; then all read
    done = client.post("/alerts/read", data={"csrf_token": client.csrf, "id": str(ids[0]), "read": "1", "next": "/alerts?unread=1"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/alerts?unread=1")
    assert client.get("/api/v1/alerts?unread=true").get_json()["total"] == 1
    client.post("/alerts/read", data={"csrf_token": client.csrf, "id": str(ids[1]), "read": "0", "next": "https://evil.example/"})
    assert client.get("/api/v1/alerts?unread=true").get_json()["total"] == 2
    everything = client.post("/alerts/read-all", data={"csrf_token": client.csrf})
    assert everything.status_code == 303 and urlsplit(everything.headers["Location"]).path == "/alerts"
    assert client.get("/api/v1/alerts?unread=true").get_json()["total"] == 0
    assert "unread-count" not in client.get("/alerts").get_data(as_text=True)


def test_the_inbox_pages(site):
    client = signed_in(site, "investor")
    sub = make_subscription(site, client.user_id)
    ids = [add_match(site, sub.id) for _ in range(23)]
    first = client.get("/alerts").get_data(as_text=True)
    assert len(re.findall(r'data-match="(\d+)"', first)) == 20 and 'rel="next"' in first
    second = client.get("/alerts?page=2").get_data(as_text=True)
    assert sorted(int(i) for i in re.findall(r'data-match="(\d+)"', second)) == sorted(ids)[:3]
    assert client.get("/alerts?page=abc").status_code == 200


# -- the API -----------------------------------------------------------------------------------------
def test_subscriptions_and_alerts_over_the_api(site):
    headers, user_id = token_client(site)
    client = site.test_client()
    made = client.post("/api/v1/subscriptions", headers=headers, json={
        "name": "接口订阅", "type": "achievement", "q": "玉米 大豆", "match": "any", "filters": {"city": ["changchun", "jilin"]},
        "frequency": "immediate", "lang": "en", "email": False, "webhook_url": PUBLIC_HOOK, "feed": True})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["webhook_secret"] and made.headers["Location"] == body["links"]["self"]
    assert {k: body[k] for k in ("type", "q", "match", "filters", "frequency", "lang", "email", "webhook_url", "webhook_enabled", "feed",
                                  "paused", "unread")} == {
        "type": "achievement", "q": "玉米 大豆", "match": "any", "filters": {"city": ["changchun", "jilin"]}, "frequency": "immediate",
        "lang": "en", "email": False, "webhook_url": PUBLIC_HOOK, "webhook_enabled": True, "feed": True, "paused": False, "unread": 0}
    assert urlsplit(body["feed_url"]).path.startswith("/alerts/feeds/")
    sub_id = body["id"]
    # the secret is never shown again
    read = client.get(f"/api/v1/subscriptions/{sub_id}", headers=headers).get_json()
    assert "webhook_secret" not in read and read["name"] == "接口订阅"
    assert [s["id"] for s in client.get("/api/v1/subscriptions", headers=headers).get_json()] == [sub_id]
    assert all("webhook_secret" not in s for s in client.get("/api/v1/subscriptions", headers=headers).get_json())
    # change, pause
    changed = client.patch(f"/api/v1/subscriptions/{sub_id}", headers=headers, json={"name": "改名", "paused": True, "filters": {}})
    assert changed.status_code == 200 and (changed.get_json()["name"], changed.get_json()["paused"], changed.get_json()["filters"]) == (
        "改名", True, {})
    assert "webhook_secret" not in changed.get_json()
    # refusals: 422 with the field
    bad = client.post("/api/v1/subscriptions", headers=headers, json={"name": "坏的", "filters": {"no_such_filter": ["x"]}})
    assert bad.status_code == 422 and bad.get_json()["error"]["details"][0]["field"].startswith("filters")
    private = client.patch(f"/api/v1/subscriptions/{sub_id}", headers=headers, json={"webhook_url": "http://10.0.0.1/hook"})
    assert private.status_code == 422 and private.get_json()["error"]["details"][0]["field"] == "webhook_url"
    assert client.patch(f"/api/v1/subscriptions/{sub_id}", headers=headers, json={"paused": "yes"}).status_code == 422
    assert client.post("/api/v1/subscriptions", headers=headers, data="name=x").status_code == 415
    # the inbox
    ids = [add_match(site, sub_id), add_match(site, sub_id), add_match(site, sub_id, read=True)]
    inbox = client.get("/api/v1/alerts", headers=headers).get_json()
    assert (inbox["total"], inbox["unread"], [i["id"] for i in inbox["items"]]) == (3, 2, sorted(ids, reverse=True))
    item = inbox["items"][0]
    assert item["why"]["words"] == ["玉米"] and item["why"]["filters"] == {"city": ["changchun"]} and item["read"] is True
    assert urlsplit(item["url"]).path == f"/records/{item['record_id']}"
    assert client.get(f"/api/v1/alerts?unread=true&subscription={sub_id}&size=1", headers=headers).get_json()["pages"] == 2
    assert client.get("/api/v1/alerts?size=1000", headers=headers).status_code == 422
    marked = client.post("/api/v1/alerts/read", headers=headers, json={"ids": [ids[0]], "read": True}).get_json()
    assert marked == {"updated": 1, "unread": 1}
    assert client.post("/api/v1/alerts/read", headers=headers, json={"ids": [ids[2]], "read": False}).get_json()["unread"] == 2
    assert client.post("/api/v1/alerts/read", headers=headers, json={"all": True}).get_json() == {"updated": 2, "unread": 0}
    assert client.post("/api/v1/alerts/read", headers=headers, json={}).status_code == 422
    # delete
    assert client.delete(f"/api/v1/subscriptions/{sub_id}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/subscriptions/{sub_id}", headers=headers).status_code == 404
    assert client.get("/api/v1/alerts", headers=headers).get_json()["total"] == 0
    # a visitor: 401
    assert client.get("/api/v1/subscriptions").status_code == 401
    assert client.get("/api/v1/alerts").status_code == 401


# -- unsubscribing by the e-mail's link -------------------------------------------------------------------
def test_unsubscribe_by_token_without_signing_in(site):
    owner = signed_in(site, "investor")
    sub = make_subscription(site, owner.user_id, email=True)
    with site.app_context():
        token = current_services.subscriptions.unsubscribe_token(db.session.get(Subscription, sub.id))
    visitor = site.test_client()
    page = visitor.get(f"/alerts/unsubscribe/{token}")
    assert page.status_code == 200 and "测试订阅" in page.get_data(as_text=True)
    assert subscription_of(site, owner.user_id)[0].email_enabled  # a look changes nothing (mail scanners open links)
    # RFC 8058: the mail client's one-click POST, no session, no CSRF token
    one_click = visitor.post(f"/alerts/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200 and one_click.get_data() == b""
    assert not subscription_of(site, owner.user_id)[0].email_enabled
    # the page's button: the done page; again is harmless
    done = visitor.post(f"/alerts/unsubscribe/{token}", data={"confirm": "1"})
    assert done.status_code == 200 and "已退订" in done.get_data(as_text=True)
    # a bad token
    assert visitor.get("/alerts/unsubscribe/not-a-token").status_code == 404
    assert visitor.post("/alerts/unsubscribe/not-a-token", data={"List-Unsubscribe": "One-Click"}).status_code == 404
    assert visitor.post(f"/alerts/unsubscribe/{token}x", data={"List-Unsubscribe": "One-Click"}).status_code == 404


# -- the feeds ---------------------------------------------------------------------------------------
def test_the_private_feed_says_why_each_record_matched(site):
    owner = signed_in(site, "investor")
    sub = make_subscription(site, owner.user_id, name="长春玉米", lang="zh")
    ids = [add_match(site, sub.id), add_match(site, sub.id)]
    answer = site.test_client().get(f"/alerts/feeds/{sub.feed_token}.atom")
    assert answer.status_code == 200 and answer.content_type.startswith("application/atom+xml")
    feed = feedparser.parse(answer.get_data())
    assert not feed.bozo, feed.bozo_exception
    assert "长春玉米" in feed.feed.title
    assert [e.id.rsplit("-", 1)[1] for e in feed.entries] == [str(i) for i in sorted(ids, reverse=True)]
    entry = feed.entries[0]
    assert "命中词：玉米" in entry.summary and "所在地市：长春市" in entry.summary
    assert urlsplit(entry.link).path.startswith("/records/ach-")
    assert sub.feed_token not in entry.id  # the secret address is not written into the entries
    # English, by the subscription's language
    with site.app_context():
        current_services.subscriptions.update(identity_of(db.session.get(User, owner.user_id)), sub.id, {"lang": "en"})
    english = feedparser.parse(site.test_client().get(f"/alerts/feeds/{sub.feed_token}.atom").get_data())
    assert "Matched words: 玉米" in english.entries[0].summary and "City: Changchun" in english.entries[0].summary
    # a feed switched off, an unknown token
    with site.app_context():
        current_services.subscriptions.update(identity_of(db.session.get(User, owner.user_id)), sub.id, {"feed": False})
    assert site.test_client().get(f"/alerts/feeds/{sub.feed_token}.atom").status_code == 404
    assert site.test_client().get("/alerts/feeds/nothing-here.atom").status_code == 404


def api_ids(client, query: str) -> list[str]:
    return [h["id"] for h in client.get(f"/api/v1/search?{query}&sort=newest&size=50").get_json()["hits"]]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.es)])
def feed_site(request, tmp_path_factory):
    import uuid

    config = {}
    if request.param == "elasticsearch":
        config = {"SEARCH_BACKEND": "elasticsearch", "SEARCH_ES_HOSTS": [request.getfixturevalue("es_url")],
                  "SEARCH_ES_NUMBER_OF_REPLICAS": 0, "SEARCH_INDEX_PREFIX": f"alertsweb{uuid.uuid4().hex[:8]}-"}
    app = make_app(tmp_path_factory.mktemp(f"alerts-feed-{request.param}"), *DEMO, ALERTS_MATCHING="off", **config)
    yield app
    if request.param == "elasticsearch":
        with app.app_context():
            current_search.drop_indices()
    close_app(app)


@pytest.mark.parametrize("query", ["type=achievement", "q=玉米", "type=patent&open_licence=true", "q=电池 储能&match=any",
                                   "type=instrument&city=changchun"])
def test_the_public_feed_lists_the_newest_records_its_search_finds(feed_site, query):
    client = feed_site.test_client()
    answer = client.get(f"/search/feed.atom?{query}&sort=relevance&page=3")
    assert answer.status_code == 200 and answer.content_type.startswith("application/atom+xml")
    feed = feedparser.parse(answer.get_data())
    assert not feed.bozo, feed.bozo_exception
    assert [urlsplit(e.link).path.rsplit("/", 1)[1] for e in feed.entries] == api_ids(client, query)
    assert len(feed.entries) <= 50
    published = [e.published_parsed for e in feed.entries]
    assert published == sorted(published, reverse=True)
    for entry in feed.entries:
        assert entry.id == entry.link


def test_the_public_feed_leaves_out_what_is_not_published(feed_site):
    with feed_site.app_context():
        service = current_services.for_type("achievement")
        institution = db.session.scalar(select(Achievement)).institutions[0].name
        hidden = service.create(system_identity, {"title": "订阅源不应出现的撤回成果", "institutions": [institution]}, status="withdrawn")
        # Publication times are kept to the second: on a fast machine the demo records can share
        # this second, and a tie has no "newest". Publish in a later second than any of them.
        time.sleep(1.01 - time.time() % 1.0)
        shown = service.create(system_identity, {"title": "订阅源应出现的最新成果", "institutions": [institution]}, status="published")
        current_search.refresh()
        hidden_id, shown_id = hidden.public_id, shown.public_id
        db.session.remove()
    feed = feedparser.parse(feed_site.test_client().get("/search/feed.atom?type=achievement").get_data())
    links = [urlsplit(e.link).path.rsplit("/", 1)[1] for e in feed.entries]
    assert links[0] == shown_id and hidden_id not in links
    english = feedparser.parse(feed_site.test_client().get("/search/feed.atom?type=achievement&lang=en").get_data())
    assert english.feed.language == "en" and english.feed.title.startswith("Newly published")
    assert feed_site.test_client().get("/search/feed.atom?type=institution").status_code == 404
