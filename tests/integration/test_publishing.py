"""The publishing workflow: publishers prepare drafts of their institution's records (forms, API,
imports), reviewers approve or reject them, only published records are searchable, every change
is a version with a history and a diff, and no edit silently overwrites another."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from tests.apps import auth, close_app, make_app, signed_in, store_config
from web.extensions import db
from web.models import Achievement, AuditEvent, Institution, RecordDraft, RecordVersion, User

DEMO = ["demo", "load", "--achievements", "30", "--patents", "10", "--instruments", "6"]
NEW = {"f-title": "黑土地保护性耕作新装备", "f-summary": "一种用于黑土地的保护性耕作装备，减少风蚀与水蚀。", "f-field": "modern_agriculture",
       "f-trl": "6", "f-transfer_modes": ["transfer", "license"], "f-price.amount": "50", "f-keywords": "黑土地；保护性耕作"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def app(request, tmp_path):
    """The embedded store, and production's (PostgreSQL): versions, revisions and ids behave alike."""
    app = make_app(tmp_path, *DEMO, **store_config(request))
    yield app
    close_app(app)


def found(app, words: str) -> list[str]:
    return [h["id"] for h in app.test_client().get("/api/v1/search", query_string={"q": words, "size": 50}).get_json()["hits"]]


def institution_name(app, client) -> str:
    with app.app_context():
        user = db.session.get(User, client.user_id)
        return user.institution.name


def draft_id_of(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/publish/drafts/(\d+)$", response.headers["Location"]).group(1))


def post(client, url: str, **data):
    return client.post(url, data={"csrf_token": client.csrf, **data})


def test_from_draft_to_published_and_found(app):
    publisher, reviewer = signed_in(app, "publisher"), signed_in(app, "reviewer")
    draft_id = draft_id_of(post(publisher, "/publish/new/achievement", **NEW))
    page = publisher.get(f"/publish/drafts/{draft_id}").get_data(as_text=True)
    assert "发布后的样子" in page and "黑土地保护性耕作新装备" in page
    assert "现代农业" in page and "modern_agriculture" not in page  # codes read by their names
    assert found(app, "黑土地保护性耕作新装备") == []  # a draft is in no index
    assert reviewer.get(f"/publish/drafts/{draft_id}").status_code == 200
    assert post(reviewer, f"/publish/drafts/{draft_id}/approve").status_code == 303  # not submitted yet: refused
    with app.app_context():
        assert db.session.get(RecordDraft, draft_id).status == "draft"
    post(publisher, f"/publish/drafts/{draft_id}/submit", message="请审核")
    post(reviewer, f"/publish/drafts/{draft_id}/review")
    assert post(publisher, f"/publish/drafts/{draft_id}/edit", revision="1", **NEW).status_code == 409  # in review: the reviewer's
    post(reviewer, f"/publish/drafts/{draft_id}/approve", message="同意发布")
    hits = found(app, "黑土地保护性耕作新装备")
    assert len(hits) == 1
    with app.app_context():
        draft = db.session.get(RecordDraft, draft_id)
        record = db.session.get(Achievement, draft.record_id)
        assert draft.status == "published" and hits == [record.public_id]
        assert record.institutions[0].name == institution_name(app, publisher)  # their institution holds it
        versions = db.session.scalars(select(RecordVersion).where(RecordVersion.record_id == record.id,
                                                                  RecordVersion.record_type == "achievement")).all()
        assert [(v.revision, v.change, v.draft_id) for v in versions] == [(1, "approved", draft_id)]
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.target == f"draft:{draft_id}")).all()
        assert actions == ["draft.create", "draft.submit", "draft.review", "draft.approve"]
    talk = publisher.get(f"/publish/drafts/{draft_id}").get_data(as_text=True)
    assert "请审核" in talk and "同意发布" in talk


