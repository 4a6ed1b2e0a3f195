"""Instrument bookings on the site and over the API (SQLite): a company asks for hours from an
instrument's page, the holder's publisher proposes other hours, the company accepts, the hours
show in the instrument's calendar, the holder completes the booking and the hours and the fee
count in the instrument's openness figures (its record and the statistics).

Also: nobody but the two parties reads a booking (the same 404 as a number nobody has); the
calendar shows busy hours and nothing about who or what; hours already held are refused, over
the API (409 naming them) and in the form (a message); a cookie post without its CSRF token
changes nothing; the pages in Chinese and English; the e-mails to the other side (a real SMTP
server). The service itself is tested in test_bookings.py."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.apps import api_token, close_app, make_app, mail_config, signed_in
from web.booking_times import span
from web.extensions import db
from web.models import Institution, Instrument, InstrumentBooking, User
from web.proxies import current_services

pytestmark = pytest.mark.integration
DEMO = ["demo", "load", "--achievements", "10", "--patents", "5", "--instruments", "30"]
CST = timezone(timedelta(hours=8))
SAMPLE = "锂电池正极粉末样品 5 个，测粒径分布"


@pytest.fixture(scope="module")
def site(tmp_path_factory, smtp):
    app = make_app(tmp_path_factory.mktemp("bookings-web"), *DEMO, **mail_config(smtp))
    yield app
    close_app(app)


_hours = iter(range(10_000))


def free_hour(days: int = 4, length: int = 2) -> tuple[datetime, datetime]:
    """Hours no other test of this module uses (each test its own, a few days ahead), in UTC.
    They lie within one day in China Standard Time (from 08:00, four slots a day) whatever the
    hour the suite runs at, so pages show them as one day's hours: taken from the clock's hour,
    a run at 23:00 in China booked 23:00-01:00, which a page rightly writes with both dates."""
    n = next(_hours)
    day = datetime.now(CST).date() + timedelta(days=days + n // 4)
    start = datetime.combine(day, time(8 + 3 * (n % 4)), tzinfo=CST).astimezone(timezone.utc)
    return start, start + timedelta(hours=length)


def form_hours(start: datetime, end: datetime, prefix: str = "") -> dict[str, str]:
    """The hours as the forms take them: a day and times of day in China Standard Time."""
    a, b = start.astimezone(CST), end.astimezone(CST)
    return {f"{prefix}day": a.date().isoformat(), f"{prefix}start": f"{a:%H:%M}", f"{prefix}end": f"{b:%H:%M}",
            f"{prefix}end_day": b.date().isoformat()}


def cst(value: datetime) -> str:
    return f"{value.astimezone(CST):%Y-%m-%d %H:%M}"


def shared_instrument(app, shared: bool = True, n: int = 0) -> tuple[str, int]:
    """(public id, holder institution id) of a published instrument, shared and in working order
    (or not shared); ``n`` picks another one."""
    with app.app_context():
        found = db.session.scalars(select(Instrument).where(Instrument.status == "published", Instrument.institution_id.is_not(None))
                                   .order_by(Instrument.id)).all()
        inst = [i for i in found if i.shared][n]
        inst.run_status, inst.shared = "normal", shared
        inst.service_modes = ["commissioned_testing", "self_operation"]
        db.session.commit()
        return inst.public_id, inst.institution_id


def flashes(html: str) -> list[str]:
    return re.findall(r'<p class="flash flash-(?:ok|error)"[^>]*>([^<]+)', html)


def booking_of(app, booking_id: int) -> InstrumentBooking:
    with app.app_context():
        booking = db.session.get(InstrumentBooking, booking_id)
        db.session.expunge(booking)
        return booking


def request_by_form(client, public_id: str, start: datetime, end: datetime, **fields) -> int:
    answer = client.post(f"/bookings/new/{public_id}", data={"csrf_token": client.csrf, **form_hours(start, end),
                                                             "service_mode": "self_operation", "sample": SAMPLE, **fields})
    assert answer.status_code == 303, answer.get_data(as_text=True)[:2000]
    return int(answer.headers["Location"].rsplit("/", 1)[1])


def approved(app, client, public_id: str, holder_client, start: datetime, end: datetime) -> int:
    booking_id = request_by_form(client, public_id, start, end)
    done = holder_client.post(f"/bookings/{booking_id}/approve", data={"csrf_token": holder_client.csrf})
    assert done.status_code == 303 and booking_of(app, booking_id).status == "approved"
    return booking_id


def as_if_begun(app, booking_id: int) -> None:
    """Time passes: the booking's hours are moved to hours that began (the service completes only those)."""
    with app.app_context():
        row = db.session.get(InstrumentBooking, booking_id)
        length = row.end_at - row.start_at
        start = max(datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3),
                    datetime.now(timezone.utc).replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0))
        row.start_at, row.end_at = start, start + length
        db.session.commit()


