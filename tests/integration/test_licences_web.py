"""Open-licence applications on the site and over the API (SQLite): a company applies from the
patent's page in a few clicks (its company filled in from the account, the end date from the
declared term, one confirmation), the holder's publisher grants or refuses with a reason, the
applicant may withdraw; each step is mailed to the other side (a real SMTP server) and audited;
the patent page counts the licences granted. Nobody but the two parties reads an application
(404, as one that does not exist); a patent whose declaration was withdrawn, or that is no
longer in force, cannot be applied for and says why, on the page and in the API; a cookie post
without its CSRF token changes nothing; the pages render in Chinese and in English."""
from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.apps import add_user, api_token, close_app, email_of, mail_config, make_app, signed_in
from web.extensions import db
from web.models import AuditEvent, Institution, LicenceApplication, User
from web.proxies import current_services
from web.services.identity import system_identity

pytestmark = pytest.mark.integration
DEMO = ["demo", "load", "--achievements", "5", "--patents", "10", "--instruments", "5"]
COMPANY = "长春某某新材料有限公司"
_serial = itertools.count(1)
TODAY = date.today()


@pytest.fixture(scope="module")
def site(tmp_path_factory, smtp):
    app = make_app(tmp_path_factory.mktemp("licences-web"), *DEMO, **mail_config(smtp))
    with app.app_context():
        first, second = db.session.scalars(select(Institution).order_by(Institution.id).limit(2)).all()
        app.home, app.home_name, app.away = first.id, first.name, second.id
        db.session.remove()
    yield app
    close_app(app)


def open_patent(app, legal_status: str = "in_force", **declaration) -> tuple[str, int]:
    """A new published patent of the site's home institution under an open-licence declaration
    (3 years, a lump sum of 50,000 yuan): (public id, row id)."""
    n = next(_serial)
    with app.app_context():
        rec = current_services.for_type("patent").create(system_identity, {
            "title": f"一种开放许可测试用复合材料的制备方法{n}", "application_no": f"2026{n:08d}.3", "kind": "invention",
            "applicants": [app.home_name], "legal_status": legal_status, "filed_at": "2020-03-01",
            "open_licence": {"declared_at": "2026-01-05", "payment": "lump_sum", "fee": 50000, "term": "3年",
                             "terms": "一次性支付许可使用费5万元，许可期限3年", **declaration}})
        db.session.remove()
        return rec.public_id, rec.id


def years_later(day: date, years: int) -> date:
    return day.replace(year=day.year + years, day=28) if (day.month, day.day) == (2, 29) else day.replace(year=day.year + years)


def company(app, **fields):
    return signed_in(app, "investor", organisation=COMPANY, phone="0431-88886666", **fields)


def holder(app):
    return signed_in(app, "publisher", institution_id=app.home)


def form_of(html: str) -> dict[str, str]:
    """The apply form's prefilled values, as the browser posts them (the confirmation unticked)."""
    form = html[html.index("data-apply-form"):]
    form = form[:form.index("</form>")]
    values = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and 'type="checkbox"' not in tag:
            values[name.group(1)] = value.group(1) if value else ""
    return values


