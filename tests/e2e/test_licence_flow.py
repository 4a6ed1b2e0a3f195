"""Open-licence applications in a real browser: a company opens a patent under an open-licence
declaration, applies on the declared terms in three clicks (the button, the confirmation, the
submit: its company, the dates and the terms are filled in), the holder's publisher finds the
application from the patent page and grants it, and the patent page then counts the licence;
a patent whose declaration was withdrawn says so and offers no button. Axe on each page; the
holder's page on a phone in English."""
from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import pytest

from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import open_licence_patent, use_account
from tests.e2e.pages import assert_no_horizontal_scroll


def test_a_company_applies_in_a_few_clicks_and_the_holder_grants(open_page, live_app, shoot):
    public_id = open_licence_patent(live_app, "一种低温环境下锂电池电解液添加剂及其制备方法（开放许可流程）")
    company = open_page("desktop")
    use_account(company, "investor")
    company.goto(f"/records/{public_id}")
    panel = company.locator("section.licence-panel")
    assert "已授予许可 0 项" in panel.inner_text() and "8万元" in panel.inner_text() and "3年" in panel.inner_text()
    assert_accessible(company, "patent page with its open licence")
    shoot(company, "licence-flow-patent")
    # 1: the button on the patent's page
    with company.expect_navigation():
        panel.get_by_role("link", name="申请开放许可").click()
    assert urlsplit(company.url).path == f"/licences/apply/{public_id}"
    assert company.get_by_label("被许可单位").input_value() == "长春端到端新材料有限公司"  # from the account
    assert company.get_by_label("许可起始日").input_value() == date.today().isoformat()
    assert company.get_by_label("许可终止日").input_value().startswith(str(date.today().year + 3))  # the declared 3 years
    assert "一次性支付许可使用费8万元" in company.locator("dl.licence-terms").inner_text()  # shown, not asked
    assert "0431-85550000" in company.locator("form[data-apply-form]").inner_text()
    # 2: the confirmation
    company.get_by_label("我方接受上述开放许可声明的条件").check()
    assert_accessible(company, "apply form")
    shoot(company, "licence-flow-apply")
    # 3: send it
    with company.expect_navigation():
        company.get_by_role("button", name="提交许可申请").click()
    assert urlsplit(company.url).path.startswith("/licences/")
    assert "待确认" in company.locator(".licence-application h2 .badge").inner_text()
    assert company.locator("button[data-withdraw]").count() == 1
    application = urlsplit(company.url).path
    assert_accessible(company, "the company's application")
    shoot(company, "licence-flow-applied")

    # the holder's publisher: told on the patent page, decides on the application's page
    holder = open_page("desktop")
    use_account(holder, "publisher")
    holder.goto(f"/records/{public_id}")
    waiting = holder.locator("section.licence-panel .licence-pending")
    assert "待处理的许可申请 1 项" in waiting.inner_text()
    assert holder.locator("section.licence-panel").get_by_role("link", name="申请开放许可").count() == 0
    with holder.expect_navigation():
        waiting.get_by_role("link", name="处理许可申请").click()
    item = holder.locator(f"li[data-application='{application.rsplit('/', 1)[1]}']")
    assert "待确认" in item.inner_text() and "长春端到端新材料有限公司" in item.inner_text()
    assert_accessible(holder, "applications to decide")
    shoot(holder, "licence-flow-holder-list")
    with holder.expect_navigation():
        item.get_by_role("link").click()
    assert urlsplit(holder.url).path == application
    holder.get_by_label("答复或拒绝理由（拒绝时必填）").fill("欢迎合作，请按声明支付许可使用费。")
    assert_accessible(holder, "the holder's decision")
    shoot(holder, "licence-flow-decide")
    with holder.expect_navigation():
        holder.get_by_role("button", name="授予许可").click()
    assert "已授予" in holder.locator(".licence-application h2 .badge").inner_text()
    assert "已授予许可 1 项" in holder.locator(".licence-application").inner_text()

    # the patent's page now counts the licence
    company.goto(f"/records/{public_id}")
    count = company.locator("section.licence-panel .licence-count")
    assert count.inner_text() == "已授予许可 1 项" and count.get_attribute("data-licences-granted") == "1"
    assert_accessible(company, "patent page after the grant")
    shoot(company, "licence-flow-granted")


def test_a_withdrawn_declaration_shows_why_and_no_button(open_page, live_app, shoot):
    public_id = open_licence_patent(live_app, "一种玉米深加工废水的资源化处理工艺（开放许可已撤回）", withdrawn_at="2026-06-01")
    page = open_page("desktop")
    use_account(page, "investor")
    page.goto(f"/records/{public_id}")
    panel = page.locator("section.licence-panel")
    assert panel.locator("[data-licence-reason]").inner_text() == "开放许可声明已于 2026-06-01 撤回"
    assert panel.get_by_role("link", name="申请开放许可").count() == 0 and panel.locator("[data-apply-licence]").count() == 0
    assert_accessible(page, "withdrawn declaration")
    shoot(page, "licence-flow-withdrawn")
    # the form's address says why too, and has no form
    page.goto(f"/licences/apply/{public_id}")
    assert "开放许可声明已于 2026-06-01 撤回" in page.locator("[data-licence-reason]").inner_text()
    assert page.locator("form[data-apply-form]").count() == 0


@pytest.mark.parametrize("lang", ["en"])
def test_licence_pages_on_a_phone(open_page, live_app, samples, shoot, lang):
    page = open_page("phone")
    use_account(page, "publisher")
    page.goto(f"{samples['licence-application']}?lang={lang}")
    assert page.get_by_role("heading", level=1).count() == 1
    assert page.locator("button[data-grant]").count() == 1 and page.locator("button[data-refuse]").count() == 1
    assert_no_horizontal_scroll(page)
    assert_accessible(page, "an application on a phone")
    shoot(page, f"licence-application-phone-{lang}")
    withdrawn = open_licence_patent(live_app, "一种寒地水稻育秧基质及其制备方法（开放许可已撤回，手机）", withdrawn_at="2026-06-01")
    visitor = open_page("phone")
    visitor.goto(f"/records/{withdrawn}?lang={lang}")
    assert "the open-licence declaration was withdrawn on 2026-06-01" in visitor.locator("section.licence-panel").inner_text()
    assert_no_horizontal_scroll(visitor)
    assert_accessible(visitor, "a withdrawn declaration on a phone")