# -- the whole flow on the pages ------------------------------------------------------------------------------
def test_a_company_books_hours_the_holder_proposes_others_and_completes_them(site, smtp):
    public_id, holder_inst = shared_instrument(site)
    company, holder = signed_in(site, "investor"), signed_in(site, "publisher", institution_id=holder_inst)
    with site.app_context():
        company_email = db.session.get(User, company.user_id).email
        holder_email = db.session.get(User, holder.user_id).email
    # the instrument's page: a button for a signed-in reader, a sign-in link for a visitor
    page = company.get(f"/records/{public_id}").get_data(as_text=True)
    assert "data-booking-panel" in page and f'href="/bookings/new/{public_id}"' in page
    assert f'href="/bookings/calendar/{public_id}"' in page
    visitor = site.test_client().get(f"/records/{public_id}").get_data(as_text=True)
    assert "data-booking-panel" in visitor and f"/account/login?next=/bookings/new/{public_id}" in visitor
    # the request form offers the instrument's service modes, and asks for a sample
    form = company.get(f"/bookings/new/{public_id}").get_data(as_text=True)
    assert 'value="self_operation"' in form and 'value="collaborative_research"' not in form and "UTC+08:00" in form
    start, end = free_hour()
    before = len(smtp.messages)
    booking_id = request_by_form(company, public_id, start, end)
    mine = company.get(f"/bookings/{booking_id}").get_data(as_text=True)
    assert "预约申请已提交" in " ".join(flashes(mine)) and SAMPLE in mine and "自主上机" in mine
    assert f"{cst(start)}–{end.astimezone(CST):%H:%M}" in mine
    # the holder's publisher is told, and finds it waiting
    mail = smtp.wait(before + 1)
    assert mail["To"] == holder_email and "新的仪器预约申请" in mail["Subject"] and "New booking request" in mail["Subject"]
    assert f"/bookings/{booking_id}" in mail.get_content() and SAMPLE in mail.get_content()
    waiting = holder.get("/bookings?side=holder&status=requested").get_data(as_text=True)
    assert f'data-booking="{booking_id}"' in waiting
    panel = holder.get(f"/records/{public_id}").get_data(as_text=True)
    assert re.search(r'data-waiting="\d+"', panel)
    # the holder proposes two hours the next day; the company is told and accepts
    later, later_end = start + timedelta(days=1), end + timedelta(days=1)
    proposed = holder.post(f"/bookings/{booking_id}/propose", data={"csrf_token": holder.csrf, **form_hours(later, later_end, "propose-"),
                                                                    "propose-note": "当天上午仪器校准"})
    assert proposed.status_code == 303 and booking_of(site, booking_id).status == "proposed"
    mail = smtp.wait(before + 2)
    assert mail["To"] == company_email and "Other hours proposed" in mail["Subject"] and cst(later) in mail.get_content()
    page = company.get(f"/bookings/{booking_id}").get_data(as_text=True)
    assert 'data-step="accept"' in page and 'data-step="approve"' not in page
    accepted = company.post(f"/bookings/{booking_id}/accept", data={"csrf_token": company.csrf})
    assert accepted.status_code == 303
    booking = booking_of(site, booking_id)
    assert booking.status == "approved" and booking.start_at.replace(tzinfo=timezone.utc) == later
    assert smtp.wait(before + 3)["To"] == holder_email
    # the hours show in the instrument's calendar, to anyone
    calendar = site.test_client().get(f"/bookings/calendar/{public_id}?week={later.astimezone(CST).date().isoformat()}")
    html = calendar.get_data(as_text=True)
    assert calendar.status_code == 200 and html.count("data-busy") == 2
    assert f"{cst(later)}–{later_end.astimezone(CST):%H:%M}" in html
    # time passes; the holder records the hours used and the fee; the company is told
    record_before = site.test_client().get(f"/api/v1/records/{public_id}").get_json()
    stats_before = site.test_client().get("/api/v1/stats?type=instrument").get_json()["totals"]["external_hours"]
    as_if_begun(site, booking_id)
    page = holder.get(f"/bookings/{booking_id}").get_data(as_text=True)
    assert 'data-step="complete"' in page
    done = holder.post(f"/bookings/{booking_id}/complete", data={"csrf_token": holder.csrf, "complete-hours_used": "2.5",
                                                                  "complete-fee": "800"})
    assert done.status_code == 303
    page = holder.get(f"/bookings/{booking_id}").get_data(as_text=True)
    assert "机时和费用已计入" in " ".join(flashes(page)) and 'data-state="completed"' in page
    mail = smtp.wait(before + 4)
    assert mail["To"] == company_email and "Booking completed" in mail["Subject"] and "2.5" in mail.get_content()
    # the openness figures of the instrument: its record (this year's figures) and the statistics
    year = booking_of(site, booking_id).start_at.year
    old = (record_before.get("external_hours_per_year") or 0.0) if record_before.get("stats_year") == year else 0.0
    record = site.test_client().get(f"/api/v1/records/{public_id}").get_json()
    assert record["stats_year"] == year and record["external_hours_per_year"] == pytest.approx(old + 2.5)
    member = signed_in(site, "intermediary")
    assert member.get(f"/api/v1/records/{public_id}").get_json()["external_income_per_year"] >= 800
    stats_after = site.test_client().get("/api/v1/stats?type=instrument").get_json()["totals"]["external_hours"]
    assert stats_after - stats_before == pytest.approx(record["external_hours_per_year"] - (record_before.get("external_hours_per_year") or 0.0))
    # the state history names sides, not people
    page = company.get(f"/bookings/{booking_id}").get_data(as_text=True)
    history = page[page.index('class="booking-history"'):]
    for step in ("提出预约申请", "建议其他时段", "接受新时段", "登记完成"):
        assert step in history
    assert holder_email not in page