def mails_to(smtp, address: str, subject: str, n: int = 1, timeout: float = 10):
    """The messages to ``address`` whose subject has ``subject``, once ``n`` have arrived."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in smtp.messages if m["To"] == address and subject in m["Subject"]]
        if len(found) >= n or time.monotonic() > deadline:
            assert len(found) >= n, f"{len(found)} mails to {address} about {subject!r}"
            return found


def scrub(html: str) -> str:
    """A page without what differs between two ids: the numbers and the CSP nonce."""
    return re.sub(r"\d+", "N", re.sub(r'nonce="[^"]+"', "", html))


def application_id(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:1500]
    return int(re.fullmatch(r".*/licences/(\d+)", response.headers["Location"]).group(1))


def panel(html: str) -> str:
    start = html.index('<section class="licence-panel"')
    return html[start:html.index("</section>", start)]


def apply_on_the_page(client, public_id: str, **changes) -> "object":
    html = client.get(f"/licences/apply/{public_id}").get_data(as_text=True)
    return client.post(f"/licences/apply/{public_id}", data={**form_of(html), "confirm": "y", **changes})


# -- the flow on the pages -----------------------------------------------------------------------------
def test_a_company_applies_in_a_few_clicks_and_the_holder_grants(site, smtp):
    public_id, patent_id = open_patent(site)
    buyer, seller = company(site), holder(site)
    page = buyer.get(f"/records/{public_id}").get_data(as_text=True)
    box = panel(page)
    assert "已授予许可 0 项" in box and "一次性付费" in box and "5万元" in box and "3年" in box
    assert f'href="/licences/apply/{public_id}"' in box
    # the form: the company from the account, today to the end of the declared term, the terms read-only
    form_page = buyer.get(f"/licences/apply/{public_id}")
    html = form_page.get_data(as_text=True)
    assert form_page.status_code == 200 and "exchange-tabs" in html and "0431-88886666" in html
    prefilled = form_of(html)
    assert prefilled["licensee"] == COMPANY and prefilled["start_date"] == TODAY.isoformat()
    assert prefilled["end_date"] == (years_later(TODAY, 3) - timedelta(days=1)).isoformat()
    assert 'name="fee"' not in html and "一次性支付许可使用费5万元" in html  # shown, not asked
    made = apply_on_the_page(buyer, public_id, scope="电池正极材料的生产")
    app_id = application_id(made)
    shown = buyer.get(made.headers["Location"]).get_data(as_text=True)
    assert "已提交许可申请" in shown and "待确认" in shown and COMPANY in shown and "data-withdraw" in shown and "data-grant" not in shown
    with site.app_context():
        a = db.session.get(LicenceApplication, app_id)
        assert (a.status, a.licensee, a.scope, a.fee, a.terms["term"]) == ("applied", COMPANY, "电池正极材料的生产", 50000, "3年")
        db.session.remove()
    # the holder's publisher is told, and finds it
    [mail] = mails_to(smtp, email_of(site, seller.user_id), "新的专利开放许可申请")
    body = mail.get_content()
    assert COMPANY in body and "0431-88886666" in body and f"/licences/{app_id}" in body and "Sign in to grant it" in body
    assert "待处理的许可申请 1 项" in panel(seller.get(f"/records/{public_id}").get_data(as_text=True))
    listed = seller.get("/licences/").get_data(as_text=True)
    assert f'data-application="{app_id}"' in listed and "待本单位确认的许可申请" in listed
    decide = seller.get(f"/licences/{app_id}").get_data(as_text=True)
    assert "data-grant" in decide and "data-refuse" in decide and "data-withdraw" not in decide
    granted = seller.post(f"/licences/{app_id}/grant", data={"csrf_token": seller.csrf, "note": "欢迎合作"})
    assert granted.status_code == 303
    after = seller.get(granted.headers["Location"]).get_data(as_text=True)
    assert "已授予许可，平台已登记" in after and "已授予" in after and "欢迎合作" in after and "已授予许可 1 项" in after
    [told] = mails_to(smtp, email_of(site, buyer.user_id), "已获授予")
    assert "欢迎合作" in told.get_content() and "was granted" in told["Subject"]
    # the patent page counts it, for everyone
    assert "已授予许可 1 项" in panel(site.test_client().get(f"/records/{public_id}").get_data(as_text=True))
    with site.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.target == f"licence:{app_id}")))
        assert {"licence.apply", "licence.grant"} <= actions
        db.session.remove()


def test_the_confirmation_and_the_services_rules_show_beside_the_fields(site):
    public_id, _ = open_patent(site)
    buyer = company(site)
    html = buyer.get(f"/licences/apply/{public_id}").get_data(as_text=True)
    unconfirmed = buyer.post(f"/licences/apply/{public_id}", data=form_of(html))
    assert unconfirmed.status_code == 422 and "请确认接受声明的许可条件" in unconfirmed.get_data(as_text=True)
    backwards = apply_on_the_page(buyer, public_id, end_date=TODAY.isoformat())
    text = backwards.get_data(as_text=True)
    assert backwards.status_code == 422 and 'id="end_date-error"' in text and "许可期限须在一天到 20 年之间" in text
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    english = buyer.post(f"/licences/apply/{public_id}?lang=en", data={**form_of(html), "confirm": "y", "start_date": yesterday})
    assert english.status_code == 422 and "a licence cannot start in the past" in english.get_data(as_text=True)
    with site.app_context():
        assert db.session.scalar(select(func.count()).select_from(LicenceApplication).where(
            LicenceApplication.applicant_id == buyer.user_id)) == 0
        db.session.remove()
    # one waiting application a patent: the form says so, and links to it
    app_id = application_id(apply_on_the_page(buyer, public_id))
    again = buyer.get(f"/licences/apply/{public_id}").get_data(as_text=True)
    assert "data-apply-form" not in again and f'href="/licences/{app_id}"' in again
    assert f'href="/licences/{app_id}"' in panel(buyer.get(f"/records/{public_id}").get_data(as_text=True))


def test_a_refusal_needs_its_reason_and_a_withdrawal_is_the_applicants(site, smtp):
    public_id, _ = open_patent(site)
    buyer, seller = company(site), holder(site)
    first = application_id(apply_on_the_page(buyer, public_id))
    silent = seller.post(f"/licences/{first}/refuse", data={"csrf_token": seller.csrf, "note": " "})
    assert silent.status_code == 422 and 'id="note-error"' in silent.get_data(as_text=True)
    refused = seller.post(f"/licences/{first}/refuse", data={"csrf_token": seller.csrf, "note": "许可范围与我方已有独占许可冲突"})
    assert refused.status_code == 303
    [told] = mails_to(smtp, email_of(site, buyer.user_id), "未获同意")
    assert "许可范围与我方已有独占许可冲突" in told.get_content()
    page = buyer.get(f"/licences/{first}").get_data(as_text=True)
    assert "已拒绝" in page and "拒绝理由" in page and "data-withdraw" not in page
    late = seller.post(f"/licences/{first}/grant", data={"csrf_token": seller.csrf})  # decided already: told, nothing changes
    assert late.status_code == 303 and "flash-error" in seller.get(late.headers["Location"]).get_data(as_text=True)
    second = application_id(apply_on_the_page(buyer, public_id))
    assert seller.post(f"/licences/{second}/withdraw", data={"csrf_token": seller.csrf}).status_code == 403  # the holder may not
    assert buyer.post(f"/licences/{second}/grant", data={"csrf_token": buyer.csrf}).status_code == 403  # nor the applicant grant
    gone = buyer.post(f"/licences/{second}/withdraw", data={"csrf_token": buyer.csrf})
    assert gone.status_code == 303 and "已撤回" in buyer.get(gone.headers["Location"]).get_data(as_text=True)
    mails_to(smtp, email_of(site, seller.user_id), "已撤回")
    with site.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.target.in_([f"licence:{first}", f"licence:{second}"]))))
        assert {"licence.apply", "licence.refuse", "licence.withdraw"} <= actions
        db.session.remove()


def test_nobody_but_the_parties_reads_an_application(site):
    public_id, _ = open_patent(site)
    buyer = company(site)
    app_id = application_id(apply_on_the_page(buyer, public_id))
    strangers = [company(site), signed_in(site, "intermediary"), signed_in(site, "reviewer"),
                 signed_in(site, "publisher", institution_id=site.away)]
    for client in strangers:
        assert client.get(f"/licences/{app_id}").status_code == 404
        assert scrub(client.get(f"/licences/{app_id}").get_data(as_text=True)) == scrub(client.get("/licences/99999999").get_data(as_text=True))
        assert client.post(f"/licences/{app_id}/grant", data={"csrf_token": client.csrf}).status_code == 404
        assert client.post(f"/licences/{app_id}/withdraw", data={"csrf_token": client.csrf}).status_code == 404
        assert f'data-application="{app_id}"' not in client.get("/licences/").get_data(as_text=True)
    for role in ("investor", "intermediary", "reviewer"):
        headers = {"Authorization": f"Bearer {api_token(site, role)}"}
        assert site.test_client().get(f"/api/v1/licence-applications/{app_id}", headers=headers).status_code == 404
        listed = site.test_client().get("/api/v1/licence-applications?scope=incoming", headers=headers).get_json()
        assert listed == []
    anonymous = site.test_client()
    assert "/account/login" in anonymous.get(f"/licences/{app_id}").headers["Location"]
    assert anonymous.get(f"/api/v1/licence-applications/{app_id}").status_code == 401
    # the applicant and the holder do; an administrator too
    assert buyer.get(f"/licences/{app_id}").status_code == 200
    assert holder(site).get(f"/licences/{app_id}").status_code == 200
    assert signed_in(site, "admin").get(f"/licences/{app_id}").status_code == 200


def test_the_holders_own_people_cannot_apply(site):
    public_id, _ = open_patent(site)
    seller = holder(site)
    assert "data-apply-licence" not in panel(seller.get(f"/records/{public_id}").get_data(as_text=True))
    assert seller.get(f"/licences/apply/{public_id}").status_code == 403
    token = {"Authorization": f"Bearer {api_token(site, 'publisher', institution_id=site.home)}"}
    refused = site.test_client().post(f"/api/v1/records/{public_id}/licence-applications", json={"licensee": "本单位"}, headers=token)
    assert refused.status_code == 403 and " / " in refused.get_json()["error"]["message"]


@pytest.mark.parametrize("change, code, zh, en", [
    ({"declaration": {"withdrawn_at": "2026-06-01"}}, "declaration_withdrawn", "开放许可声明已于 2026-06-01 撤回",
     "the open-licence declaration was withdrawn on 2026-06-01"),
    ({"legal_status": "lapsed"}, "patent_not_in_force", "专利权已不在有效状态", "the patent is no longer in force"),
])
def test_a_withdrawn_declaration_or_a_lapsed_patent_cannot_be_applied_for_and_says_why(site, change, code, zh, en):
    public_id, _ = open_patent(site, change.get("legal_status", "in_force"), **change.get("declaration", {}))
    buyer = company(site)
    box = panel(buyer.get(f"/records/{public_id}").get_data(as_text=True))
    assert zh in box and "data-apply-licence" not in box and "/licences/apply/" not in box
    assert en in panel(company(site).get(f"/records/{public_id}?lang=en").get_data(as_text=True))  # (a client of its own: ?lang= sticks)
    page = buyer.get(f"/licences/apply/{public_id}").get_data(as_text=True)
    assert zh in page and "data-apply-form" not in page
    posted = buyer.post(f"/licences/apply/{public_id}", data={"csrf_token": buyer.csrf, "licensee": COMPANY, "confirm": "y"})
    assert posted.status_code == 409 and zh in posted.get_data(as_text=True)
    # the API: the reason before applying, and the refusal
    headers = {"Authorization": f"Bearer {api_token(site, 'investor')}"}
    status = site.test_client().get(f"/api/v1/records/{public_id}/open-licence").get_json()
    assert status["applicable"] is False and status["reason"]["code"] == code and zh in status["reason"]["message"]
    assert en in status["reason"]["message"] and "apply" not in status["links"]
    refused = site.test_client().post(f"/api/v1/records/{public_id}/licence-applications", json={"licensee": COMPANY}, headers=headers)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == code
    assert zh in refused.get_json()["error"]["message"] and en in refused.get_json()["error"]["message"]


def test_a_cookie_post_without_its_csrf_token_changes_nothing(site):
    public_id, _ = open_patent(site)
    buyer = company(site)
    html = buyer.get(f"/licences/apply/{public_id}").get_data(as_text=True)
    fields = {k: v for k, v in form_of(html).items() if k != "csrf_token"}
    forged = buyer.post(f"/licences/apply/{public_id}", data={**fields, "confirm": "y"}, headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403
    api = buyer.post(f"/api/v1/records/{public_id}/licence-applications", json={"licensee": COMPANY})  # the session, no X-CSRFToken
    assert api.status_code == 403
    app_id = application_id(apply_on_the_page(buyer, public_id))
    seller = holder(site)
    assert seller.post(f"/licences/{app_id}/grant", data={"note": "x"}).status_code == 403
    assert buyer.post(f"/licences/{app_id}/withdraw").status_code == 403
    with site.app_context():
        assert db.session.get(LicenceApplication, app_id).status == "applied"
        assert db.session.scalar(select(func.count()).select_from(LicenceApplication).where(
            LicenceApplication.applicant_id == buyer.user_id)) == 1
        db.session.remove()


@pytest.mark.parametrize("lang, expected", [
    ("zh", ['<html lang="zh-CN"', "一次性付费", "5万元", "2026年1月5日"]),
    ("en", ['<html lang="en"', "Lump sum", "¥50K", "Jan 5, 2026"]),
])
def test_the_pages_render_in_chinese_and_in_english(site, lang, expected):
    public_id, _ = open_patent(site)
    buyer, seller = company(site), holder(site)
    app_id = application_id(apply_on_the_page(buyer, public_id))
    for client, path in ((buyer, f"/records/{public_id}"), (buyer, f"/licences/apply/{public_id}"), (buyer, f"/licences/{app_id}"),
                         (seller, f"/licences/{app_id}"), (buyer, "/licences/"), (seller, "/licences/")):
        response = client.get(f"{path}?lang={lang}")
        html = response.get_data(as_text=True)
        assert response.status_code == 200, path
        if path.startswith("/records/"):
            assert ("Open licence" if lang == "en" else "开放许可") in panel(html)
        if path != "/licences/":
            assert all(text in html for text in expected), (path, [t for t in expected if t not in html])
        else:
            assert expected[0] in html and 'aria-current="page"' in html


@pytest.mark.parametrize("term, filed, kind, start, end", [
    ("3年", None, "invention", date(2026, 12, 2), date(2029, 12, 1)),
    ("18个月", None, "invention", date(2026, 1, 10), date(2027, 7, 9)),
    ("至专利权有效期届满", date(2015, 3, 1), "invention", date(2026, 12, 2), date(2035, 2, 28)),
    ("至专利权有效期届满", date(2020, 5, 6), "utility", date(2026, 12, 2), date(2030, 5, 5)),
    ("30年", None, "invention", date(2026, 12, 2), date(2046, 12, 1)),  # never beyond the service's 20 years
    (None, None, None, date(2026, 12, 2), date(2027, 12, 1)),  # nothing to go by: a year
])
def test_the_end_date_follows_the_declared_term(term, filed, kind, start, end):
    from types import SimpleNamespace

    from web.services.licences import term_end

    patent = SimpleNamespace(open_licence={"term": term} if term else {}, filed_at=filed, kind=kind)
    assert term_end(patent, start) == end


# -- the API -------------------------------------------------------------------------------------------
def test_the_api_applies_lists_and_decides_as_the_pages_do(site, smtp):
    public_id, patent_id = open_patent(site)
    client = site.test_client()
    buyer_id = add_user(site, "investor", organisation=COMPANY)
    with site.app_context():
        buyer = {"Authorization": f"Bearer {current_services.accounts.create_token(db.session.get(User, buyer_id), 't').secret}"}
        db.session.commit()
        db.session.remove()
    seller_id = add_user(site, "publisher", institution_id=site.home)
    with site.app_context():
        seller = {"Authorization": f"Bearer {current_services.accounts.create_token(db.session.get(User, seller_id), 't').secret}"}
        db.session.commit()
        db.session.remove()
    before = client.get(f"/api/v1/records/{public_id}/open-licence", headers=buyer).get_json()
    assert before["applicable"] is True and before["licences_granted"] == 0 and before["waiting"] is None
    assert before["terms"]["fee"] == 50000 and before["suggested_end_date"] and before["links"]["apply"].endswith(
        f"/api/v1/records/{public_id}/licence-applications")
    # the same rules and words as the form
    missing = client.post(f"/api/v1/records/{public_id}/licence-applications", json={}, headers=buyer)
    assert missing.status_code == 422 and missing.get_json()["error"]["details"][0]["field"] == "licensee"
    assert "请填写被许可单位" in missing.get_json()["error"]["message"]
    past = client.post(f"/api/v1/records/{public_id}/licence-applications",
                       json={"licensee": COMPANY, "start_date": (TODAY - timedelta(days=2)).isoformat()}, headers=buyer)
    assert past.status_code == 422 and past.get_json()["error"]["details"][0]["field"] == "start_date"
    assert client.post(f"/api/v1/records/{public_id}/licence-applications", json={"licensee": COMPANY, "end_date": "soon"},
                       headers=buyer).status_code == 422
    assert client.post("/api/v1/records/ach-1/licence-applications", json={"licensee": COMPANY}, headers=buyer).status_code == 404
    made = client.post(f"/api/v1/records/{public_id}/licence-applications", json={"licensee": COMPANY}, headers=buyer)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert made.headers["Location"].endswith(f"/api/v1/licence-applications/{body['id']}")
    assert body["status"] == "applied" and body["start_date"] == TODAY.isoformat() and body["end_date"] == before["suggested_end_date"]
    assert body["terms"]["term"] == "3年" and body["fee"] == 50000 and "withdraw" in body["links"] and "grant" not in body["links"]
    assert client.post(f"/api/v1/records/{public_id}/licence-applications", json={"licensee": COMPANY}, headers=buyer).status_code == 409
    mails_to(smtp, email_of(site, seller_id), "新的专利开放许可申请")  # every publisher of the holder, this one too
    # the holder's side
    incoming = client.get("/api/v1/licence-applications?scope=incoming&status=applied", headers=seller).get_json()
    assert body["id"] in [a["id"] for a in incoming]
    assert client.get(f"/api/v1/records/{public_id}/open-licence", headers=seller).get_json()["waiting"] == 1
    assert client.post(f"/api/v1/licence-applications/{body['id']}/grant", headers=buyer).status_code == 403
    assert client.post(f"/api/v1/licence-applications/{body['id']}/withdraw", headers=seller).status_code == 403
    refuse = client.post(f"/api/v1/licence-applications/{body['id']}/refuse", json={"note": ""}, headers=seller)
    assert refuse.status_code == 422 and refuse.get_json()["error"]["details"] == [{"field": "note", "message": "请说明理由 / say why"}]
    granted = client.post(f"/api/v1/licence-applications/{body['id']}/grant", headers=seller)
    assert granted.status_code == 200 and granted.get_json()["status"] == "granted"
    assert granted.get_json()["patent"]["licences_granted"] == 1 and granted.get_json()["decided_at"]
    again = client.post(f"/api/v1/licence-applications/{body['id']}/grant", headers=seller)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "invalid_state"
    mine = client.get("/api/v1/licence-applications", headers=buyer).get_json()
    assert [a["id"] for a in mine] == [body["id"]] and mine[0]["status"] == "granted"
    assert client.get(f"/api/v1/records/{public_id}/open-licence").get_json()["licences_granted"] == 1
    mails_to(smtp, email_of(site, buyer_id), "已获授予")
    with site.app_context():
        assert current_services.licences.granted_count([patent_id]) == {patent_id: 1}
        db.session.remove()


def test_the_api_refuses_what_is_not_a_visible_patent(site):
    client = site.test_client()
    headers = {"Authorization": f"Bearer {api_token(site, 'investor')}"}
    with site.app_context():
        withdrawn = current_services.for_type("patent").create(system_identity, {
            "title": "未公开的开放许可专利", "application_no": f"2026{next(_serial):08d}.5", "applicants": [site.home_name],
            "open_licence": {"declared_at": "2026-01-05", "term": "1年"}}, status="withdrawn").public_id
        db.session.remove()
    for path in (f"/api/v1/records/{withdrawn}/open-licence", "/api/v1/records/ach-1/open-licence", "/api/v1/records/pat-99999999/open-licence"):
        assert client.get(path, headers=headers).status_code == 404, path
    assert client.post(f"/api/v1/records/{withdrawn}/licence-applications", json={"licensee": COMPANY}, headers=headers).status_code == 404
    assert client.get(f"/licences/apply/{withdrawn}").status_code == 302  # a visitor signs in first
    assert signed_in(site, "investor").get(f"/licences/apply/{withdrawn}").status_code == 404
    assert signed_in(site, "investor").get("/licences/apply/ach-1").status_code == 404
