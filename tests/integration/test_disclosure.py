"""Tiered disclosure: a visitor sees published public summaries (and is told how to see more),
members see contact details and full descriptions, and each such disclosure is logged, once per
member, record, kind and day, for the record's holder only; search hits, similar records and
exports never carry a member-only field, whoever asks."""
from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.apps import auth, close_app, make_app, signed_in
from web.extensions import db
from web.models import DisclosureEvent

from .disclosure_world import SECRETS, SUMMARY, TAIL, make_world

MEMBER_ONLY = [TAIL, *SECRETS.values()]


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    app.world = make_world(app)
    yield app
    close_app(app)


def leaked(text: str) -> list[str]:
    return [s for s in MEMBER_ONLY if s in text]


def events(app, **where) -> list[tuple]:
    with app.app_context():
        query = select(DisclosureEvent).order_by(DisclosureEvent.id)
        for key, value in where.items():
            query = query.where(getattr(DisclosureEvent, key) == value)
        rows = [(e.user_id, e.record_type, e.record_id, e.kind, e.channel) for e in db.session.scalars(query)]
        db.session.remove()
        return rows


# -- the record page and the API -------------------------------------------------------------------

@pytest.mark.parametrize("lang, notice", [("zh", "登录后可查看联系方式和完整介绍"), ("en", "Sign in to see the contact details and the full description")])
@pytest.mark.parametrize("record", ["achievement", "instrument", "institution"])
def test_a_visitor_gets_the_public_page_and_a_sign_in_notice(app, lang, notice, record):
    public_id = getattr(app.world, record)
    html = app.test_client().get(f"/records/{public_id}?lang={lang}").get_data(as_text=True)
    assert notice in html and f"/account/login?next=/records/{public_id}" in html
    assert leaked(html) == []
    if record == "achievement":
        assert SUMMARY[:30] in html and "寒地水稻钵育摆栽新工艺" in html  # what it is, and who holds it
    assert "吉林省甲研究院" in html


@pytest.mark.parametrize("role", ["investor", "intermediary", "reviewer", "publisher"])
def test_every_signed_in_role_sees_contact_details_and_the_full_description(app, role):
    client = signed_in(app, role, institution_id=app.world.other if role == "publisher" else None)
    html = client.get(f"/records/{app.world.achievement}").get_data(as_text=True)
    assert all(s in html for s in (TAIL, SECRETS["innovation"], SECRETS["status"], SECRETS["org"], SECRETS["phone"], SECRETS["email"]))
    assert "登录后可查看联系方式" not in html
    institution = client.get(f"/records/{app.world.institution}").get_data(as_text=True)
    assert SECRETS["org_contact"] in institution and SECRETS["org_phone"] in institution
    instrument = client.get(f"/records/{app.world.instrument}").get_data(as_text=True)
    assert SECRETS["fees"] in instrument and SECRETS["address"] in instrument


def test_the_api_leaves_out_member_only_fields_and_says_which(app):
    anonymous = app.test_client().get(f"/api/v1/records/{app.world.achievement}").get_json()
    assert anonymous["withheld"] == ["contact", "innovations", "application_status", "evaluation", "scores", "transfer_amount", "summary"]
    assert not {"contact", "innovations", "application_status", "evaluation", "scores", "transfer_amount"} & set(anonymous)
    assert anonymous["summary"].endswith("…") and TAIL not in anonymous["summary"] and anonymous["price"]["amount"] == 500000
    assert leaked(json.dumps(anonymous, ensure_ascii=False)) == []
    member = app.test_client().get(f"/api/v1/records/{app.world.achievement}", headers=auth(app, "investor")).get_json()
    assert member["withheld"] == [] and member["summary"] == SUMMARY and member["contact"]["phone"] == SECRETS["phone"]
    org = app.test_client().get(f"/api/v1/records/{app.world.institution}").get_json()
    assert org["withheld"] == ["contact_name", "contact_phone", "contact_email"] and org["address"]
    instrument = app.test_client().get(f"/api/v1/records/{app.world.instrument}").get_json()
    assert instrument["withheld"] == ["contact", "address", "fees"] and instrument["specs"] == "分辨率 1 nm"
    patent = app.test_client().get(f"/api/v1/records/{app.world.patent}").get_json()
    assert patent["withheld"] == [] and patent["first_claim"].startswith("1. 一种")  # public by law


# -- search hits, similar records, exports ----------------------------------------------------------