# -- who reads what ---------------------------------------------------------------------------------------------
def test_nobody_but_the_parties_reads_a_booking(site):
    public_id, holder_inst = shared_instrument(site)
    company, holder = signed_in(site, "investor"), signed_in(site, "publisher", institution_id=holder_inst)
    booking_id = request_by_form(company, public_id, *free_hour())
    with site.app_context():
        away = db.session.scalars(select(Institution.id).where(Institution.id != holder_inst).order_by(Institution.id)).first()
    outsiders = [signed_in(site, "investor"), signed_in(site, "intermediary"), signed_in(site, "reviewer"),
                 signed_in(site, "publisher", institution_id=away)]
    for client in (company, holder, signed_in(site, "admin")):
        assert client.get(f"/bookings/{booking_id}").status_code == 200
        assert client.get(f"/api/v1/bookings/{booking_id}").status_code == 200
    for client in outsiders:
        for path in (f"/bookings/{booking_id}", "/bookings/99999999"):
            assert client.get(path).status_code == 404, path
        seen, unseen = client.get(f"/api/v1/bookings/{booking_id}"), client.get("/api/v1/bookings/99999999")
        assert seen.status_code == unseen.status_code == 404 and seen.get_json() == unseen.get_json()
        assert client.post(f"/bookings/{booking_id}/cancel", data={"csrf_token": client.csrf}).status_code == 404
        listed = client.get("/api/v1/bookings?side=holder").get_json()
        assert booking_id not in [b["id"] for b in listed["items"]]
    # anonymous: signed in first
    visitor = site.test_client()
    assert "/account/login" in visitor.get(f"/bookings/{booking_id}").headers["Location"]
    assert visitor.get(f"/api/v1/bookings/{booking_id}").status_code == 401
    # the requester does not decide their own request (403), the holder does not accept for them
    assert company.post(f"/bookings/{booking_id}/approve", data={"csrf_token": company.csrf}).status_code == 403
    token = {"Authorization": f"Bearer {api_token(site, 'publisher', institution_id=holder_inst)}"}
    refused = site.test_client().post(f"/api/v1/bookings/{booking_id}/accept", headers=token)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert booking_of(site, booking_id).status == "requested"
    # the lists: the company's own, the holder's to decide
    assert booking_id in [b["id"] for b in company.get("/api/v1/bookings").get_json()["items"]]
    assert booking_id in [b["id"] for b in holder.get("/api/v1/bookings?side=holder&status=requested").get_json()["items"]]
    assert booking_id not in [b["id"] for b in holder.get("/api/v1/bookings").get_json()["items"]]


