"""Exchange statistics (issue 12): the exchanges between parties counted from the store (SQLite and
PostgreSQL), the same on the service, the page ``/stats/exchanges`` and the API
``/api/v1/stats/exchanges``, in Chinese and English, by year; public figures only (no company or
person; booking fees for members only).

The world: inquiries, licences and bookings made through their services, then dated to known
instants of 2024 and 2025 (a year counts the date a state was reached)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import lxml.html
import pytest
from sqlalchemy import select

from tests.apps import add_user, close_app, make_app, store_config
from web.extensions import db
from web.models import Achievement, Inquiry, Instrument, InstrumentBooking, LicenceApplication, Patent, User
from web.proxies import current_services
from web.services.identity import Identity, anonymous_identity
from web.services.records import holder_ids

pytestmark = pytest.mark.integration

DEMO = ("demo", "load", "--achievements", "10", "--patents", "40", "--instruments", "20")
TOMORROW = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
LICENSEE = "长春某某新材料有限公司"  # a company's name: never in the statistics


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@dataclass
class World:
    app: object
    patents: list[str]  # P1, P2, P3 (P3 unpublished after its licence)
    instruments: list[str]  # I1, I2
    member: Identity
    secrets: list[str]  # names and addresses that must not show


def who(app, role: str, institution_id: int | None = None) -> Identity:
    uid = add_user(app, role, institution_id=institution_id)
    with app.app_context():
        email = db.session.get(User, uid).email
    return Identity(str(uid), frozenset({role}), institution_id=institution_id if role == "publisher" else None, email=email)


# inquiry: (final status, mode, amount, field, city, the date of each status reached)
INQUIRIES = [
    ("agreed", "license", 300000, "new_materials", "changchun", {"sent": "2025-01-05", "answered": "2025-01-10", "negotiating": "2025-02-01",
                                                                 "agreed": "2025-03-10"}),
    ("agreed", "transfer", None, "new_materials", "jilin", {"sent": "2025-04-01", "answered": "2025-04-02", "agreed": "2025-05-20"}),
    ("agreed", "license", 200000, "biomedicine", "changchun", {"sent": "2025-05-01", "answered": "2025-05-02", "agreed": "2025-06-01"}),
    ("agreed", "equity", 1000000, None, None, {"sent": "2024-09-01", "answered": "2024-09-02", "agreed": "2024-11-11"}),
    ("closed", None, None, "new_materials", "changchun", {"sent": "2025-03-01", "closed": "2025-04-01"}),
    ("sent", None, None, "new_materials", "changchun", {"sent": "2025-07-01"}),
    ("negotiating", None, None, "new_materials", "changchun", {"sent": "2025-07-01", "answered": "2025-07-02", "negotiating": "2025-08-01"}),
    ("closed", None, None, "biomedicine", "siping", {"sent": "2024-12-01", "closed": "2024-12-31T23:30:00"}),
]


def make_inquiries(app, companies: list[Identity]) -> None:
    with app.app_context():
        rec = db.session.scalars(select(Achievement).where(Achievement.status == "published").order_by(Achievement.id)).first()
        record_id, inst = rec.public_id, sorted(holder_ids(rec))[0]
    holder = who(app, "publisher", inst)
    with app.app_context():
        svc = current_services.inquiries
        for n, (status, mode, amount, field_, city, dates) in enumerate(INQUIRIES):
            company = companies[n % len(companies)]
            iid = svc.send(company, record_id, f"洽谈 {n}", "希望了解合作条件。").id
            if "answered" in dates:
                svc.reply(holder, iid, "欢迎。")
            if "negotiating" in dates:
                svc.negotiate(holder, iid)
            if status == "agreed":
                svc.agree(holder, iid, mode, amount)
            elif status == "closed":
                svc.close(company, iid)
            inquiry = db.session.get(Inquiry, iid)
            assert inquiry.status == status
            inquiry.record_field, inquiry.record_city = field_, city
            for state in ("sent", "answered", "negotiating", "agreed", "closed"):
                setattr(inquiry, f"{state}_at", at(dates[state]) if state in dates else None)
        db.session.commit()


def open_patents(app, n: int, fees: list[float]) -> list[tuple[int, int]]:
    """``n`` published patents with an institution among their applicants, declared open."""
    found = []
    with app.app_context():
        for patent in db.session.scalars(select(Patent).where(Patent.status == "published").order_by(Patent.id)):
            holders = [a.institution_id for a in patent.applicants if a.institution_id is not None]
            if holders:
                patent.legal_status = "in_force"
                patent.open_licence = {"declared_at": "2025-01-05", "payment": "lump_sum", "fee": fees[len(found)], "term": "3年"}
                found.append((patent.id, holders[0]))
                if len(found) == n:
                    db.session.commit()
                    return found
    raise AssertionError("not enough patents with an institution")


def make_licences(app, companies: list[Identity]) -> list[str]:
    (p1, h1), (p2, h2), (p3, h3) = open_patents(app, 3, [50000.0, 20000.0, 30000.0])
    holders = {h: who(app, "publisher", h) for h in {h1, h2, h3}}
    a, b = companies
    today = date.today()
    terms = {"licensee": LICENSEE, "scope": "生产", "start_date": today, "end_date": today + timedelta(days=365)}
    with app.app_context():
        svc = current_services.licences
        granted = []
        for company, patent, holder, decided in ((a, p1, h1, "2025-02-02"), (b, p1, h1, "2025-09-09"), (a, p2, h2, "2024-05-05"),
                                                 (a, p3, h3, "2025-10-10")):
            app_id = svc.apply(company, patent, terms).id
            svc.grant(holders[holder], app_id)
            granted.append((app_id, decided))
        svc.refuse(holders[h2], svc.apply(b, p2, terms).id, "不符")  # refused: not counted
        svc.apply(b, p3, terms)  # waiting: not counted
        for app_id, decided in granted:
            db.session.get(LicenceApplication, app_id).decided_at = at(decided)
        db.session.get(Patent, p3).status = "withdrawn"  # licensed, then no longer public: counted, never named
        db.session.commit()
        return [f"pat-{p}" for p in (p1, p2, p3)]


def make_bookings(app, company: Identity) -> list[str]:
    with app.app_context():
        chosen = list(db.session.scalars(select(Instrument).where(
            Instrument.status == "published", Instrument.shared.is_(True), Instrument.institution_id.is_not(None)).order_by(Instrument.id)))[:2]
        assert len(chosen) == 2
        for inst in chosen:
            inst.run_status = "normal"
        db.session.commit()
        (i1, h1), (i2, h2) = [(i.id, i.institution_id) for i in chosen]
    holders = {h: who(app, "publisher", h) for h in {h1, h2}}
    with app.app_context():
        svc = current_services.bookings
        done = []
        for k, (instrument, holder, hours, fee, completed) in enumerate(((i1, h1, 2.5, 600, "2025-04-04"), (i1, h1, 4, 1000, "2025-06-06"),
                                                                        (i2, h2, 10, 3000, "2024-08-08"), (i1, h1, None, None, None))):
            start = TOMORROW + timedelta(days=k)
            booking = svc.request(company, instrument, {"start_at": start, "end_at": start + timedelta(hours=12), "sample": "样品 3 个"})
            svc.approve(holders[holder], booking.id)
            if hours is not None:
                svc.complete(holders[holder], booking.id, hours, fee, now=start + timedelta(hours=13))
                done.append((booking.id, completed))
        for booking_id, completed in done:
            db.session.get(InstrumentBooking, booking_id).completed_at = at(completed)
        db.session.commit()
    return [f"ins-{i1}", f"ins-{i2}"]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def world(request, tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("exchange-stats"), *DEMO, **store_config(request))
    companies = [who(app, "investor"), who(app, "intermediary")]
    make_inquiries(app, companies)
    patents = make_licences(app, companies)
    instruments = make_bookings(app, companies[0])
    yield World(app, patents, instruments, companies[0], [LICENSEE, *(c.email for c in companies)])
    close_app(app)


# -- what the figures are ---------------------------------------------------------------------------
ALL, THIS, LAST = None, 2025, 2024
STATUS = {ALL: [1, 0, 1, 4, 2], THIS: [1, 0, 1, 3, 1], LAST: [0, 0, 0, 1, 1]}  # sent, answered, negotiating, agreed, closed
AGREEMENTS = {ALL: (4, 1500000.0), THIS: (3, 500000.0), LAST: (1, 1000000.0)}
MODES = {  # transfer, license, equity, cooperation, other
    ALL: [(1, 0.0), (2, 500000.0), (1, 1000000.0), (0, 0.0), (0, 0.0)],
    THIS: [(1, 0.0), (2, 500000.0), (0, 0.0), (0, 0.0), (0, 0.0)],
    LAST: [(0, 0.0), (0, 0.0), (1, 1000000.0), (0, 0.0), (0, 0.0)],
}
FIELDS = {
    ALL: [("new_materials", 2, 300000.0), ("biomedicine", 1, 200000.0), ("unknown", 1, 1000000.0)],
    THIS: [("new_materials", 2, 300000.0), ("biomedicine", 1, 200000.0)],
    LAST: [("unknown", 1, 1000000.0)],
}
CITIES = {  # the cities with agreements; every other city of the vocabulary is there with 0
    ALL: {"changchun": (2, 500000.0), "jilin": (1, 0.0), "unknown": (1, 1000000.0)},
    THIS: {"changchun": (2, 500000.0), "jilin": (1, 0.0)},
    LAST: {"unknown": (1, 1000000.0)},
}
LICENCES = {ALL: (4, 150000.0, [(0, 2, 100000.0), (1, 1, 20000.0)]), THIS: (3, 130000.0, [(0, 2, 100000.0)]), LAST: (1, 20000.0, [(1, 1, 20000.0)])}
BOOKINGS = {ALL: (3, 16.5, 4600.0, [(1, 10.0, 1, 3000.0), (0, 6.5, 2, 1600.0)]), THIS: (2, 6.5, 1600.0, [(0, 6.5, 2, 1600.0)]),
            LAST: (1, 10.0, 3000.0, [(1, 10.0, 1, 3000.0)])}
YEARS = [ALL, THIS, LAST]
MODE_ORDER = ["transfer", "license", "equity", "cooperation", "other"]
CITY_CODES = ["changchun", "jilin", "siping", "liaoyuan", "tonghua", "baishan", "songyuan", "baicheng", "yanbian", "changbaishan",
              "changchun_new_area", "meihekou"]


def expected_cities(year) -> list[tuple[str, int, float]]:
    found = CITIES[year]
    return [(c, *found.get(c, (0, 0.0))) for c in CITY_CODES] + ([("unknown", *found["unknown"])] if "unknown" in found else [])


# -- the service --------------------------------------------------------------------------------------
@pytest.mark.parametrize("year", YEARS)
def test_the_service_counts_every_figure(world, year):
    with world.app.app_context():
        figures = current_services.exchange_stats.figures(world.member, year)
    assert figures.year == year
    assert [(g.key, g.count) for g in figures.inquiries] == list(zip(["sent", "answered", "negotiating", "agreed", "closed"], STATUS[year]))
    assert figures.inquiry_total == sum(STATUS[year])
    assert (figures.agreements, figures.agreement_amount) == AGREEMENTS[year]
    assert [(g.key, g.count, g.amount) for g in figures.by_mode] == [(m, *v) for m, v in zip(MODE_ORDER, MODES[year])]
    assert [(g.key, g.count, g.amount) for g in figures.by_field] == FIELDS[year]
    assert [(g.key, g.count, g.amount) for g in figures.by_city] == expected_cities(year)
    count, fees, top = LICENCES[year]
    assert (figures.licences, figures.licence_fees) == (count, fees)
    assert [(p.public_id, p.licences, p.fees) for p in figures.top_patents] == [(world.patents[i], n, f) for i, n, f in top]
    with world.app.app_context():
        titles = {p.public_id: p.title for p in db.session.scalars(select(Patent))}
    assert all(p.title == titles[p.public_id] for p in figures.top_patents)
    count, hours, fees, top = BOOKINGS[year]
    assert (figures.bookings, figures.booking_hours, figures.booking_fees) == (count, hours, fees)
    assert [(i.public_id, i.hours, i.bookings, i.fees) for i in figures.top_instruments] == [(world.instruments[k], h, n, f) for k, h, n, f in top]


def test_booking_fees_are_for_members_and_the_years_run_to_this_year(world):
    with world.app.app_context():
        svc = current_services.exchange_stats
        public = svc.figures(anonymous_identity)
        years = svc.years()
    assert public.booking_fees is None and all(i.fees is None for i in public.top_instruments)
    assert public.booking_hours == 16.5 and public.licence_fees == 150000.0  # the rest is public
    this_year = datetime.now(timezone.utc).year
    assert years == list(range(max(this_year, 2025), 2023, -1))
    with world.app.app_context():
        assert svc.figures(world.member, 2019).inquiry_total == 0


# -- the API --------------------------------------------------------------------------------------------
def api(client, **args) -> dict:
    response = client.get("/api/v1/stats/exchanges", query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


@pytest.mark.parametrize("year", YEARS)
def test_the_api_answers_the_same_figures(world, year):
    client = world.app.test_client()
    body = api(client, **({"year": year} if year else {}), lang="zh")
    assert body["year"] == year and body["years"][-1] == 2024
    assert body["inquiries"]["total"] == sum(STATUS[year])
    assert [(s["key"], s["count"]) for s in body["inquiries"]["by_status"]] == list(zip(["sent", "answered", "negotiating", "agreed", "closed"],
                                                                                          STATUS[year]))
    agreements = body["agreements"]
    assert (agreements["count"], agreements["amount"]) == AGREEMENTS[year]
    assert [(g["key"], g["count"], g["amount"]) for g in agreements["by_mode"]] == [(m, *v) for m, v in zip(MODE_ORDER, MODES[year])]
    assert [(g["key"], g["count"], g["amount"]) for g in agreements["by_field"]] == FIELDS[year]
    assert [(g["key"], g["count"], g["amount"]) for g in agreements["by_city"]] == expected_cities(year)
    count, fees, top = LICENCES[year]
    assert (body["licences"]["count"], body["licences"]["fees"]) == (count, fees)
    assert [(p["id"], p["licences"], p["fees"], p["url"]) for p in body["licences"]["top_patents"]] == [
        (world.patents[i], n, f, f"/records/{world.patents[i]}") for i, n, f in top]
    count, hours, _fees, top = BOOKINGS[year]
    bookings = body["bookings"]
    assert (bookings["count"], bookings["hours"], bookings["fees"]) == (count, hours, None)  # anonymous: no fees
    assert [(i["id"], i["hours"], i["bookings"], i["fees"]) for i in bookings["top_instruments"]] == [
        (world.instruments[k], h, n, None) for k, h, n, _f in top]


def test_the_api_speaks_both_languages_and_gives_members_the_fees(world):
    client = world.app.test_client()
    zh, en = api(client, lang="zh"), api(client, lang="en")
    assert [s["label"] for s in zh["inquiries"]["by_status"]] == ["已发送", "已答复", "谈判中", "达成协议", "已关闭（未达成协议）"]
    assert [s["label"] for s in en["inquiries"]["by_status"]] == ["Sent", "Answered", "In negotiation", "Agreement reached",
                                                                  "Closed without agreement"]
    assert [g["label"] for g in zh["agreements"]["by_mode"]][:3] == ["转让", "许可", "作价投资"]
    assert [g["label"] for g in en["agreements"]["by_mode"]][:3] == ["Assignment", "Licence", "Equity investment"]
    assert [g["label"] for g in zh["agreements"]["by_field"]] == ["新材料", "生物与新医药", "未注明"]
    assert [g["label"] for g in en["agreements"]["by_field"]] == ["New materials", "Biotechnology and new medicine", "Not stated"]
    assert (zh["agreements"]["by_city"][0]["label"], en["agreements"]["by_city"][0]["label"]) == ("长春市", "Changchun")
    member = world.app.test_client()
    token_headers = _token(world)
    body = member.get("/api/v1/stats/exchanges", headers=token_headers).get_json()
    assert body["bookings"]["fees"] == 4600.0 and [i["fees"] for i in body["bookings"]["top_instruments"]] == [3000.0, 1600.0]
    for text in world.secrets:
        assert text not in json.dumps(body, ensure_ascii=False)


def _token(world) -> dict[str, str]:
    from tests.apps import auth

    return auth(world.app, "investor")


@pytest.mark.parametrize("year", ["1999", "2101", "abc", "2025.5"])
def test_the_api_refuses_a_year_it_cannot_count(world, year):
    response = world.app.test_client().get("/api/v1/stats/exchanges", query_string={"year": year})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "validation_error"


def test_the_api_document_describes_it(world):
    doc = world.app.test_client().get("/api/v1/openapi.json").get_json()
    operation = doc["paths"]["/api/v1/stats/exchanges"]["get"]
    assert operation["operationId"] == "exchange_stats" and [p["name"] for p in operation["parameters"]] == ["year"]
    assert set(doc["components"]["schemas"]["ExchangeStats"]["required"]) == {"year", "years", "inquiries", "agreements", "licences", "bookings"}


# -- the page -------------------------------------------------------------------------------------------
def page(client, **args):
    response = client.get("/stats/exchanges", query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return lxml.html.fromstring(response.get_data(as_text=True))


def table(doc, key: str) -> list[list[str]]:
    """The rows of a table: the row's name, then its cells."""
    rows = doc.xpath(f'//*[@id="chart-{key}"]//table/tbody/tr')
    return [[cell.text_content().strip() for cell in row.xpath("./th|./td")] for row in rows]