@pytest.mark.parametrize("who", ["anonymous", "investor", "admin"])
def test_search_hits_similar_records_and_exports_carry_no_member_only_field(app, who):
    headers = {} if who == "anonymous" else auth(app, who)
    client = app.test_client()
    for q in ("水稻", "XYZZY", "QUUXLY"):  # words of the public text, and of indexed hidden parts (still searchable)
        hits = client.get("/api/v1/search", query_string={"q": q, "type": "achievement"}, headers=headers).get_json()
        assert hits["total"] >= 1, q
        assert leaked(json.dumps(hits, ensure_ascii=False)) == [], q
        page = client.get("/search", query_string={"q": q, "type": "achievement"}, headers=headers).get_data(as_text=True)
        assert leaked(page) == [], q
    assert leaked(json.dumps(client.get("/api/v1/search", query_string={"q": "*"}, headers=headers).get_json(), ensure_ascii=False)) == []
    with app.app_context():
        from web.models import Achievement

        other = db.session.scalar(select(Achievement).where(Achievement.title == "寒地水稻育秧的另一种新工艺")).public_id
        db.session.remove()
    similar = client.get(f"/api/v1/records/{other}/similar", headers=headers).get_json()
    assert app.world.achievement in [h["id"] for h in similar["hits"]]
    assert leaked(json.dumps(similar, ensure_ascii=False)) == []
    exported = client.get("/search/export.csv", query_string={"q": "水稻", "type": "achievement"}, headers=headers)
    assert exported.status_code == 200 and "寒地水稻钵育摆栽新工艺" in exported.get_data(as_text=True)
    assert leaked(exported.get_data(as_text=True)) == []
    workbook = load_workbook(io.BytesIO(client.get("/search/export.xlsx", query_string={"q": "水稻"}, headers=headers).data))
    cells = " ".join(str(c.value) for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.value is not None)
    assert "寒地水稻钵育摆栽新工艺" in cells and leaked(cells) == []
    # the rows an export walks carry the public document only, whatever columns a format picks
    from web.proxies import current_services
    from web.services.export import ExportService
    from web.services.identity import system_identity
    from web.services.search import SearchParams

    with app.app_context():
        rows = list(ExportService(current_services.search).rows(system_identity, SearchParams(q="水稻", record_type="achievement")))
        db.session.remove()
    assert app.world.achievement in [r["id"] for r in rows] and leaked(json.dumps(rows, ensure_ascii=False)) == []
    assert not {"innovations", "quality_score"} & {k for r in rows for k in r}


# -- the disclosure log --------------------------------------------------------------------------------

def test_a_members_reads_are_logged_once_per_record_kind_and_day(app):
    investor = signed_in(app, "investor")
    for _ in range(3):
        assert investor.get(f"/records/{app.world.achievement}").status_code == 200
    token = auth(app, "intermediary")
    for _ in range(2):
        app.test_client().get(f"/api/v1/records/{app.world.achievement}", headers=token)
    app.test_client().get(f"/api/v1/records/{app.world.patent}", headers=token)  # nothing member-only: nothing to log
    rec_id = int(app.world.achievement.split("-")[1])
    logged = events(app)
    assert logged == [
        (investor.user_id, "achievement", rec_id, "contact", "page"), (investor.user_id, "achievement", rec_id, "description", "page"),
        (logged[2][0], "achievement", rec_id, "contact", "api"), (logged[2][0], "achievement", rec_id, "description", "api"),
    ]
    # the next day is a new day
    with app.app_context():
        for event in db.session.scalars(select(DisclosureEvent)):
            event.day -= timedelta(days=1)
        db.session.commit()
        db.session.remove()
    investor.get(f"/records/{app.world.achievement}")
    assert len(events(app, user_id=investor.user_id)) == 4


@pytest.mark.parametrize("who", ["anonymous", "holder", "admin"])
def test_visitors_and_the_records_maintainers_are_not_logged(app, who):
    client = {"anonymous": lambda: app.test_client(), "admin": lambda: signed_in(app, "admin"),
              "holder": lambda: signed_in(app, "publisher", institution_id=app.world.holder)}[who]()
    html = client.get(f"/records/{app.world.achievement}").get_data(as_text=True)
    assert (SECRETS["phone"] in html) == (who != "anonymous")
    assert events(app) == []


def test_a_second_write_of_the_same_event_is_absorbed(app):
    """Two requests of one member at the same moment: the unique key keeps one event."""
    from web.models import Achievement, User
    from web.proxies import current_services
    from web.services.accounts import identity_of

    investor = signed_in(app, "investor")
    with app.app_context():
        identity = identity_of(db.session.get(User, investor.user_id))
        rec = db.session.get(Achievement, int(app.world.achievement.split("-")[1]))
        log = current_services.disclosures
        assert log.note(identity, rec, "contact", "page") is True
        assert log.note(identity, rec, "contact", "api") is False  # found by the look-up
        original = log.session.scalar
        log.session.scalar = lambda *a, **k: None  # the look-up misses it, as a concurrent request's would
        try:
            assert log.note(identity, rec, "contact", "api") is False  # the unique key refuses it
        finally:
            log.session.scalar = original
        db.session.commit()
        db.session.remove()
    assert [e[3] for e in events(app)] == ["contact"]