def test_the_calendar_shows_busy_hours_and_nothing_about_who_or_what(site):
    public_id, holder_inst = shared_instrument(site)
    holder = signed_in(site, "publisher", institution_id=holder_inst)
    company = signed_in(site, "investor")
    with site.app_context():
        user = db.session.get(User, company.user_id)
        user.name, user.organisation, user.phone = "保密公司联系人", "长春某某新材料有限公司", "13912345678"
        db.session.commit()
    start, end = free_hour(length=3)
    booking_id = approved(site, company, public_id, holder, start, end)
    with site.app_context():
        email = db.session.get(User, company.user_id).email
    day = start.astimezone(CST).date().isoformat()
    for client in (site.test_client(), signed_in(site, "intermediary")):
        page = client.get(f"/bookings/calendar/{public_id}?week={day}").get_data(as_text=True)
        assert page.count("data-busy") >= 3 and cst(start) in page
        for secret in ("保密公司联系人", "长春某某新材料有限公司", "13912345678", email, SAMPLE, f"/bookings/{booking_id}"):
            assert secret not in page, secret
        answer = client.get(f"/api/v1/instruments/{public_id}/calendar", query_string={"from": day, "to": (start + timedelta(days=1)).isoformat()})
        body = answer.get_json()
        assert answer.status_code == 200 and body["timezone"] == "UTC+08:00" and body["bookable"] is True
        assert {"start_at": start.astimezone(CST).isoformat(), "end_at": end.astimezone(CST).isoformat()} in body["busy"]
        assert set(body["busy"][0]) == {"start_at", "end_at"}
    # the parties get a link to it
    assert f'href="/bookings/{booking_id}"' in company.get(f"/bookings/calendar/{public_id}?week={day}").get_data(as_text=True)
    assert f'href="/bookings/{booking_id}"' in holder.get(f"/bookings/calendar/{public_id}?week={day}").get_data(as_text=True)
    # the record page's panel lists the next busy hours, nothing more
    panel = site.test_client().get(f"/records/{public_id}").get_data(as_text=True)
    panel = panel[panel.index("data-booking-panel"):]
    panel = panel[:panel.index("</section>")]
    assert "保密公司联系人" not in panel and SAMPLE not in panel
    # a window of the API is checked
    bad = site.test_client().get(f"/api/v1/instruments/{public_id}/calendar?from=2026-12-10&to=2026-12-01")
    assert bad.status_code == 422 and bad.get_json()["error"]["details"][0]["field"] == "to"
    assert site.test_client().get("/api/v1/instruments/pat-1/calendar").status_code == 404
    assert site.test_client().get("/bookings/calendar/ins-99999999").status_code == 404


