"""Technology needs (技术需求), on both engines: a company posts one and it goes through the same
review as other records; it is a fourth searchable type with facets; its page offers the results
that could answer it with the reason, and results offer the open needs; holders of matching
results are told (a row on their needs page and one e-mail). Drafts and needs are the poster's."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.apps import PASSWORD, add_user, api_token, close_app, csrf_token_of, make_app, signed_in
from tests.factories import AchievementInput, NeedInput, load_achievements
from web.extensions import db
from web.models import Need, NeedMatch, User
from web.proxies import current_search, current_services
from web.services.search import SearchParams
from web.services.identity import Identity, anonymous_identity, system_identity
from web.services.records import PermissionDenied, RecordNotFound

pytestmark = pytest.mark.integration

ENGINES = ["sqlite", pytest.param("elasticsearch", marks=pytest.mark.es)]
BATTERY = AchievementInput.build(title="锂电池正极材料低成本制备技术", keywords=["锂电池", "正极材料"], field="new_energy",
                                 summary="一种锂离子电池正极材料的低成本制备工艺，循环寿命长。", institutions=["吉林大学"])
RICE = AchievementInput.build(title="寒地水稻节水栽培技术", keywords=["水稻", "节水"], field="modern_agriculture",
                              summary="适用于寒地的水稻节水栽培方法。", institutions=["吉林农业大学"])


@pytest.fixture(params=ENGINES)
def app(request, tmp_path, smtp):
    config = {"ALERTS_MATCHING": "inline", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "MAIL_TIMEOUT": 5,
              "PUBLIC_BASE_URL": "http://tt.test"}
    if request.param == "elasticsearch":
        config.update(SEARCH_BACKEND="elasticsearch", SEARCH_ES_HOSTS=[request.getfixturevalue("es_url")],
                      SEARCH_ES_NUMBER_OF_REPLICAS=0, SEARCH_INDEX_PREFIX=f"nd{uuid.uuid4().hex[:8]}-")
    app = make_app(tmp_path, **config)
    yield app
    with app.app_context():
        current_search.drop_indices()
    close_app(app)


def person(app, role: str, **fields) -> Identity:
    uid = add_user(app, role, **fields)
    with app.app_context():
        inst = db.session.get(User, uid).institution_id
    return Identity(str(uid), frozenset({role}), institution_id=inst if role == "publisher" else None)


def post_need(app, company: Identity, **data) -> str:
    """Draft, submit, approve: the need's public id."""
    reviewer = person(app, "reviewer")
    with app.app_context():
        drafts = current_services.drafts
        draft = drafts.create(company, "need", NeedInput.build(**data))
        drafts.submit(company, draft.id)
        need = drafts.approve(reviewer, draft.id)
        db.session.commit()
        current_search.refresh()
        return need.public_id


def test_a_need_goes_through_review_and_is_the_posters(app):
    load_achievements(app, [RICE])  # an institution for the publisher
    company = person(app, "investor", organisation="长春锂电科技有限公司")
    other, publisher = person(app, "investor"), person(app, "publisher")
    with app.app_context():
        drafts = current_services.drafts
        draft = drafts.create(company, "need", NeedInput.build(organisation=None))
        db.session.commit()
        assert draft.data["organisation"] == "长春锂电科技有限公司"  # the company's name from its account
        with pytest.raises(RecordNotFound):
            drafts.get(other, draft.id)  # another company's draft does not exist for them
        with pytest.raises(PermissionDenied):
            drafts.create(publisher, "need", NeedInput.build())  # needs are posted by companies and intermediaries
        with pytest.raises(PermissionDenied):
            drafts.create(company, "achievement", AchievementInput.build())
        assert [d.id for d in drafts.listing(company)] == [draft.id]
        assert drafts.listing(other) == []
    need_id = post_need(app, company, title="高镍正极材料量产工艺需求")
    with app.app_context():
        need = current_services.for_type("need").get(anonymous_identity, need_id)
        assert need.owner_id == company.user_id and need.status == "published"
        service = current_services.for_type("need")
        assert service.can_maintain(company, need) and not service.can_maintain(other, need)
        service.withdraw(company, need_id)
        db.session.commit()
        with pytest.raises(RecordNotFound):
            service.get(other, need_id)
        assert service.get(company, need_id).status == "withdrawn"  # the owner still sees it


