"""Instrument bookings in a real browser: a company opens a shared instrument, asks for two hours
with a sample description and a service mode; the holder's publisher proposes other hours; the
company accepts; the hours show in the instrument's calendar (on a desktop and on a phone, busy
hours only); the holder completes the booking with the hours used and the fee, and the hours
count in the instrument's yearly figures on its page and in the statistics. Axe on every kind
of page on the way; screenshots in test-artifacts/screenshots/ (the last: booking-flow-completed.png)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import use_account
from tests.e2e.pages import assert_no_horizontal_scroll

CST = timezone(timedelta(hours=8))
SAMPLE = "细胞爬片样品 4 片，需双通道荧光成像"


def external_hours(page) -> float:
    """The statistics' total of yearly external service hours (instruments)."""
    page.goto("/stats?type=instrument")
    figure = page.locator(".stats-figure", has=page.locator(".what", has_text="年对外服务机时")).locator(".n")
    return float(figure.inner_text().replace(",", ""))


def as_if_begun(app, booking_id: int) -> None:
    """Time passes: the booking's hours move to hours that have begun (only those can be completed),
    this year's."""
    from web.extensions import db
    from web.models import InstrumentBooking

    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    start = max(now - timedelta(hours=3), now.replace(month=1, day=1, hour=0))
    with app.app_context():
        row = db.session.get(InstrumentBooking, booking_id)
        row.start_at, row.end_at = start, start + (row.end_at - row.start_at)
        db.session.commit()
        db.session.remove()


def test_a_company_books_an_instrument_and_the_hours_count(open_page, live_app, samples, shoot):
    instrument = samples["booking-flow-instrument"]
    day = datetime.now(CST).date() + timedelta(days=3)
    other_day = day + timedelta(days=1)

    # the company opens the shared instrument and asks for two hours
    company = open_page("desktop")
    use_account(company, "investor")
    company.goto(f"/records/{instrument}")
    panel = company.locator("section[data-booking-panel]")
    assert panel.get_by_role("heading", name="仪器共享预约").is_visible()
    with company.expect_navigation():
        panel.get_by_role("link", name="预约机时").click()
    assert urlsplit(company.url).path == f"/bookings/new/{instrument}"
    company.locator("#day").fill(day.isoformat())
    company.locator("#start").fill("09:00")
    company.locator("#end").fill("11:00")
    company.get_by_label("自主上机").check()
    company.get_by_label("样品与测试内容").fill(SAMPLE)
    assert_accessible(company, "booking request form")
    shoot(company, "booking-request-zh")
    with company.expect_navigation():
        company.get_by_role("button", name="提交预约申请").click()
    booking_url = urlsplit(company.url).path
    assert re.fullmatch(r"/bookings/\d+", booking_url), company.url
    booking_id = int(booking_url.rsplit("/", 1)[1])
    assert company.locator("[data-state]").first.get_attribute("data-state") == "requested"
    assert f"{day.isoformat()} 09:00–11:00" in company.locator("[data-hours]").inner_text()
    assert "预约申请已提交" in company.locator(".flash").inner_text()

    # the holder's publisher finds it waiting and proposes other hours
    holder = open_page("desktop")
    use_account(holder, "publisher")
    holder.goto("/bookings?side=holder&status=requested")
    item = holder.locator(f'li[data-booking="{booking_id}"]')
    assert SAMPLE not in item.inner_text()  # the list: instrument, hours, mode, requester
    with holder.expect_navigation():
        item.locator("a.title").click()
    assert SAMPLE in holder.locator(".booking-fields").inner_text()
    assert_accessible(holder, "booking as its holder decides it")
    holder.locator("summary", has_text="建议其他时段").click()
    holder.locator("#propose-day").fill(other_day.isoformat())
    holder.locator("#propose-start").fill("14:00")
    holder.locator("#propose-end").fill("16:00")
    holder.locator("#propose-note").fill("上午仪器校准，改到次日下午")
    shoot(holder, "booking-holder-propose-zh")
    with holder.expect_navigation():
        holder.get_by_role("button", name="发送建议").click()
    assert holder.locator("[data-state]").first.get_attribute("data-state") == "proposed"

    # the company accepts the new hours
    company.reload()
    assert f"{other_day.isoformat()} 14:00–16:00" in company.locator("[data-proposed]").inner_text()
    with company.expect_navigation():
        company.get_by_role("button", name="接受新时段").click()
    assert company.locator("[data-state]").first.get_attribute("data-state") == "approved"
    assert f"{other_day.isoformat()} 14:00–16:00" in company.locator("[data-hours]").inner_text()

    # the hours are in the instrument's calendar, for anyone, with nobody's name
    visitor = open_page("desktop")
    visitor.goto(f"/bookings/calendar/{instrument}?week={other_day.isoformat()}")
    assert visitor.locator("td[data-busy]").count() == 2
    assert f"{other_day.isoformat()} 14:00–16:00" in visitor.locator("[data-slots]").inner_text()
    assert SAMPLE not in visitor.content()
    assert_accessible(visitor, "calendar")
    shoot(visitor, "booking-calendar-zh")
    phone = open_page("phone")
    phone.goto(f"/bookings/calendar/{instrument}?week={other_day.isoformat()}")
    assert phone.locator("td[data-busy]").count() == 2
    assert_no_horizontal_scroll(phone)
    assert_accessible(phone, "calendar on a phone")
    shoot(phone, "booking-calendar-phone-zh")

    # the day comes; the holder records the hours used and the fee
    before = external_hours(visitor)
    as_if_begun(live_app, booking_id)
    holder.reload()
    holder.locator("#complete-hours_used").fill("2.5")
    holder.locator("#complete-fee").fill("600")
    with holder.expect_navigation():
        holder.get_by_role("button", name="登记完成").click()
    assert holder.locator("[data-state]").first.get_attribute("data-state") == "completed"
    assert "机时和费用已计入" in holder.locator(".flash").inner_text()
    assert "2.5" in holder.locator("[data-hours-used]").inner_text()
    assert_accessible(holder, "completed booking")
    shoot(holder, "booking-completed-holder-zh")

    # the statistics count the hours; so does the instrument's page (its yearly figures)
    assert abs(external_hours(visitor) - before - 2.5) < 0.11
    visitor.goto(f"/records/{instrument}")
    fields = visitor.locator("dl.fields")
    figure = fields.locator("dd").nth(fields.locator("dt").all_inner_texts().index("年对外服务机时"))
    assert figure.inner_text().strip() == "2.5"
    assert_accessible(visitor, "the instrument's page")
    shoot(visitor, "booking-flow-completed")


def test_the_request_form_on_a_phone(open_page, samples, shoot):
    page = open_page("phone")
    use_account(page, "investor")
    page.goto(samples["booking-request"])
    assert page.get_by_role("heading", level=1).count() == 1
    assert page.locator("#day").is_visible() and page.locator("#start").is_visible()
    assert_no_horizontal_scroll(page)
    assert_accessible(page, "request form on a phone")
    shoot(page, "booking-request-phone-zh")
