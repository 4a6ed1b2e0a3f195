"""Inquiries (意向洽谈) in a real browser: an investor opens a published achievement and writes to its
holder; the holder's publisher finds it in the inquiry inbox and answers, and only then does the
investor see the contact details; the investor moves it into negotiation, and an agreement is
reached with its mode and amount. The final page shows "达成协议" with the date of every step
(its screenshot, test-artifacts/screenshots/inquiry-flow-agreed.png, is the closing note's).
axe-core checks the inbox and the inquiry page; the inquiry page on a phone."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import E2E_USERS, use_account
from tests.e2e.pages import assert_no_horizontal_scroll


def a_record(app) -> tuple[str, str, str]:
    """(public id, title, its contact's e-mail) of a published achievement of the e2e publisher's
    institution, with a contact person, that no sample has an inquiry about."""
    from sqlalchemy import select

    from web.extensions import db
    from web.models import Achievement, AchievementInstitution, Inquiry, User

    with app.app_context():
        publisher = db.session.scalar(select(User).where(User.email == E2E_USERS["publisher"]))
        asked = set(db.session.scalars(select(Inquiry.record_id)))
        rows = db.session.scalars(select(Achievement).join(AchievementInstitution).where(
            AchievementInstitution.institution_id == publisher.institution_id, Achievement.status == "published",
            Achievement.contact_email.is_not(None)).order_by(Achievement.id.desc()))
        rec = next(r for r in rows if r.public_id not in asked)
        found = rec.public_id, rec.title, rec.contact_email
        db.session.remove()
    return found


def test_an_inquiry_from_the_record_page_to_an_agreement(open_page, live_app, shoot):
    public_id, title, contact = a_record(live_app)
    investor = open_page("desktop")
    use_account(investor, "investor")
    investor.goto(f"/records/{public_id}")
    panel = investor.locator("section.inquiry-panel")
    with investor.expect_navigation():
        panel.get_by_role("link", name="联系持有方").click()
    assert urlsplit(investor.url).path == f"/inquiries/new/{public_id}"
    assert title in investor.locator("#inquiry-record").inner_text()
    investor.get_by_label("主题").fill("希望洽谈该成果的技术许可")
    investor.get_by_label("留言").fill("我公司计划在长春新区建设示范线，希望了解许可方式、费用和后续技术支持。")
    assert_accessible(investor, "new inquiry form")
    shoot(investor, "inquiry-flow-new")
    with investor.expect_navigation():
        investor.get_by_role("button", name="发送洽谈").click()
    inquiry_path = urlsplit(investor.url).path
    assert re.fullmatch(r"/inquiries/\d+", inquiry_path)
    assert investor.locator("[data-status]").get_attribute("data-status") == "sent"
    contacts = investor.locator("section.inquiry-contacts")
    assert contacts.get_attribute("data-contacts") == "hidden" and contact not in investor.content()
    assert_accessible(investor, "inquiry sent")

    # the holder's publisher: the inbox, then the inquiry, answered
    holder = open_page("desktop")
    use_account(holder, "publisher")
    holder.goto("/inquiries?box=received")
    item = holder.locator("li.inquiry", has=holder.get_by_role("link", name="希望洽谈该成果的技术许可"))
    assert item.count() == 1 and item.get_attribute("data-status") == "sent"
    assert_accessible(holder, "inquiry inbox")
    shoot(holder, "inquiry-flow-inbox")
    with holder.expect_navigation():
        item.get_by_role("link", name="希望洽谈该成果的技术许可").click()
    assert urlsplit(holder.url).path == inquiry_path
    holder.get_by_label("回复").fill("欢迎洽谈。许可费用可面议，我方可派技术人员驻场三个月。")
    with holder.expect_navigation():
        holder.get_by_role("button", name="发送", exact=True).click()
    assert holder.locator("[data-status]").get_attribute("data-status") == "answered"
    assert holder.locator("ol.inquiry-messages li").count() == 2

    # now the investor sees the contact details, and moves to negotiation
    investor.reload()
    assert contacts.get_attribute("data-contacts") == "shown" and contact in contacts.inner_text()
    assert investor.locator("[data-status]").get_attribute("data-status") == "answered"
    with investor.expect_navigation():
        investor.get_by_role("button", name="进入谈判").click()
    assert investor.locator("[data-status]").get_attribute("data-status") == "negotiating"
    shoot(investor, "inquiry-flow-negotiating")

    # agreement: a licence, 300,000 yuan
    investor.get_by_label("转化方式").select_option(label="许可")
    investor.get_by_label("金额（元，可不填）").fill("300000")
    with investor.expect_navigation():
        investor.get_by_role("button", name="确认达成协议").click()
    status = investor.locator("[data-status]")
    assert status.get_attribute("data-status") == "agreed" and status.inner_text() == "达成协议"
    assert investor.locator("[data-agreement-mode]").inner_text() == "许可"
    assert investor.locator("[data-agreement-amount]").inner_text() == "30万元"
    steps = investor.locator("ol.inquiry-steps li")
    assert [steps.nth(i).get_attribute("data-step") for i in range(steps.count())] == ["sent", "answered", "negotiating", "agreed"]
    assert all(steps.nth(i).locator("time").get_attribute("datetime") for i in range(steps.count()))
    assert investor.locator("[data-reply-form]").count() == 0  # agreed is final
    assert_accessible(investor, "inquiry agreed")
    shoot(investor, "inquiry-flow-agreed")
    # the holder's inbox says so too
    holder.goto("/inquiries?status=agreed")
    assert holder.locator(f"li.inquiry[data-inquiry='{inquiry_path.rsplit('/', 1)[1]}']").count() == 1


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_inquiry_on_a_phone(open_page, samples, shoot, lang):
    page = open_page("phone")
    use_account(page, "investor")
    page.goto(f"{samples['inquiry']}?lang={lang}")
    assert page.get_by_role("heading", level=1).count() == 1
    assert page.locator("section.inquiry-contacts").get_attribute("data-contacts") == "shown"
    assert_no_horizontal_scroll(page)
    assert_accessible(page, "inquiry on a phone")
    shoot(page, f"inquiry-phone-{lang}")
    page.goto(f"/inquiries?lang={lang}")
    assert page.locator("li.inquiry").count() >= 1
    assert_no_horizontal_scroll(page)
    assert_accessible(page, "inquiry inbox on a phone")