def figure(doc, name: str) -> str:
    return doc.xpath(f'//*[@data-figure="{name}"]')[0].text_content().strip()


def test_the_page_shows_every_figure_in_chinese(world):
    doc = page(world.app.test_client(), lang="zh", year="2025")
    assert doc.xpath("//h1")[0].text_content() == "成果转化成交统计"
    assert doc.xpath('//nav[@class="type-tabs"]/a[@aria-current="page"]')[0].text_content() == "成果转化成交统计"
    assert doc.xpath('//select[@name="year"]/option[@selected]')[0].get("value") == "2025"
    assert {k: figure(doc, k) for k in ("inquiries", "agreements", "agreement-amount", "licences", "licence-fees", "bookings", "hours")} == {
        "inquiries": "6", "agreements": "3", "agreement-amount": "50万元", "licences": "3", "licence-fees": "13万元", "bookings": "2", "hours": "6.5"}
    assert not doc.xpath('//*[@data-figure="booking-fees"]')  # a visitor: no fees
    assert table(doc, "status") == [["已发送", "1", "16.7%"], ["已答复", "0", "0.0%"], ["谈判中", "1", "16.7%"], ["达成协议", "3", "50.0%"],
                                    ["已关闭（未达成协议）", "1", "16.7%"]]
    assert table(doc, "mode") == [["转让", "1", "0元", "33.3%"], ["许可", "2", "50万元", "66.7%"], ["作价投资", "0", "0元", "0.0%"],
                                  ["合作实施", "0", "0元", "0.0%"], ["其他", "0", "0元", "0.0%"]]
    assert table(doc, "field") == [["新材料", "2", "30万元", "66.7%"], ["生物与新医药", "1", "20万元", "33.3%"]]
    assert table(doc, "city")[:3] == [["长春市", "2", "50万元", "66.7%"], ["吉林市", "1", "0元", "33.3%"], ["四平市", "0", "0元", "0.0%"]]
    assert len(table(doc, "city")) == len(CITY_CODES)
    with world.app.app_context():
        p1 = db.session.get(Patent, int(world.patents[0].split("-")[1])).title
        i1 = db.session.get(Instrument, int(world.instruments[0].split("-")[1])).name
    assert table(doc, "patents") == [[p1, "2", "10万元", world.patents[0]]]
    assert doc.xpath('//*[@id="chart-patents"]//tbody//th/a')[0].get("href") == f"/records/{world.patents[0]}"
    assert table(doc, "instruments") == [[i1, "6.5", "2", world.instruments[0]]]  # no fee column for a visitor
    # the charts carry the tables' numbers (stats.js draws them; without it the tables show, open)
    data = json.loads(doc.xpath('//script[@id="chart-data-mode"]')[0].text)
    assert (data["labels"][:2], data["counts"][:2], data["kind"]) == (["转让", "许可"], [1, 2], "pie")
    data = json.loads(doc.xpath('//script[@id="chart-data-instruments"]')[0].text)
    assert (data["counts"], data["links"]) == ([6.5], [f"/records/{world.instruments[0]}"])
    assert all(d.get("open") is not None for d in doc.xpath('//details[@class="chart-table"]'))
    for t in doc.xpath("//table"):
        assert t.xpath("./caption") and all(th.get("scope") in ("col", "row") for th in t.xpath(".//th"))


