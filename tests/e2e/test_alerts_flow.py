"""Subscriptions and alerts in a real browser: an investor searches, subscribes to the search from
the search page, sees it listed, pauses and resumes it, opens the inbox (its alerts made by the
matcher from demo records its search finds) and marks an alert read; the inbox on a phone in English."""
from __future__ import annotations

import shutil
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import ROOT, use_account
from tests.e2e.pages import assert_no_horizontal_scroll

DOCS = ROOT / "docs" / "screenshots"


def add_alerts(app, name: str, n: int = 2) -> None:
    """Alerts of the investor's subscription called ``name``: ``n`` published records its search
    finds, matched by the matcher itself (as the worker's task does when they are published)."""
    from sqlalchemy import delete, select

    from web.extensions import db
    from web.models import AlertRecordState, Subscription
    from web.proxies import current_services
    from web.services.identity import anonymous_identity

    with app.app_context():
        sub = db.session.scalars(select(Subscription).where(Subscription.name == name).order_by(Subscription.id.desc())).first()
        params = current_services.subscriptions.search_params(sub)
        params.size = n
        found = [h["id"] for h in current_services.search.search(anonymous_identity, params).hits]
        assert len(found) == n, f"the demo data has {len(found)} records for {name}"
        # as if just published: records matched before (for another subscription) are new again
        db.session.execute(delete(AlertRecordState).where(AlertRecordState.record_id.in_(found)))
        db.session.commit()
        report = current_services.alert_matcher.match_records(found)
        assert report.announced >= n, report
        db.session.remove()


def test_an_investor_subscribes_to_a_search_and_reads_the_alerts(open_page, live_app, shoot):
    page = open_page("desktop")
    use_account(page, "investor")
    page.goto("/search?q=玉米&city=changchun")
    assert page.locator('link[rel=alternate][type="application/atom+xml"]').count() == 1
    feed = page.get_by_role("link", name="Atom 订阅源")
    assert urlsplit(feed.get_attribute("href")).path == "/search/feed.atom"
    assert page.request.get(feed.get_attribute("href")).ok
    with page.expect_navigation():
        page.get_by_role("link", name="订阅此检索").click()
    assert urlsplit(page.url).path == "/alerts/subscriptions/new"
    assert sorted(parse_qsl(urlsplit(page.url).query)) == [("city", "changchun"), ("q", "玉米")]
    assert page.get_by_label("检索词").input_value() == "玉米"
    assert page.get_by_label("所在地市: 长春市").is_checked()
    name = "长春的玉米成果"
    page.get_by_label("订阅名称").fill(name)
    page.get_by_label("每周汇总").check()
    assert_accessible(page, "subscribe form")
    shoot(page, "alerts-subscribe-zh")
    with page.expect_navigation():
        page.get_by_role("button", name="保存订阅").click()
    assert urlsplit(page.url).path == "/alerts/subscriptions"
    card = page.locator("section.subscription", has=page.get_by_role("heading", name=name))
    assert card.count() == 1
    assert "所在地市: 长春市" in card.locator(".chips").inner_text() and "每周汇总" in card.inner_text()
    # pause, then resume
    with page.expect_navigation():
        card.locator("button[data-pause]").click()
    card = page.locator("section.subscription", has=page.get_by_role("heading", name=name))
    assert "已暂停" in card.locator("h2").inner_text()
    with page.expect_navigation():
        card.locator("button[data-pause]").click()
    card = page.locator("section.subscription", has=page.get_by_role("heading", name=name))
    assert "已暂停" not in card.locator("h2").inner_text()
    assert_accessible(page, "subscriptions")
    shoot(page, "alerts-subscriptions-zh")

    # alerts arrive (made here); the menu counts them, the inbox lists them
    add_alerts(live_app, name)
    page.goto("/alerts")
    nav = page.get_by_role("navigation", name="主导航")
    assert int(nav.locator(".unread-count").inner_text().split()[0]) >= 2
    with page.expect_navigation():
        page.locator("#inbox-subscription").select_option(label=name)
        page.get_by_role("button", name="筛选").click()
    items = page.locator("li.alert-item")
    assert items.count() == 2 and page.locator("li.alert-item.unread").count() == 2
    assert items.first.locator("mark.word").first.inner_text() == "玉米"
    assert "所在地市: 长春市" in items.first.locator(".why").inner_text()
    assert_accessible(page, "inbox")
    shoot(page, "alerts-inbox-zh")
    with page.expect_navigation():
        items.first.locator("button[data-toggle-read]").click()
    assert page.locator("li.alert-item.unread").count() == 1
    assert "标为未读" in page.locator("li.alert-item").first.inner_text()
    with page.expect_navigation():
        page.locator("button[data-read-all]").click()
    assert page.locator("li.alert-item.unread").count() == 0
    # the record page it leads to
    with page.expect_navigation():
        page.locator("li.alert-item a.title").first.click()
    assert urlsplit(page.url).path.startswith("/records/ach-")


@pytest.mark.parametrize("lang", ["en"])
def test_the_inbox_on_a_phone(open_page, shoot, lang):
    page = open_page("phone")
    use_account(page, "investor")
    page.goto(f"/alerts?lang={lang}")
    assert page.get_by_role("heading", level=1).count() == 1  # "My alerts" once the English catalogue has it
    assert page.locator("li.alert-item").count() >= 1
    assert_no_horizontal_scroll(page)
    assert_accessible(page, "inbox on a phone")
    path = shoot(page, f"alerts-inbox-phone-{lang}")
    DOCS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, DOCS / path.name)
    subscribe = ROOT / "test-artifacts" / "screenshots" / "alerts-subscribe-zh.png"
    if subscribe.exists():
        shutil.copy(subscribe, DOCS / subscribe.name)
