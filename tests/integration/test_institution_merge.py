"""Merging a duplicate institution into another, on both engines: every record follows (one
holder where both held it, positions kept), accounts and drafts follow, the counts are right,
search finds the records under the institution that stays and nothing under the one that went,
store and index agree, an import naming the merged institution afterwards lands on the one it
became, and the audit event lists what moved. Refusals and the API on the embedded engine, with
the embedded store and with production's (PostgreSQL: the moves meet its constraints)."""
from __future__ import annotations

import io
import json
import re
import uuid

import pytest
from sqlalchemy import func, select

from tests.apps import STORES, add_user, auth, close_app, make_app, signed_in, store_config
from web.extensions import db
from web.models import Achievement, Institution, InstitutionRedirect, Instrument, Patent, RecordDraft, User
from web.proxies import current_search, current_services
from web.services.identity import system_identity
from web.services.institution_directory import holdings

DEMO = ["demo", "load", "--achievements", "20", "--patents", "12", "--instruments", "6"]
TARGET = "吉林大学"
SOURCE = "吉林大学（中心校区）"  # stored with ASCII brackets: 吉林大学(中心校区)
CO_HOLDER = "长春理工大学"


def engine_app(tmp_path, engine: str, es_url: str | None):
    config = {}
    if engine == "elasticsearch":
        config = {"SEARCH_BACKEND": "elasticsearch", "SEARCH_ES_HOSTS": [es_url], "SEARCH_ES_NUMBER_OF_REPLICAS": 0,
                  "SEARCH_INDEX_PREFIX": f"merge{uuid.uuid4().hex[:8]}-"}
    return make_app(tmp_path, *DEMO, **config)


@pytest.fixture(params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.es)])
def app(request, tmp_path):
    es_url = request.getfixturevalue("es_url") if request.param == "elasticsearch" else None
    app = engine_app(tmp_path, request.param, es_url)
    yield app
    if request.param == "elasticsearch":
        with app.app_context():
            current_search.drop_indices()
    close_app(app)


@pytest.fixture(params=STORES)
def store_app(request, tmp_path):
    """The embedded engine, on each store."""
    app = make_app(tmp_path, *DEMO, **store_config(request))
    yield app
    close_app(app)


def create(record_type: str, **data):
    return current_services.for_type(record_type).create(system_identity, {"record_type": record_type, **data})


def make_duplicate(app) -> dict:
    """The duplicate, with records of every kind held alone and together with the target."""
    with app.app_context():
        source = create("institution", name=SOURCE, address="长春市朝阳区前进大街2699号", website="https://example.jlu.edu.cn")
        made = {
            "alone": create("achievement", title="合并测试成果甲", institutions=[SOURCE]),
            "source_leads": create("achievement", title="合并测试成果乙", institutions=[SOURCE, CO_HOLDER, TARGET]),
            "target_leads": create("achievement", title="合并测试成果丙", institutions=[TARGET, SOURCE]),
            "patent_alone": create("patent", title="合并测试专利甲", application_no="202410999001.3", applicants=[SOURCE]),
            "patent_both": create("patent", title="合并测试专利乙", application_no="202410999002.8", applicants=[TARGET, SOURCE]),
            "instrument": create("instrument", name="合并测试仪器", institution=SOURCE, asset_no="HB-001"),
        }
        target = db.session.scalar(select(Institution).where(Institution.name == TARGET))
        ids = {"source": source.id, "target": target.id, **{k: v.public_id for k, v in made.items()}}
        draft = RecordDraft(record_type="achievement", institution_id=source.id, title="草稿", data={"title": "草稿"})
        db.session.add(draft)
        db.session.commit()
        ids["draft"] = draft.id
        current_search.refresh()  # Elasticsearch shows the new records after its next refresh
    ids["publisher"] = add_user(app, "publisher", institution_id=ids["source"])
    return ids


def held_by(app, inst_id: int) -> dict[str, set[str]]:
    """Public ids of every record an institution holds."""
    with app.app_context():
        ach = {f"ach-{i}" for i in db.session.scalars(select(Achievement.id).where(Achievement.holders.any(institution_id=inst_id)))}
        pat = {f"pat-{i}" for i in db.session.scalars(select(Patent.id).where(Patent.applicants.any(institution_id=inst_id)))}
        ins = {f"ins-{i}" for i in db.session.scalars(select(Instrument.id).where(Instrument.institution_id == inst_id))}
        return {"achievements": ach, "patents": pat, "instruments": ins}