def test_the_page_in_english_for_a_member_and_for_every_year(world):
    from tests.apps import signed_in

    client = signed_in(world.app, "investor")
    doc = page(client, lang="en")
    assert doc.xpath('//select[@name="year"]/option[@selected]')[0].get("value") == ""
    assert [o.get("value") for o in doc.xpath('//select[@name="year"]/option')][-2:] == ["2025", "2024"]
    assert {k: figure(doc, k) for k in ("inquiries", "agreements", "agreement-amount", "licence-fees", "hours", "booking-fees")} == {
        "inquiries": "8", "agreements": "4", "agreement-amount": "¥1.5M", "licence-fees": "¥150K", "hours": "16.5", "booking-fees": "¥4.6K"}
    titles = [h.text_content() for h in doc.xpath('//section[contains(@class, "chart-card")]/h2')]
    assert titles == ["Inquiries by status", "Agreements by mode of transfer", "Agreements by technology field",
                      "Agreements by city or prefecture", "Most licensed patents (top 10)", "Instruments by hours of service (top 10)"]
    assert table(doc, "status")[3] == ["Agreement reached", "4", "50.0%"]
    assert table(doc, "field") == [["New materials", "2", "¥300K", "50.0%"], ["Biotechnology and new medicine", "1", "¥200K", "25.0%"],
                                   ["Not stated", "1", "¥1M", "25.0%"]]
    assert table(doc, "city")[-1] == ["Not stated", "1", "¥1M", "25.0%"]
    assert [row[1:] for row in table(doc, "instruments")] == [["10", "1", "¥3K", world.instruments[1]], ["6.5", "2", "¥1.6K", world.instruments[0]]]
    assert [row[1:] for row in table(doc, "patents")] == [["2", "¥100K", world.patents[0]], ["1", "¥20K", world.patents[1]]]
    html = lxml.html.tostring(doc, encoding="unicode")
    assert world.patents[2] not in html  # licensed, but no longer published: not named
    for text in world.secrets:
        assert text not in html


def test_a_year_of_nothing_and_a_year_that_is_not_one(world):
    client = world.app.test_client()
    doc = page(client, year="2019")
    assert figure(doc, "inquiries") == "0" and table(doc, "field") == [] and not doc.xpath("//script[@type='application/json']")
    assert doc.xpath('//*[@id="chart-patents"]//p[@class="hint"]')
    for bad in ("abc", "1999", "-1"):
        response = client.get("/stats/exchanges", query_string={"year": bad})
        assert response.status_code == 303 and response.headers["Location"].endswith("/stats/exchanges")


def test_the_statistics_tabs_lead_to_it(world):
    doc = lxml.html.fromstring(world.app.test_client().get("/stats?lang=zh").get_data(as_text=True))
    assert "/stats/exchanges" in [a.get("href") for a in doc.xpath('//nav[@class="type-tabs"]/a')]