def test_needs_are_a_searchable_type_with_facets(app):
    company = person(app, "investor")
    post_need(app, company, title="新能源汽车电池热管理需求", field="new_energy", city="jilin", budget_max=5_000_000,
              cooperation_modes=["commissioned"])
    post_need(app, company, title="玉米秸秆综合利用技术需求", field="modern_agriculture", city="changchun", budget_min=50_000,
              budget_max=80_000, cooperation_modes=["transfer"])
    with app.app_context():
        view = current_services.search.search(anonymous_identity, SearchParams(record_type="need"))
        assert view.total == 2
        facets = {f.key: {v.key: v.count for v in f.values} for f in view.facets}
        assert facets["field"] == {"new_energy": 1, "modern_agriculture": 1}
        assert facets["cooperation"] == {"commissioned": 1, "transfer": 1}
        assert facets["budget"]["1m-10m"] == 1 and facets["budget"]["lt100k"] == 1
        found = current_services.search.search(anonymous_identity, SearchParams(q="秸秆", record_type="need"))
        assert [h["title"] for h in found.hits] == ["玉米秸秆综合利用技术需求"]
        narrowed = current_services.search.search(anonymous_identity, SearchParams(record_type="need", selections={"cooperation": ["commissioned"]}))
        assert [h["title"] for h in narrowed.hits] == ["新能源汽车电池热管理需求"]
        # the search of every type is the supply side: needs have their own tab
        assert all(h["record_type"] != "need" for h in current_services.search.search(anonymous_identity, SearchParams(q="需求")).hits)


def test_matching_both_ways_with_the_reason(app, smtp):
    battery_id, rice_id = load_achievements(app, [BATTERY, RICE])
    with app.app_context():
        jlu = current_services.for_type("achievement").get(system_identity, battery_id).institutions[0]
    holder = person(app, "publisher", institution_id=jlu.id)
    before = len(smtp.messages)
    company = person(app, "investor")
    need_id = post_need(app, company, title="寻求锂电池正极材料的低成本制备技术", keywords=["正极材料", "锂电池"], field="new_energy",
                        description="公司生产锂电池，需要降低正极材料成本并提高循环寿命。")
    expired = post_need(app, company, title="锂电池正极材料回收技术需求（已截止）", keywords=["正极材料"], field="new_energy",
                        deadline=(date.today() - timedelta(days=1)).isoformat())
    with app.app_context():
        matching = current_services.need_matching
        results = matching.results_for_need(anonymous_identity, need_id)
        assert results and results[0].id == battery_id
        top = results[0]
        assert "锂电池" in top.shared and "正极材料" in top.shared and top.same_field
        assert rice_id not in [m.id for m in matching.results_for_need(anonymous_identity, need_id, same_field=True)]
        offered = matching.needs_for_record(anonymous_identity, "achievements", battery_id)
        assert need_id in [m.id for m in offered] and expired not in [m.id for m in offered]  # open needs only
        # the holder of the matching result is told: a row for its needs page, one e-mail to its publisher
        rows = current_services.need_alerts.for_institution(jlu.id)
        assert {(r.need.public_id, r.record_id) for r in rows} >= {(need_id, battery_id)}
        assert all(r.institution_id == jlu.id for r in rows)
        # matching again tells nobody twice
        count = db.session.scalar(select(db.func.count()).select_from(NeedMatch))
        current_services.need_alerts.notify([need_id])
        assert db.session.scalar(select(db.func.count()).select_from(NeedMatch)) == count
    mails = [m for m in smtp.messages[before:] if holder_email(app, holder) in m["To"]]
    assert len([m for m in mails if "寻求锂电池正极材料" in m["Subject"]]) == 1
    body = mails[0].get_content()
    assert battery_id in body and f"http://tt.test/records/{need_id}" in body


def holder_email(app, who: Identity) -> str:
    with app.app_context():
        return db.session.get(User, who.user_id).email