def search(client, **args) -> dict:
    response = client.get("/api/v1/search", query_string={"size": 100, **args})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def import_json(app, records: list[dict], filename: str = "after-merge.jsonl"):
    """What the upload form and the worker do, run to its end."""
    from ingest.pipeline import ImportPipeline
    from web.services.imports import ImportService

    data = "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode("utf-8")
    with app.app_context():
        job = ImportService.from_app().create_file_job(None, io.BytesIO(data), filename)
        job = ImportPipeline().run(job.id)
        assert job.status == "done" and job.rejected == 0, (job.status, job.message)
        return job.counts()


def test_merging_through_the_pages_moves_every_record_and_the_index_follows(app):
    ids = make_duplicate(app)
    before = {k: held_by(app, ids["source"])[k] | held_by(app, ids["target"])[k] for k in ("achievements", "patents", "instruments")}
    with app.app_context():
        users_before = holdings(db.session, [ids["target"]])[ids["target"]].users
    admin = signed_in(app, "admin")
    client = app.test_client()
    source_id, target_id = f"org-{ids['source']}", f"org-{ids['target']}"
    assert search(client, type="achievement", holder="吉林大学(中心校区)")["total"] == 3  # searchable before

    duplicates = admin.get("/admin/institutions/duplicates").get_data(as_text=True)
    assert f"/admin/institutions/merge?source={source_id}&amp;target={target_id}" in duplicates
    preview = admin.get("/admin/institutions/merge", query_string={"source": source_id, "target": TARGET})
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "确认合并" in page
    counts = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)", page))
    assert counts == {"科技成果": "3", "专利": "2", "仪器": "1", "发布者账号": "1", "稿件": "1"}
    assert "其中 2 项两个单位都是完成单位" in page and "其中 1 件两个单位都是申请人" in page
    assert held_by(app, ids["target"]) != before  # a preview moves nothing

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.split("merge-confirm")[1]).group(1)
    done = admin.post("/admin/institutions/merge", data={"source": source_id, "target": target_id, "csrf_token": token})
    assert done.status_code == 303
    assert "随之转移" in admin.get(done.headers["Location"]).get_data(as_text=True)

    with app.app_context():
        assert db.session.get(Institution, ids["source"]) is None
        target = db.session.get(Institution, ids["target"])
        assert target.name == TARGET and "吉林大学(中心校区)" in target.aliases
        assert target.address or target.website  # empty fields filled from the duplicate (if the target had them, kept)
        redirect = db.session.get(InstitutionRedirect, "吉林大学中心校区")
        assert redirect.institution_id == target.id and redirect.merged_id == ids["source"]
        holders = {pid: [(h.position, h.institution.name) for h in db.session.get(Achievement, int(pid[4:])).holders]
                   for pid in (ids["alone"], ids["source_leads"], ids["target_leads"])}
        assert holders == {ids["alone"]: [(0, TARGET)], ids["source_leads"]: [(0, TARGET), (1, CO_HOLDER)],
                           ids["target_leads"]: [(0, TARGET)]}  # one holder each, the earlier place kept
        assert db.session.get(Achievement, int(ids["source_leads"][4:])).natural_key == "合并测试成果乙|吉林大学"
        applicants = [(a.position, a.name, a.institution_id) for a in db.session.get(Patent, int(ids["patent_both"][4:])).applicants]
        assert applicants == [(0, TARGET, target.id)]
        assert [a.name for a in db.session.get(Patent, int(ids["patent_alone"][4:])).applicants] == [TARGET]
        instrument = db.session.get(Instrument, int(ids["instrument"][4:]))
        assert instrument.institution_id == target.id and instrument.natural_key == "吉林大学|HB-001"
        assert db.session.get(User, ids["publisher"]).institution_id == target.id
        assert db.session.get(RecordDraft, ids["draft"]).institution_id == target.id
        after = holdings(db.session, [target.id])[target.id]
        assert (after.achievements, after.patents, after.instruments, after.users) == (
            len(before["achievements"]), len(before["patents"]), len(before["instruments"]), users_before + 1)
        counts = current_services.indexer.institution_counts([target.id])[target.id]
        checks = current_services.indexer.check()  # the store and the index agree, record by record
        assert all(c.ok for c in checks), [(c.index, c.missing, c.stale, c.orphans) for c in checks if not c.ok]
    assert held_by(app, ids["target"]) == before

    # search: everything under the institution that stayed, nothing under the one that went
    assert search(client, type="achievement", holder="吉林大学(中心校区)")["total"] == 0
    assert {ids["alone"], ids["source_leads"], ids["target_leads"]} <= {h["id"] for h in search(client, type="achievement", holder=TARGET)["hits"]}
    assert {ids["patent_alone"], ids["patent_both"]} <= {h["id"] for h in search(client, type="patent", holder=TARGET)["hits"]}
    assert ids["instrument"] in {h["id"] for h in search(client, type="instrument", holder=TARGET)["hits"]}
    institutions = search(client, type="institution", q="中心校区")["hits"]
    assert source_id not in {h["id"] for h in institutions} and target_id in {h["id"] for h in institutions}  # found by its new alias
    target_doc = next(h for h in institutions if h["id"] == target_id)["source"]
    assert (target_doc["achievements_count"], target_doc["patents_count"], target_doc["instruments_count"]) == (
        counts["achievements"], counts["patents"], counts["instruments"])
    assert client.get(f"/api/v1/records/{source_id}").status_code == 404

    # the audit event lists what moved
    event = current_services_events(app, "institution.merge")[0]
    assert event.target == target_id and event.actor_id == admin.user_id
    moved = event.details["moved"]
    assert set(moved["achievements"]) == {ids["alone"], ids["source_leads"], ids["target_leads"]}
    assert set(moved["patents"]) == {ids["patent_alone"], ids["patent_both"]} and moved["instruments"] == [ids["instrument"]]
    assert moved["users"] == [ids["publisher"]] and moved["drafts"] == [ids["draft"]]
    assert set(event.details["duplicate_holders_dropped"]["achievements"]) == {ids["source_leads"], ids["target_leads"]}
    assert event.details["duplicate_holders_dropped"]["patents"] == [ids["patent_both"]]
    assert current_services_events(app, "user.update", target=f"user:{ids['publisher']}")[0].details["reason"] == "institution.merge"

    # an import naming the merged institution afterwards lands on the one it became
    counts = import_json(app, [
        {"record_type": "achievement", "title": "合并测试成果甲", "institutions": [SOURCE], "keywords": ["再次导入"]},
        {"record_type": "achievement", "title": "合并后导入的成果", "institutions": ["吉林大学 (中心校区)"]},
        {"record_type": "instrument", "name": "合并测试仪器更新版", "institution": SOURCE, "asset_no": "hb-001"},
        {"record_type": "institution", "name": SOURCE, "city": "长春市"},
    ])
    assert (counts["created"], counts["updated"]) == (1, 3), counts
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Institution).where(Institution.name_key == "吉林大学中心校区")) == 0
        assert db.session.scalar(select(func.count()).select_from(Achievement).where(Achievement.title == "合并测试成果甲")) == 1
        assert db.session.get(Achievement, int(ids["alone"][4:])).keywords == ["再次导入"]
        new = db.session.scalar(select(Achievement).where(Achievement.title == "合并后导入的成果"))
        assert [i.id for i in new.institutions] == [ids["target"]]
        instruments = db.session.scalars(select(Instrument).where(Instrument.asset_no.in_(["HB-001", "hb-001"]))).all()
        assert [(i.id, i.name, i.institution_id) for i in instruments] == [(int(ids["instrument"][4:]), "合并测试仪器更新版", ids["target"])]
        target = db.session.get(Institution, ids["target"])
        assert target.name == TARGET and "吉林大学(中心校区)" in target.aliases  # not renamed back
        current_search.refresh("achievements")
    assert search(client, type="achievement", holder="吉林大学(中心校区)")["total"] == 0