def test_hours_already_held_are_refused_by_the_api_and_the_form(site):
    public_id, holder_inst = shared_instrument(site)
    holder = signed_in(site, "publisher", institution_id=holder_inst)
    company = signed_in(site, "investor")
    start, end = free_hour(length=3)
    approved(site, company, public_id, holder, start, end)
    clash = span(start, end)  # a day and its hours, or two days when the hours cross midnight in China
    # the API: 409, naming the hours taken
    token = {"Authorization": f"Bearer {api_token(site, 'investor')}"}
    answer = site.test_client().post(f"/api/v1/instruments/{public_id}/bookings", headers=token, json={
        "start_at": (start + timedelta(hours=1)).isoformat(), "end_at": (end + timedelta(hours=1)).isoformat(), "sample": SAMPLE})
    error = answer.get_json()["error"]
    assert answer.status_code == 409 and error["code"] == "double_booking" and clash in error["message"]
    assert error["details"][0]["field"] == "start_at"
    # the form: the message above it
    page = company.post(f"/bookings/new/{public_id}", data={"csrf_token": company.csrf, **form_hours(start + timedelta(hours=2), end + timedelta(hours=2)),
                                                            "service_mode": "commissioned_testing", "sample": SAMPLE})
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "该时段已被预约" in html and clash in html
    # two requests for the same hours, made before either was approved: the second approval is refused
    other_start, other_end = free_hour()
    first = request_by_form(company, public_id, other_start, other_end)
    second = request_by_form(signed_in(site, "investor"), public_id, other_start + timedelta(hours=1), other_end + timedelta(hours=1))
    holder_token = {"Authorization": f"Bearer {api_token(site, 'publisher', institution_id=holder_inst)}"}
    assert site.test_client().post(f"/api/v1/bookings/{first}/approve", headers=holder_token, json={}).status_code == 200
    refused = site.test_client().post(f"/api/v1/bookings/{second}/approve", headers=holder_token)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "double_booking"
    answer = holder.post(f"/bookings/{second}/approve", data={"csrf_token": holder.csrf})
    assert answer.status_code == 303
    said = " ".join(flashes(holder.get(answer.headers["Location"]).get_data(as_text=True)))
    assert "该时段已被预约" in said and cst(other_start) in said
    assert booking_of(site, second).status == "requested"


def test_the_api_keeps_the_same_rules_and_errors(site):
    public_id, holder_inst = shared_instrument(site)
    company = {"Authorization": f"Bearer {api_token(site, 'investor')}"}
    holder = {"Authorization": f"Bearer {api_token(site, 'publisher', institution_id=holder_inst)}"}
    client = site.test_client()
    start, end = free_hour()
    # without an offset, a time is China Standard Time
    local_start = start.astimezone(CST).replace(tzinfo=None).isoformat()
    made = client.post(f"/api/v1/instruments/{public_id}/bookings", headers=company, json={
        "start_at": local_start, "end_at": end.isoformat(), "sample": SAMPLE, "service_mode": "self_operation", "purpose": "研发"})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert made.headers["Location"] == body["links"]["self"]
    assert body["start_at"] == start.astimezone(CST).isoformat() and body["hours"] == 2.0 and body["status"] == "requested"
    assert body["you"] == ["requester"] and body["actions"] == ["cancel"]
    booking_id = body["id"]
    for data, field in (
        ({"start_at": end.isoformat(), "end_at": start.isoformat(), "sample": SAMPLE}, "end_at"),
        ({"start_at": (start - timedelta(days=30)).isoformat(), "end_at": (end - timedelta(days=30)).isoformat(), "sample": SAMPLE}, "start_at"),
        ({"start_at": start.isoformat(), "end_at": end.isoformat(), "sample": "  "}, "sample"),
        ({"start_at": start.isoformat(), "end_at": end.isoformat(), "sample": SAMPLE, "service_mode": "collaborative_research"}, "service_mode"),
        ({"start_at": "tomorrow", "end_at": end.isoformat(), "sample": SAMPLE}, "start_at"),
    ):
        answer = client.post(f"/api/v1/instruments/{public_id}/bookings", headers=company, json=data)
        assert answer.status_code == 422, (data, answer.get_json())
        assert [d["field"] for d in answer.get_json()["error"]["details"]] == [field], answer.get_json()
    assert client.post("/api/v1/instruments/ins-99999999/bookings", headers=company, json={}).status_code == 404
    assert client.post(f"/api/v1/instruments/{public_id}/bookings", headers=company, data="x").status_code == 415
    not_shared, _ = shared_instrument(site, shared=False, n=1)
    refused = client.post(f"/api/v1/instruments/{not_shared}/bookings", headers=company, json={
        "start_at": start.isoformat(), "end_at": end.isoformat(), "sample": SAMPLE})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "not_shared"
    # the holder proposes, the requester accepts, the holder cannot complete before it starts
    later, later_end = free_hour()
    proposed = client.post(f"/api/v1/bookings/{booking_id}/propose", headers=holder, json={
        "start_at": later.isoformat(), "end_at": later_end.isoformat(), "note": "改到下周"})
    assert proposed.status_code == 200 and proposed.get_json()["proposed_start_at"] == later.astimezone(CST).isoformat()
    assert set(proposed.get_json()["actions"]) == {"propose", "reject", "cancel"} and proposed.get_json()["you"] == ["holder"]
    accepted = client.post(f"/api/v1/bookings/{booking_id}/accept", headers=company)
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "approved"
    again = client.post(f"/api/v1/bookings/{booking_id}/accept", headers=company)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "invalid_state"
    early = client.post(f"/api/v1/bookings/{booking_id}/complete", headers=holder, json={"hours_used": 2, "fee": 100})
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "not_started"
    as_if_begun(site, booking_id)
    wrong = client.post(f"/api/v1/bookings/{booking_id}/complete", headers=holder, json={"hours_used": -1, "fee": 100})
    assert wrong.status_code == 422 and wrong.get_json()["error"]["details"][0]["field"] == "hours_used"
    assert client.post(f"/api/v1/bookings/{booking_id}/complete", headers=holder, json={"fee": 100}).status_code == 422
    done = client.post(f"/api/v1/bookings/{booking_id}/complete", headers=holder, json={"hours_used": 1.5, "fee": 300})
    assert done.status_code == 200 and (done.get_json()["hours_used"], done.get_json()["fee"]) == (1.5, 300)
    assert client.post(f"/api/v1/bookings/{booking_id}/cancel", headers=company).status_code == 409
    # every step is in the audit log
    with site.app_context():
        actions = [e.action for e in current_services.audit.events(target=f"booking:{booking_id}")]
    assert sorted(actions) == sorted(["booking.request", "booking.propose", "booking.accept_proposal", "booking.complete"])