def test_an_edit_waits_for_approval_and_the_published_version_stays_searchable(app):
    publisher, reviewer = signed_in(app, "publisher"), signed_in(app, "reviewer")
    with app.app_context():
        inst_id = db.session.get(User, publisher.user_id).institution_id
        record = next(a for a in db.session.scalars(select(Achievement).order_by(Achievement.id)) if a.institutions[0].id == inst_id)
        public_id, title, revision = record.public_id, record.title, record.revision_id
    form = publisher.get(f"/records/{public_id}/edit").get_data(as_text=True)
    assert f'name="revision" value="{revision}"' in form and title in form
    values = dict(re.findall(r'<input id="[^"]+" name="(f-[^"]+)" type="[^"]+" value="([^"]*)"', form))
    values.update({"f-title": title + "改进型", "f-institutions": institution_name(app, publisher)})
    draft_id = draft_id_of(post(publisher, f"/records/{public_id}/edit", revision=str(revision), **values))
    # until it is approved the public record, its page and the index keep the published version
    assert app.test_client().get(f"/api/v1/records/{public_id}").get_json()["title"] == title
    assert public_id in found(app, title) and public_id not in found(app, "改进型")
    page = publisher.get(f"/publish/drafts/{draft_id}").get_data(as_text=True)
    assert "与已发布版本相比的改动" in page and "改进型" in page
    # a second edit of the same record goes to the same open draft
    assert publisher.get(f"/records/{public_id}/edit").headers["Location"].endswith(f"/publish/drafts/{draft_id}/edit")
    post(publisher, f"/publish/drafts/{draft_id}/submit")
    post(reviewer, f"/publish/drafts/{draft_id}/approve")
    assert app.test_client().get(f"/api/v1/records/{public_id}").get_json()["title"] == title + "改进型"
    assert public_id in found(app, "改进型")
    history = publisher.get(f"/records/{public_id}/history").get_data(as_text=True)
    assert "审核通过" in history
    diff_page = publisher.get(f"/records/{public_id}/history/{revision + 1}").get_data(as_text=True)
    assert title + "改进型" in diff_page and "成果名称" in diff_page
    api = app.test_client().get(f"/api/v1/records/{public_id}/versions/{revision + 1}", headers=auth(app, "reviewer")).get_json()
    assert {"field": "title", "before": title, "after": title + "改进型"} in api["changes"]


def test_a_rejected_draft_carries_the_reason_and_is_submitted_again(app):
    publisher, reviewer = signed_in(app, "publisher"), signed_in(app, "reviewer")
    draft_id = draft_id_of(post(publisher, "/publish/new/achievement", **NEW))
    post(publisher, f"/publish/drafts/{draft_id}/submit")
    assert post(reviewer, f"/publish/drafts/{draft_id}/reject", reason="").status_code == 303  # a reason is required
    with app.app_context():
        assert db.session.get(RecordDraft, draft_id).status == "submitted"
    post(reviewer, f"/publish/drafts/{draft_id}/reject", reason="请补充技术指标")
    page = publisher.get(f"/publish/drafts/{draft_id}").get_data(as_text=True)
    assert "已退回" in page and "请补充技术指标" in page
    post(publisher, f"/publish/drafts/{draft_id}/comment", body="已补充，请再审")
    edited = post(publisher, f"/publish/drafts/{draft_id}/edit", revision="4", **{**NEW, "f-summary": NEW["f-summary"] + "功率 120 kW。"})
    assert edited.status_code in (303, 409), edited.status_code
    with app.app_context():
        revision = db.session.get(RecordDraft, draft_id).revision
    assert draft_id_of(post(publisher, f"/publish/drafts/{draft_id}/edit", revision=str(revision),
                            **{**NEW, "f-summary": NEW["f-summary"] + "功率 120 kW。"})) == draft_id
    with app.app_context():
        assert db.session.get(RecordDraft, draft_id).status == "draft"
    post(publisher, f"/publish/drafts/{draft_id}/submit")
    post(reviewer, f"/publish/drafts/{draft_id}/approve")
    assert len(found(app, "黑土地保护性耕作新装备")) == 1


def test_a_stale_draft_edit_is_refused(app):
    publisher = signed_in(app, "publisher")
    draft_id = draft_id_of(post(publisher, "/publish/new/achievement", **NEW))
    assert draft_id_of(post(publisher, f"/publish/drafts/{draft_id}/edit", revision="1", **{**NEW, "f-trl": "7"})) == draft_id
    stale = post(publisher, f"/publish/drafts/{draft_id}/edit", revision="1", **{**NEW, "f-trl": "8"})
    assert stale.status_code == 409 and "草稿已被他人修改" in stale.get_data(as_text=True)
    with app.app_context():
        assert str(db.session.get(RecordDraft, draft_id).data["trl"]) == "7"