def current_services_events(app, action: str, **filters):
    with app.app_context():
        events = current_services.audit.events(action=action, **filters)
        db.session.expunge_all()
        return events


def test_merges_that_would_make_duplicates_are_refused_and_change_nothing(store_app):
    app = store_app
    ids = make_duplicate(app)
    with app.app_context():
        create("instrument", name="同一台仪器", institution=TARGET, asset_no="HB-001")  # the same asset number at both
        twin = create("achievement", title="合并测试成果甲", institutions=[TARGET]).public_id  # the same title, no identifiers
        draft = RecordDraft(record_type="institution", record_id=ids["source"], status="submitted", title=SOURCE, data={})
        db.session.add(draft)
        db.session.commit()
        draft_id = draft.id
    before = held_by(app, ids["source"])
    admin = signed_in(app, "admin")
    source_id, target_id = f"org-{ids['source']}", f"org-{ids['target']}"
    page = admin.get("/admin/institutions/merge", query_string={"source": source_id, "target": target_id}).get_data(as_text=True)
    problems = re.findall(r"<li>([^<]+)</li>", page.split('role="alert"')[1].split("</ul>")[0])
    assert len(problems) == 3 and "确认合并" not in page, problems
    assert "HB-001" in problems[0] and ids["alone"] in problems[1] and twin in problems[1] and f"#{draft_id}" in problems[2]
    refused = admin.post("/admin/institutions/merge", data={"source": source_id, "target": target_id, "csrf_token": admin.csrf})
    assert refused.status_code == 303
    with app.app_context():
        assert db.session.get(Institution, ids["source"]) is not None
    assert held_by(app, ids["source"]) == before
    assert current_services_events(app, "institution.merge") == []
    itself = admin.get("/admin/institutions/merge", query_string={"source": source_id, "target": source_id}).get_data(as_text=True)
    assert "不能把单位合并到它自己" in itself
    unknown = admin.get("/admin/institutions/merge", query_string={"source": source_id, "target": "没有这个单位"})
    assert unknown.status_code == 422 and "没有这个单位" in unknown.get_data(as_text=True)
    assert admin.get("/admin/institutions/merge", query_string={"source": "org-999999"}).status_code == 404