def test_reject_and_cancel_tell_the_other_side(site, smtp):
    public_id, holder_inst = shared_instrument(site)
    company, holder = signed_in(site, "investor"), signed_in(site, "publisher", institution_id=holder_inst)
    with site.app_context():
        company_email = db.session.get(User, company.user_id).email
    first = request_by_form(company, public_id, *free_hour())
    before = len(smtp.messages)
    rejected = holder.post(f"/bookings/{first}/reject", data={"csrf_token": holder.csrf, "reject-note": "样品不适合本仪器"})
    assert rejected.status_code == 303 and booking_of(site, first).status == "rejected"
    mail = smtp.wait(before + 1)
    assert mail["To"] == company_email and "Booking declined" in mail["Subject"] and "样品不适合本仪器" in mail.get_content()
    second = request_by_form(company, public_id, *free_hour())
    before = len(smtp.messages)
    cancelled = company.post(f"/bookings/{second}/cancel", data={"csrf_token": company.csrf})
    assert cancelled.status_code == 303 and booking_of(site, second).status == "cancelled"
    assert "Booking cancelled" in smtp.wait(before + 1)["Subject"] and smtp.messages[-1]["To"] != company_email
    page = company.get(f"/bookings/{second}").get_data(as_text=True)
    assert 'data-step="cancel"' not in page and 'data-state="cancelled"' in page


def test_the_form_says_what_is_wrong_beside_the_field(site):
    public_id, _ = shared_instrument(site)
    company = signed_in(site, "investor")
    start, end = free_hour()
    for changes, message in (({"sample": ""}, "请说明样品或上机内容"), ({"service_mode": "teleport"}, 'id="service_mode-error"'),
                             ({"service_mode": "collaborative_research"}, 'id="service_mode-error"'),  # not offered: not a choice
                             (form_hours(end, start), "结束时间须晚于开始时间"),
                             (form_hours(start - timedelta(days=10), end - timedelta(days=10)), "不能预约过去的时间")):
        data = {"csrf_token": company.csrf, **form_hours(start, end), "service_mode": "self_operation", "sample": SAMPLE, **changes}
        answer = company.post(f"/bookings/new/{public_id}", data=data)
        html = answer.get_data(as_text=True)
        assert answer.status_code == 422 and message in html and 'class="field-error"' in html, (changes, html[:3000])
    # in English, the service's refusal in English
    english = company.post(f"/bookings/new/{public_id}?lang=en", data={
        "csrf_token": company.csrf, **form_hours(start - timedelta(days=10), end - timedelta(days=10)), "service_mode": "self_operation",
        "sample": SAMPLE})
    assert english.status_code == 422 and "the hours are in the past" in english.get_data(as_text=True)