def test_the_holder_sees_who_saw_what_and_nobody_else_does(app):
    investor = signed_in(app, "investor", organisation="长春创投")
    investor.get(f"/records/{app.world.achievement}")
    investor.get(f"/records/{app.world.institution}")
    holder = signed_in(app, "publisher", institution_id=app.world.holder)
    page = holder.get("/disclosures/").get_data(as_text=True)
    assert page.count("<tr>") == 1 + 3 and "长春创投" in page and "寒地水稻钵育摆栽新工艺" in page and "联系方式" in page
    english = holder.get("/disclosures/?lang=en").get_data(as_text=True)
    assert "Who saw our information" in english and "Contact details" in english and "Full description" in english
    only_org = holder.get(f"/disclosures/?record={app.world.institution}").get_data(as_text=True)
    assert only_org.count("<tr>") == 1 + 1
    api = app.test_client().get("/api/v1/disclosures", headers=auth(app, "publisher", institution_id=app.world.holder)).get_json()
    assert [(e["record"], e["kind"], e["user"]["organisation"]) for e in api["events"]] == [
        (app.world.institution, "contact", "长春创投"), (app.world.achievement, "description", "长春创投"),
        (app.world.achievement, "contact", "长春创投")]
    # another institution's publisher sees nothing of it, filtered or not
    other = signed_in(app, "publisher", institution_id=app.world.other)
    assert other.get("/disclosures/").get_data(as_text=True).count("<tr>") == 1 + 1  # the header and "nothing yet"
    assert "还没有查看记录" in other.get(f"/disclosures/?record={app.world.achievement}").get_data(as_text=True)
    other_api = app.test_client().get("/api/v1/disclosures", query_string={"record": app.world.achievement},
                                      headers=auth(app, "publisher", institution_id=app.world.other))
    assert other_api.get_json() == {"events": [], "next_before": None}
    assert other.get("/disclosures/export.csv").get_data(as_text=True).count("\n") == 1
    # members who hold nothing have no log at all; administrators see everything
    assert investor.get("/disclosures/").status_code == 403
    assert app.test_client().get("/api/v1/disclosures", headers=auth(app, "intermediary")).status_code == 403
    assert app.test_client().get("/api/v1/disclosures").status_code == 401
    assert len(app.test_client().get("/api/v1/disclosures", headers=auth(app, "admin")).get_json()["events"]) == 3


def test_the_log_exports_as_csv_that_runs_no_formulas(app):
    investor = signed_in(app, "investor", organisation="=HYPERLINK(\"http://evil.example\")")
    investor.get(f"/records/{app.world.achievement}")
    holder = signed_in(app, "publisher", institution_id=app.world.holder)
    response = holder.get(f"/disclosures/export.csv?record={app.world.achievement}")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["时间 time", "姓名 name", "邮箱 e-mail"] and len(rows) == 3
    assert {r[7] for r in rows[1:]} == {"联系方式", "完整介绍"} and all(r[4].startswith("'=") for r in rows[1:])
    english = list(csv.reader(io.StringIO(holder.get("/disclosures/export.csv?lang=en").data.decode("utf-8-sig"))))
    assert {r[7] for r in english[1:]} == {"Contact details", "Full description"} and english[1][3] == "Investor / company"


def test_the_log_pages_through_long_histories(app):
    holder_token = auth(app, "publisher", institution_id=app.world.holder)
    for _ in range(3):
        app.test_client().get(f"/api/v1/records/{app.world.achievement}", headers=auth(app, "investor"))
    first = app.test_client().get("/api/v1/disclosures?size=4", headers=holder_token).get_json()
    assert len(first["events"]) == 4 and first["next_before"] == first["events"][-1]["id"]
    rest = app.test_client().get(f"/api/v1/disclosures?size=4&before={first['next_before']}", headers=holder_token).get_json()
    assert len(rest["events"]) == 2 and rest["next_before"] is None


def test_sign_in_and_account_pages_say_that_reads_are_logged(app):
    assert "平台会记录并告知记录的持有单位" in app.test_client().get("/account/login").get_data(as_text=True)
    assert "the platform records it and shows the record's holder" in app.test_client().get("/account/login?lang=en").get_data(as_text=True)
    account = signed_in(app, "investor").get("/account/").get_data(as_text=True)
    assert "记录的持有单位可以看到是谁查看了" in account and "/access-requests/" in account and "/disclosures/" not in account
    assert "/disclosures/" in signed_in(app, "publisher").get("/account/").get_data(as_text=True)