def test_merging_through_the_api_with_a_dry_run_first(store_app):
    app = store_app
    ids = make_duplicate(app)
    headers = auth(app)
    client = app.test_client()
    url = f"/api/v1/admin/institutions/org-{ids['source']}/merge"
    dry = client.post(url, json={"target": f"org-{ids['target']}", "dry_run": True}, headers=headers)
    assert dry.status_code == 200 and dry.get_json()["merged"] is False
    assert set(dry.get_json()["moved"]["achievements"]) == {ids["alone"], ids["source_leads"], ids["target_leads"]}
    with app.app_context():
        assert db.session.get(Institution, ids["source"]) is not None  # a dry run moves nothing
    assert client.post("/api/v1/admin/institutions/org-999999/merge", json={"target": f"org-{ids['target']}"}, headers=headers).status_code == 404
    assert client.post(url, json={"target": "org-999999"}, headers=headers).status_code == 404
    assert client.post(url, json={"target": "吉林大学"}, headers=headers).status_code == 422
    itself = client.post(url, json={"target": f"org-{ids['source']}"}, headers=headers)
    assert itself.status_code == 409 and itself.get_json()["error"]["code"] == "merge_refused"
    done = client.post(url, json={"target": f"org-{ids['target']}"}, headers=headers)
    assert done.status_code == 200 and done.get_json()["merged"] is True
    assert done.get_json()["moved"]["instruments"] == [ids["instrument"]]
    assert client.post(url, json={"target": f"org-{ids['target']}"}, headers=headers).status_code == 404  # gone
    # the merged institution's number is never given out again: a newcomer under it would stay
    # unsearchable behind the merged one's tombstone in the index
    with app.app_context():
        newcomer = create("institution", name="合并之后新建的示例研究院").public_id
    assert newcomer != f"org-{ids['source']}"
    assert newcomer in {h["id"] for h in search(client, type="institution", q="合并之后新建")["hits"]}