def test_an_instrument_that_is_not_shared_says_why(site):
    public_id, _ = shared_instrument(site, shared=False, n=2)
    company = signed_in(site, "investor")
    page = company.get(f"/records/{public_id}").get_data(as_text=True)
    panel = page[page.index("data-booking-panel"):]
    panel = panel[:panel.index("</section>")]
    assert 'data-unbookable="not_shared"' in panel and "/bookings/new/" not in panel
    form = company.get(f"/bookings/new/{public_id}").get_data(as_text=True)
    assert 'data-unbookable="not_shared"' in form and "data-booking-form" not in form
    assert 'data-unbookable="not_shared"' in company.get(f"/bookings/calendar/{public_id}").get_data(as_text=True)
    # other record types have no booking panel
    assert "data-booking-panel" not in company.get("/records/ach-1").get_data(as_text=True)


def test_posts_without_the_csrf_token_change_nothing(site):
    public_id, holder_inst = shared_instrument(site)
    company, holder = signed_in(site, "investor"), signed_in(site, "publisher", institution_id=holder_inst)
    booking_id = request_by_form(company, public_id, *free_hour())
    start, end = free_hour()
    with site.app_context():
        count = db.session.query(InstrumentBooking).count()
    assert company.post(f"/bookings/new/{public_id}", data={**form_hours(start, end), "service_mode": "self_operation",
                                                              "sample": SAMPLE}).status_code in (400, 403)
    for step in ("approve", "reject", "cancel"):
        assert holder.post(f"/bookings/{booking_id}/{step}", data={}).status_code in (400, 403)
    # the API with the session cookie needs the token too (X-CSRFToken); a bearer token does not
    assert holder.post(f"/api/v1/bookings/{booking_id}/approve", json={}).status_code == 403
    assert holder.post(f"/api/v1/bookings/{booking_id}/approve", json={}, headers={"X-CSRFToken": holder.csrf}).status_code == 200
    with site.app_context():
        assert db.session.query(InstrumentBooking).count() == count
    assert booking_of(site, booking_id).status == "approved"


@pytest.mark.parametrize("lang, weekday, mode, heading", [("zh", "周一", "自主上机", "预约日历"), ("en", "Mon", "Self-operation", None)])
def test_the_pages_in_both_languages(site, lang, weekday, mode, heading):
    public_id, holder_inst = shared_instrument(site)
    company, holder = signed_in(site, "investor"), signed_in(site, "publisher", institution_id=holder_inst)
    start, end = free_hour()
    booking_id = approved(site, company, public_id, holder, start, end)
    for client, path in ((site.test_client(), f"/bookings/calendar/{public_id}"), (company, f"/bookings/{booking_id}"),
                         (company, "/bookings"), (holder, "/bookings?side=holder"), (company, f"/bookings/new/{public_id}"),
                         (company, f"/records/{public_id}")):
        answer = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}")
        html = answer.get_data(as_text=True)
        assert answer.status_code == 200, path
        assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in html
        assert html.count("<h1") == 1, path
    calendar = site.test_client().get(f"/bookings/calendar/{public_id}?lang={lang}").get_data(as_text=True)
    assert weekday in calendar and "UTC+08:00" in calendar
    if heading:
        assert heading in calendar
    page = company.get(f"/bookings/{booking_id}?lang={lang}").get_data(as_text=True)
    assert mode in page


def test_the_mails_name_the_instrument_in_both_languages(site):
    from web.booking_mail import compose

    public_id, holder_inst = shared_instrument(site)
    company = signed_in(site, "investor")
    booking_id = request_by_form(company, public_id, *free_hour())
    with site.test_request_context():
        booking = db.session.get(InstrumentBooking, booking_id)
        for event, to_holder in (("request", True), ("accept", True), ("cancel", True), ("approve", False), ("propose", False),
                                 ("reject", False), ("complete", False), ("cancel", False)):
            subject, text = compose(booking, event, to_holder)
            assert booking.instrument.name in subject and " / " in subject
            zh, _, en = text.partition("\n---\n")
            assert "您好" in zh and "Hello" in en and f"/bookings/{booking_id}" in zh and f"/bookings/{booking_id}" in en
            assert "UTC+08:00" in zh and "China Standard Time" in en
        holders = current_services.bookings.holders_to_tell(booking)
        assert holders and all(u.role == "publisher" and u.institution_id == holder_inst for u in holders)
        assert company.user_id not in [u.id for u in holders]  # the requester is not told of their own request
