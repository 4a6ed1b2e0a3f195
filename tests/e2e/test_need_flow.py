"""Technology needs in a real browser: a company posts a need through the form, submits it for
review, a reviewer approves it, and the need's page offers the results that could answer it with
the reason (shared words, same field), narrowed to the same field on request; the matching
result's page offers the need back; the holder's publisher finds it on their needs page."""
from __future__ import annotations

from urllib.parse import urlsplit

from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import use_account
from tests.e2e.pages import assert_no_horizontal_scroll


def _battery_like(app) -> tuple[str, list[str], str, str]:
    """A published demo achievement with keywords: (its id, keywords, field code, title)."""
    from sqlalchemy import select

    from web.extensions import db
    from web.models import Achievement

    with app.app_context():
        rec = next(a for a in db.session.scalars(select(Achievement).where(Achievement.status == "published").order_by(Achievement.id.desc()))
                   if len(a.keywords) >= 2 and a.field and a.institutions)
        out = (rec.public_id, list(rec.keywords[:2]), rec.field, rec.title)
        db.session.remove()
    return out


def test_a_company_posts_a_need_and_sees_the_results_that_match(open_page, live_app, shoot):
    record_id, keywords, field, title = _battery_like(live_app)
    page = open_page("desktop")
    use_account(page, "investor")
    page.goto("/needs/mine")
    assert_accessible(page, "my needs")
    with page.expect_navigation():
        page.get_by_role("link", name="发布技术需求").first.click()
    assert urlsplit(page.url).path == "/needs/new"
    need_title = f"寻求{keywords[0]}方面的合作（端到端）"
    page.get_by_label("需求名称").fill(need_title)
    page.get_by_label("需求描述").fill(f"本公司希望引进{keywords[0]}和{keywords[1]}相关技术，用于{title}等方向的产品升级。")
    page.get_by_label("关键词").fill("；".join(keywords))
    page.locator("select[name='f-field']").select_option(field)
    page.locator("select[name='f-city']").select_option("changchun")
    page.get_by_label("预算上限").fill("300")
    page.get_by_label("合作开发").check()
    page.get_by_label("专利许可").check()
    assert_accessible(page, "need form")
    shoot(page, "need-flow-form")
    with page.expect_navigation():
        page.locator("form[action='/needs/new'] button[type=submit]").click()
    assert urlsplit(page.url).path.startswith("/publish/drafts/"), page.url
    draft_path = urlsplit(page.url).path
    with page.expect_navigation():
        page.get_by_role("button", name="提交审核").click()
    assert "待审核" in page.content()

    # the reviewer approves it from the same page
    reviewer = open_page("desktop")
    use_account(reviewer, "reviewer")
    reviewer.goto(draft_path)
    with reviewer.expect_navigation():
        reviewer.get_by_role("button", name="批准并发布").click()
    need_link = reviewer.locator("a[href^='/records/need-']").first
    need_path = need_link.get_attribute("href")
    assert need_path and need_path.startswith("/records/need-")

    # the need's page: the results that could answer it, each with its reason
    from web.proxies import current_search

    with live_app.app_context():
        current_search.refresh()
    page.goto(need_path)
    panel = page.locator("section.need-matches")
    assert panel.locator("h2").inner_text() == "可满足此需求的成果"
    items = panel.locator("li[data-match]")
    assert items.count() >= 1
    ids = [items.nth(i).get_attribute("data-match") for i in range(items.count())]
    assert record_id in ids, (record_id, ids)
    mine = panel.locator(f"li[data-match='{record_id}']")
    reason = mine.locator(".match-reason").inner_text()
    assert "共同词语" in reason and any(k in reason for k in keywords) and "同一技术领域" in reason
    # narrowed to the same field: every result says so
    panel.get_by_label("只看同一技术领域").check()
    with page.expect_navigation():
        panel.get_by_role("button", name="筛选").click()
    narrowed = page.locator("section.need-matches li[data-match]")
    assert narrowed.count() >= 1
    assert all("同一技术领域" in narrowed.nth(i).inner_text() for i in range(narrowed.count()))
    assert_accessible(page, "need page with matches")
    shoot(page, "need-flow-matches")

    # the other way: the result's page offers the open need
    page.goto(f"/records/{record_id}")
    offered = page.locator("section.need-matches[data-need-matches='needs']")
    assert offered.locator(f"a[href='{need_path}']").count() == 1

    # on a phone, in English
    phone = open_page("phone")
    phone.goto(need_path + "?lang=en")
    assert "Results that could answer this need" in phone.locator("section.need-matches h2").inner_text()
    assert_no_horizontal_scroll(phone)
    shoot(phone, "need-flow-matches-phone-en")