def test_a_name_merged_twice_leads_to_the_last_institution(store_app):
    """A into B, then B into C: records under A's name land on C; both names are C's aliases."""
    app = store_app
    with app.app_context():
        a, b, c = (create("institution", name=n) for n in ("长春示例研究所", "长春示例研究院", "吉林省示例研究院"))
        create("achievement", title="甲所的成果", institutions=["长春示例研究所"])
        ids = a.public_id, b.public_id, c.public_id
        current_services.merges.merge(system_identity, ids[0], ids[1])
        current_services.merges.merge(system_identity, ids[1], ids[2])
        target = db.session.get(Institution, c.id)
        assert {"长春示例研究所", "长春示例研究院"} <= set(target.aliases)
        assert {r.name_key: r.institution_id for r in db.session.scalars(select(InstitutionRedirect))} == {
            "长春示例研究所": c.id, "长春示例研究院": c.id}
        created = create("achievement", title="后来导入的成果", institutions=["长春示例研究所"])
        assert [i.id for i in created.institutions] == [c.id]
        again = create("achievement", title="甲所的成果", institutions=["长春示例研究所"])  # the same record, found again
        assert db.session.scalar(select(func.count()).select_from(Achievement).where(Achievement.title == "甲所的成果")) == 1
        assert [i.id for i in again.institutions] == [c.id]


def test_a_conflict_that_appears_after_the_checks_merges_nothing(store_app, monkeypatch):
    """Another import adds the same asset number to the target between the preview and the
    commit: the store's unique rule stops the merge, and all of it is rolled back."""
    from web.services.institution_merge import InstitutionMerge

    app = store_app
    ids = make_duplicate(app)
    with app.app_context():
        create("instrument", name="同一台仪器", institution=TARGET, asset_no="HB-001")
    monkeypatch.setattr(InstitutionMerge, "_find_problems", lambda self, plan: None)  # as if it came after the checks
    before = held_by(app, ids["source"])
    admin = signed_in(app, "admin")
    answer = admin.post("/admin/institutions/merge", data={"source": f"org-{ids['source']}", "target": f"org-{ids['target']}",
                                                           "csrf_token": admin.csrf})
    assert answer.status_code == 303
    assert "未做任何更改" in admin.get(answer.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Institution, ids["source"]) is not None
        assert db.session.get(User, ids["publisher"]).institution_id == ids["source"]
    assert held_by(app, ids["source"]) == before and current_services_events(app, "institution.merge") == []


def test_an_import_batch_looks_its_institutions_up_at_once_and_lands_where_one_by_one_did(store_app):
    """The batch's holder names are looked up together (``InstitutionResolver.prefetch``): a
    merged name still lands on the institution it became, a known name on its row, and a new
    name named by two records of the batch becomes one institution; no name is looked up alone."""
    from sqlalchemy import event

    app = store_app
    with app.app_context():
        old, new = (create("institution", name=n) for n in ("长春批量研究所", "吉林省批量研究院"))
        current_services.merges.merge(system_identity, old.public_id, new.public_id)
        new_id = new.id
        lookups: list[str] = []

        def one_by_one(conn, cursor, statement, parameters, context, executemany):
            if "FROM institutions" in statement and "institutions.name_key = " in statement:
                lookups.append(statement)

        event.listen(db.engine, "before_cursor_execute", one_by_one)
    try:
        counts = import_json(app, [
            {"record_type": "achievement", "title": "批量查找的成果一", "institutions": ["长春批量研究所", TARGET]},
            {"record_type": "achievement", "title": "批量查找的成果二", "institutions": ["新出现的批量单位", "长春批量研究所"]},
            {"record_type": "achievement", "title": "批量查找的成果三", "institutions": ["新出现的批量单位"]},
        ], filename="batch-lookup.jsonl")
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", one_by_one)
    assert counts["created"] == 3 and lookups == []
    with app.app_context():
        made = {a.title: [i.name for i in a.institutions] for a in db.session.scalars(select(Achievement).where(Achievement.title.like("批量查找的成果%")))}
        assert made == {"批量查找的成果一": ["吉林省批量研究院", TARGET], "批量查找的成果二": ["新出现的批量单位", "吉林省批量研究院"],
                        "批量查找的成果三": ["新出现的批量单位"]}
        assert db.session.scalar(select(func.count()).select_from(Institution).where(Institution.name == "新出现的批量单位")) == 1
        assert all(i.id == new_id for a in db.session.scalars(select(Achievement).where(Achievement.title == "批量查找的成果一"))
                   for i in a.institutions[:1])