def test_pages_and_api(app):
    battery_id, = load_achievements(app, [BATTERY])
    client = signed_in(app, "investor", organisation="吉林省测试企业有限公司")
    page = client.get("/needs/new")
    assert page.status_code == 200 and "吉林省测试企业有限公司" in page.get_data(as_text=True)
    form = {"csrf_token": client.csrf, "f-title": "锂电池正极材料降本需求", "f-description": "需要降低锂电池正极材料成本的工艺。",
            "f-keywords": "锂电池；正极材料", "f-field": "新能源", "f-city": "长春市", "f-budget_max": "100",
            "f-cooperation_modes": "joint_development", "f-organisation": "吉林省测试企业有限公司"}
    answer = client.post("/needs/new", data=form)
    assert answer.status_code == 303, answer.get_data(as_text=True)[:2000]
    draft_url = answer.headers["Location"]
    draft_id = int(draft_url.rstrip("/").split("/")[-1])
    assert client.post(f"/publish/drafts/{draft_id}/submit", data={"csrf_token": client.csrf}).status_code in (302, 303)
    mine = client.get("/needs/mine").get_data(as_text=True)
    assert "锂电池正极材料降本需求" in mine
    bad = client.post("/needs/new", data={**form, "f-title": "", "f-cooperation_modes": ""})
    assert bad.status_code == 422
    assert client.post("/needs/new", data={k: v for k, v in form.items() if k != "csrf_token"}).status_code in (400, 403)
    reviewer = api_token(app, "reviewer")
    answer = app.test_client().post(f"/api/v1/drafts/{draft_id}/approve", headers={"Authorization": f"Bearer {reviewer}"})
    assert answer.status_code == 200, answer.get_json()
    with app.app_context():
        need = db.session.scalar(select(Need))
        need_id = need.public_id
        assert need.budget_max == 1_000_000  # 100 万元
        current_search.refresh()
    page = app.test_client().get(f"/records/{need_id}").get_data(as_text=True)
    assert "可满足此需求的成果" in page and battery_id in page and "匹配理由" in page
    en = app.test_client().get(f"/records/{need_id}?lang=en").get_data(as_text=True)
    assert "Results that could answer this need" in en
    record_page = app.test_client().get(f"/records/{battery_id}").get_data(as_text=True)
    assert "可对接的技术需求" in record_page and need_id in record_page
    # the API: a company posts a need as a draft with its token
    token = api_token(app, "investor", organisation="API测试企业")
    made = app.test_client().post("/api/v1/drafts", json={"record_type": "need", **NeedInput.build(organisation=None)},
                                  headers={"Authorization": f"Bearer {token}"})
    assert made.status_code == 201 and made.get_json()["data"]["organisation"] == "API测试企业"
    refused = app.test_client().post("/api/v1/drafts", json={"record_type": "need", **NeedInput.build(cooperation_modes=[])},
                                     headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 422 and "cooperation_modes" in str(refused.get_json())
    listed = app.test_client().get("/api/v1/search?type=need").get_json()
    assert [h["id"] for h in listed["hits"]] == [need_id]
    assert app.test_client().get(f"/api/v1/records/{need_id}").get_json()["organisation"] == "吉林省测试企业有限公司"


def test_an_inquiry_about_a_need_reaches_the_company_that_posted_it(app):
    battery_id, = load_achievements(app, [BATTERY])
    with app.app_context():
        jlu = current_services.for_type("achievement").get(system_identity, battery_id).institutions[0]
    company, other = person(app, "investor"), person(app, "investor")
    university = person(app, "publisher", institution_id=jlu.id)
    need_id = post_need(app, company, title="寻求锂电池正极材料合作")
    with app.app_context():
        inquiries = current_services.inquiries
        with pytest.raises(Exception) as own:
            inquiries.send(company, need_id, "自己的需求", "不应允许")
        assert getattr(own.value, "code", None) == "own_record"
        inquiry = inquiries.send(university, need_id, "我校可满足此需求", f"我校成果 {battery_id} 可以满足。")
        assert inquiry.holder_user_id == company.user_id and inquiry.holder_institution_id is None
        inquiry_id = inquiry.id
        assert [i.id for i in inquiries.list(company)] == [inquiry_id]  # the company's inbox
        with pytest.raises(LookupError):
            inquiries.get(other, inquiry_id)  # nobody else reads it
        assert not inquiries.contacts_visible(inquiry)
        inquiries.reply(company, inquiry_id, "欢迎来厂交流。")
        db.session.commit()
        assert inquiries.get(company, inquiry_id).status == "answered" and inquiries.contacts_visible(inquiries.get(university, inquiry_id))
        inquiries.agree(company, inquiry_id, "cooperation", 300000)
        db.session.commit()
    # the pages: the company sees its need's inquiries; the university's button says whom it writes to
    owner_page = signed_in_as(app, company).get(f"/records/{need_id}").get_data(as_text=True)
    assert "data-open-inquiries" in owner_page and "需求方反馈" not in owner_page
    page = signed_in_as(app, university).get(f"/records/{need_id}").get_data(as_text=True)
    assert "联系需求方" in page


def signed_in_as(app, who: Identity):
    """A test client signed in, through the sign-in form, as an existing account."""
    with app.app_context():
        email = db.session.get(User, who.user_id).email
    client = app.test_client()
    answer = client.post("/account/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token_of(client)})
    assert answer.status_code == 303
    return client