def test_form_errors_are_the_import_rules(app):
    publisher = signed_in(app, "publisher")
    response = post(publisher, "/publish/new/achievement", **{**NEW, "f-trl": "12", "f-title": "", "f-price.amount": "很多"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "技术就绪度应为 1-9" in html or "1-9" in html
    assert html.count('class="field-error"') >= 2


# -- the API -------------------------------------------------------------------------------------

def test_two_edits_from_the_same_revision_do_not_overwrite_each_other(app):
    """Two PUT /api/v1/records/<id> from the same revision both answered 200 and the second erased the first."""
    client, admin = app.test_client(), auth(app, "admin")
    first = client.get("/api/v1/records/ach-1", headers=admin)
    body, etag = first.get_json(), first.headers["ETag"]
    base = {k: v for k, v in body.items() if k not in ("id", "record_type", "revision_id", "created_at", "updated_at",
                                                        "published_at", "status", "links", "withheld")}
    one = client.put("/api/v1/records/ach-1", json={**base, "title": "第一个人的修改"}, headers={**admin, "If-Match": etag})
    assert one.status_code == 200 and one.headers["ETag"] != etag
    two = client.put("/api/v1/records/ach-1", json={**base, "title": "第二个人的修改"}, headers={**admin, "If-Match": etag})
    assert two.status_code == 412
    assert two.get_json()["error"]["code"] == "stale_revision" and two.get_json()["current"]["title"] == "第一个人的修改"
    assert client.put("/api/v1/records/ach-1", json=base, headers=admin).status_code == 428  # no If-Match: refused
    assert client.get("/api/v1/records/ach-1").get_json()["title"] == "第一个人的修改"


def test_publishers_write_through_drafts_in_the_api(app):
    client, publisher = app.test_client(), auth(app, "publisher")
    assert client.post("/api/v1/records", json={"record_type": "achievement", "title": "直接发布", "institutions": ["吉林大学"]},
                       headers=publisher).status_code == 403
    made = client.post("/api/v1/drafts", json={"record_type": "achievement", "title": "经草稿发布的成果", "summary": "概述"},
                       headers=publisher)
    assert made.status_code == 201, made.get_json()
    draft = made.get_json()
    assert draft["status"] == "draft" and draft["data"]["institutions"]  # the publisher's institution was added
    stale = client.put(f"/api/v1/drafts/{draft['id']}", json={"record_type": "achievement", "title": "x", "summary": "y"},
                       headers={**publisher, "If-Match": '"99"'})
    assert stale.status_code == 412
    updated = client.put(f"/api/v1/drafts/{draft['id']}", json={"record_type": "achievement", "title": "经草稿发布的成果（修订）"},
                         headers={**publisher, "If-Match": made.headers["ETag"]})
    assert updated.status_code == 200 and updated.get_json()["revision"] == 2
    assert client.post(f"/api/v1/drafts/{draft['id']}/submit", headers=publisher).get_json()["status"] == "submitted"
    reviewer = auth(app, "reviewer")
    queue = client.get("/api/v1/drafts", query_string={"status": "submitted"}, headers=reviewer).get_json()
    assert draft["id"] in [d["id"] for d in queue]
    approved = client.post(f"/api/v1/drafts/{draft['id']}/approve", json={"message": "ok"}, headers=reviewer)
    assert approved.status_code == 200 and approved.get_json()["record"].startswith("ach-")
    assert approved.get_json()["record"] in found(app, "经草稿发布的成果")


# -- who sees what ----------------------------------------------------------------------------------

def test_drafts_of_another_institution_are_invisible(app):
    publisher = signed_in(app, "publisher")
    draft_id = draft_id_of(post(publisher, "/publish/new/achievement", **NEW))
    with app.app_context():
        other_inst = db.session.scalar(select(Institution.id).where(Institution.id != db.session.get(User, publisher.user_id).institution_id))
    other = signed_in(app, "publisher", institution_id=other_inst)
    for client in (other, signed_in(app, "investor"), signed_in(app, "intermediary")):
        assert client.get(f"/publish/drafts/{draft_id}").status_code == 404
        assert client.get(f"/publish/drafts/{draft_id + 1000}").status_code == 404  # guessing ids tells nothing
        assert post(client, f"/publish/drafts/{draft_id}/submit").status_code == 404
    assert app.test_client().get(f"/publish/drafts/{draft_id}").status_code == 302  # sign in first
    api = app.test_client()
    assert api.get(f"/api/v1/drafts/{draft_id}", headers=auth(app, "publisher", institution_id=other_inst)).status_code == 404
    assert api.get("/api/v1/drafts", headers=auth(app, "publisher", institution_id=other_inst)).get_json() == []


def test_withdrawn_records_leave_the_public_and_the_index(app):
    publisher = signed_in(app, "publisher")
    with app.app_context():
        inst_id = db.session.get(User, publisher.user_id).institution_id
        record = next(a for a in db.session.scalars(select(Achievement).order_by(Achievement.id)) if a.institutions[0].id == inst_id)
        public_id, title = record.public_id, record.title
        other_inst = db.session.scalar(select(Institution.id).where(Institution.id != inst_id))
    other = signed_in(app, "publisher", institution_id=other_inst)
    assert post(other, f"/records/{public_id}/withdraw").status_code == 403
    assert post(publisher, f"/records/{public_id}/withdraw").status_code == 303
    assert public_id not in found(app, title)
    assert app.test_client().get(f"/records/{public_id}").status_code == 404
    assert app.test_client().get(f"/api/v1/records/{public_id}").status_code == 404
    assert publisher.get(f"/records/{public_id}").status_code == 200  # the holder still sees it
    with app.app_context():
        from web.proxies import current_search

        published = db.session.scalar(select(func.count()).select_from(Achievement).where(Achievement.status == "published"))
        assert current_search.count("achievements") == published  # only what the public may see is indexed


def test_a_publishers_import_lands_as_drafts(app):
    publisher = signed_in(app, "publisher")
    name = institution_name(app, publisher)
    csv_text = "成果名称,完成单位,技术就绪度\n寒地水稻智能育秧系统,,6\n寒地大豆高产栽培技术," + name + ",5\n别人的成果,吉林某某研究所,4\n"
    upload = publisher.post("/imports/", data={"csrf_token": publisher.csrf, "record_type": "achievement",
                                               "file": (io.BytesIO(csv_text.encode()), "成果.csv")}, content_type="multipart/form-data")
    job_id = int(upload.headers["Location"].rstrip("/").split("/")[-1])
    with app.app_context():
        from ingest.pipeline import ImportPipeline

        job = ImportPipeline().run(job_id)
        assert (job.status, job.created, job.rejected) == ("done", 3, 0), job.message
        drafts = db.session.scalars(select(RecordDraft).where(RecordDraft.institution_id == db.session.get(User, publisher.user_id).institution_id)).all()
        assert sorted(d.title for d in drafts) == ["别人的成果", "寒地大豆高产栽培技术", "寒地水稻智能育秧系统"]
        assert all(d.status == "draft" and d.data["institutions"][0] == name for d in drafts)
        assert job.options.get("as_drafts") is True
    assert found(app, "寒地水稻智能育秧系统") == []
    # the same file again changes nothing
    again = publisher.post("/imports/", data={"csrf_token": publisher.csrf, "record_type": "achievement",
                                              "file": (io.BytesIO(csv_text.encode()), "成果.csv")}, content_type="multipart/form-data")
    with app.app_context():
        from ingest.pipeline import ImportPipeline

        job = ImportPipeline().run(int(again.headers["Location"].rstrip("/").split("/")[-1]))
        assert (job.created, job.unchanged) == (0, 3)
    # the publisher sees only their own jobs
    other = signed_in(app, "publisher")
    assert other.get(f"/imports/{job_id}").status_code in (403, 404)


def test_an_import_cannot_touch_another_institutions_record(app):
    publisher = signed_in(app, "publisher")
    with app.app_context():
        inst_id = db.session.get(User, publisher.user_id).institution_id
        theirs = next(a for a in db.session.scalars(select(Achievement).order_by(Achievement.id))
                      if inst_id not in {i.id for i in a.institutions} and a.registration_no)
        reg, title = theirs.registration_no, theirs.title
    csv_text = f"成果名称,登记号,技术就绪度\n{title},{reg},9\n"
    upload = publisher.post("/imports/", data={"csrf_token": publisher.csrf, "record_type": "achievement",
                                               "file": (io.BytesIO(csv_text.encode()), "a.csv")}, content_type="multipart/form-data")
    with app.app_context():
        from ingest.pipeline import ImportPipeline

        job = ImportPipeline().run(int(upload.headers["Location"].rstrip("/").split("/")[-1]))
        assert job.rejected == 1 and job.created == 0
        reason = job.errors.first().reason
        assert "属于其他单位" in reason
