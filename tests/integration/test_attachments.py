"""Attachments: the holder (or an administrator) uploads, marks and deletes them; the type is
judged by content and anything but PDF, images and Office files is refused with its code; files
live outside the web root under random names and go out as downloads that never render;
confidential ones reach a member only after the holder approved their request, and each such
download is logged; records that are not published show nothing of their files."""
from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from tests import filesamples as s
from tests.apps import auth, close_app, make_app, signed_in
from web.extensions import db
from web.models import AccessRequest, ApiToken, Attachment, AuditEvent, DisclosureEvent, UsageCount

from .disclosure_world import make_world

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app(tmp_path):
    # (a small limit: the test client writes bodies over 500 kB to temporary files it never closes)
    app = make_app(tmp_path, ATTACHMENT_MAX_MB=0.25, ATTACHMENT_MAX_PER_RECORD=4)
    app.world = make_world(app)
    app.holder = auth(app, "publisher", institution_id=app.world.holder)
    yield app
    close_app(app)


def upload(app, public_id: str, data: bytes, name: str, headers: dict | None = None, **form):
    return app.test_client().post(f"/api/v1/records/{public_id}/attachments", headers=app.holder if headers is None else headers,
                                  data={"file": (io.BytesIO(data), name), **form}, content_type="multipart/form-data")


def fetch(client, path: str, **kwargs):
    """A GET whose body is read and whose file is closed (downloads stream from disk)."""
    response = client.get(path, **kwargs)
    response.get_data()
    response.close()
    return response


def stored_files(app) -> list[str]:
    folder = Path(app.config["ATTACHMENT_DIR"])
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def attachment_rows(app) -> list[tuple]:
    with app.app_context():
        rows = [(a.kind, a.confidential, a.storage_key) for a in db.session.scalars(select(Attachment).order_by(Attachment.id))]
        db.session.remove()
        return rows


# -- types ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("data, name, kind", [
    (s.PDF, "评价报告.pdf", "pdf"), (s.PNG, "现场照片.png", "png"), (s.JPEG, "photo.jpeg", "jpeg"), (s.GIF, "a.gif", "gif"),
    (s.WEBP, "b.webp", "webp"), (s.ooxml("docx"), "申报书.docx", "docx"), (s.ooxml("xlsx"), "数据.xlsx", "xlsx"),
    (s.ooxml("pptx"), "路演.pptx", "pptx"), (s.DOC, "旧版.doc", "doc"), (s.XLS, "旧表.xls", "xls"), (s.PPT, "旧稿.ppt", "ppt"),
])
def test_the_holder_attaches_pdf_images_and_office_files(app, data, name, kind):
    made = upload(app, app.world.achievement, data, name, title="检测报告", category="test_report")
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert (body["kind"], body["title"], body["category"], body["size"], body["access"]) == (kind, "检测报告", "test_report", len(data), "holder")
    assert made.headers["Location"] == body["links"]["self"]
    (key,) = stored_files(app)
    assert re.fullmatch(r"[0-9a-f]{32}", key) and name not in key  # a random name, never the uploaded one
    folder = Path(app.config["ATTACHMENT_DIR"]).resolve()
    assert not folder.is_relative_to((ROOT / "web").resolve())  # outside the web root (web/static)
    assert (folder / key).read_bytes() == data


@pytest.mark.parametrize("data, name, status, code", [
    (s.HTML, "报告.pdf", 415, "active_content"),  # a web page renamed .pdf
    (s.SVG, "logo.svg", 415, "active_content"),
    (s.EXE, "申报书.docx", 415, "executable"),  # a program renamed .docx
    (s.zip_of({"a.txt": b"hello"}), "archive.xlsx", 415, "archive"),  # a zip that is not OOXML
    (s.padded_zip_bomb(unpacked_mb=60, padding_mb=0), "bomb.docx", 415, "zip_bomb"),
    (s.ooxml("docm"), "宏.docx", 415, "macro"),
    (s.MSI, "setup.doc", 415, "unsupported_type"),
    (s.PDF + b"\x00" * (256 * 1024), "big.pdf", 413, "file_too_large"),  # over ATTACHMENT_MAX_MB = 0.25
    (b"", "empty.pdf", 422, "empty_file"),
])
def test_everything_else_is_refused_with_its_code_and_nothing_is_kept(app, data, name, status, code):
    refused = upload(app, app.world.achievement, data, name)
    assert refused.status_code == status, refused.get_json()
    error = refused.get_json()["error"]
    assert error["code"] == code and " / " in error["message"]  # Chinese / English
    assert stored_files(app) == [] and attachment_rows(app) == []


def test_the_form_on_the_record_page_refuses_in_the_readers_language(app):
    holder = signed_in(app, "publisher", institution_id=app.world.holder)
    page = f"/records/{app.world.achievement}"
    for lang, reason in (("zh", "不接受网页、SVG 或 XML 文件"), ("en", "web pages, SVG and XML files are not accepted")):
        sent = holder.post(f"{page}/attachments?lang={lang}", data={"up-file": (io.BytesIO(s.HTML), "x.pdf"), "up-csrf_token": holder.csrf},
                           content_type="multipart/form-data")
        assert sent.status_code == 303 and sent.headers["Location"].endswith(f"{page}#attachments")
        assert reason in holder.get(f"{page}?lang={lang}").get_data(as_text=True)
    assert stored_files(app) == []


def test_a_record_has_at_most_so_many_files(app):
    for n in range(4):
        assert upload(app, app.world.achievement, s.PDF, f"{n}.pdf").status_code == 201
    fifth = upload(app, app.world.achievement, s.PDF, "5.pdf")
    assert fifth.status_code == 409 and fifth.get_json()["error"]["code"] == "too_many_attachments"
    assert len(stored_files(app)) == 4


# -- who may upload, change, delete ----------------------------------------------------------------

@pytest.mark.parametrize("record", ["achievement", "patent", "instrument", "institution"])
def test_only_the_holder_or_an_administrator_uploads(app, record):
    public_id = getattr(app.world, record)
    assert upload(app, public_id, s.PDF, "a.pdf", headers={}).status_code == 401
    for role in ("investor", "intermediary", "reviewer"):
        assert upload(app, public_id, s.PDF, "a.pdf", headers=auth(app, role)).status_code == 403, role
    assert upload(app, public_id, s.PDF, "a.pdf", headers=auth(app, "publisher", institution_id=app.world.other)).status_code == 403
    assert upload(app, public_id, s.PDF, "a.pdf").status_code == 201  # a publisher of the holder
    assert upload(app, public_id, s.PDF, "a.pdf", headers=auth(app, "admin")).status_code == 201
    assert len(stored_files(app)) == 2
    # the page's form: the holder sees it, a publisher of another institution does not, and may not post
    holder = signed_in(app, "publisher", institution_id=app.world.holder)
    assert "up-file" in holder.get(f"/records/{public_id}").get_data(as_text=True)
    other = signed_in(app, "publisher", institution_id=app.world.other)
    assert "up-file" not in other.get(f"/records/{public_id}").get_data(as_text=True)
    sent = other.post(f"/records/{public_id}/attachments", data={"up-file": (io.BytesIO(s.PDF), "a.pdf"), "up-csrf_token": other.csrf},
                      content_type="multipart/form-data")
    assert sent.status_code == 403 and len(stored_files(app)) == 2


def test_the_holder_marks_and_deletes_files_and_the_deleted_file_is_gone(app):
    att = upload(app, app.world.achievement, s.PDF, "a.pdf").get_json()
    other = auth(app, "publisher", institution_id=app.world.other)
    client = app.test_client()
    assert client.patch(f"/api/v1/attachments/{att['id']}", json={"confidential": True}, headers=other).status_code == 403
    changed = client.patch(f"/api/v1/attachments/{att['id']}", json={"confidential": True, "title": "保密报告"}, headers=app.holder)
    assert changed.status_code == 200 and changed.get_json()["confidential"] is True and changed.get_json()["title"] == "保密报告"
    investor = auth(app, "investor")
    assert client.post(f"/api/v1/attachments/{att['id']}/access-requests", json={"message": "评估合作"}, headers=investor).status_code == 201
    assert client.delete(f"/api/v1/attachments/{att['id']}", headers=other).status_code == 403
    assert client.delete(f"/api/v1/attachments/{att['id']}", headers=app.holder).status_code == 204
    assert stored_files(app) == [] and attachment_rows(app) == []
    assert client.get(f"/api/v1/attachments/{att['id']}", headers=app.holder).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(AccessRequest)) is None
        actions = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("attachment.%")).order_by(AuditEvent.id))]
        db.session.remove()
    assert actions == ["attachment.upload", "attachment.change", "attachment.delete"]


def test_a_deleted_record_takes_its_files_along(app):
    upload(app, app.world.institution, s.PDF, "a.pdf")
    assert upload(app, app.world.patent, s.PNG, "b.png").status_code == 201
    assert len(stored_files(app)) == 2
    assert app.test_client().delete(f"/api/v1/records/{app.world.patent}", headers=auth(app, "admin")).status_code == 204
    assert [kind for kind, _, _ in attachment_rows(app)] == ["pdf"] and len(stored_files(app)) == 1


# -- downloads ------------------------------------------------------------------------------------------

def test_downloads_never_render_and_only_images_show_inline(app):
    pdf = upload(app, app.world.achievement, s.PDF, "评价 报告.docx").get_json()  # a PDF named .docx
    png = upload(app, app.world.achievement, s.PNG, "照片.png").get_json()
    client = app.test_client()
    for path in (f"/attachments/{pdf['id']}/file", f"/api/v1/attachments/{pdf['id']}/file", f"/attachments/{pdf['id']}/file?inline=1"):
        got = fetch(client, path)
        assert got.status_code == 200 and got.data == s.PDF
        assert got.headers["Content-Type"] == "application/pdf"
        assert got.headers["Content-Disposition"] == "attachment; filename=\"attachment.pdf\"; filename*=UTF-8''%E8%AF%84%E4%BB%B7%20%E6%8A%A5%E5%91%8A.pdf"
        assert got.headers["X-Content-Type-Options"] == "nosniff"
        assert got.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    image = fetch(client, f"/attachments/{png['id']}/file?inline=1")
    assert image.headers["Content-Type"] == "image/png" and image.headers["Content-Disposition"].startswith("inline; ")
    assert image.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert fetch(client, f"/attachments/{png['id']}/file").headers["Content-Disposition"].startswith("attachment; ")
    html = client.get(f"/records/{app.world.achievement}").get_data(as_text=True)
    assert f'src="/attachments/{png["id"]}/file?inline=1"' in html and f'href="/attachments/{pdf["id"]}/file"' in html
    assert fetch(client, "/attachments/999/file").status_code == 404


def test_files_of_a_record_that_is_not_published_are_invisible(app):
    att = upload(app, app.world.withdrawn, s.PDF, "a.pdf").get_json()  # its holder may still attach
    client = app.test_client()
    for headers in ({}, auth(app, "investor"), auth(app, "publisher", institution_id=app.world.other)):
        assert client.get(f"/api/v1/records/{app.world.withdrawn}/attachments", headers=headers).status_code == 404
        assert client.get(f"/api/v1/attachments/{att['id']}", headers=headers).status_code == 404
        assert fetch(client, f"/api/v1/attachments/{att['id']}/file", headers=headers).status_code == 404
        assert fetch(client, f"/attachments/{att['id']}/file", headers=headers).status_code == 404
    assert fetch(client, f"/api/v1/attachments/{att['id']}/file", headers=app.holder).status_code == 200
    assert fetch(client, f"/api/v1/attachments/{att['id']}/file", headers=auth(app, "reviewer")).status_code == 200


def test_a_download_with_a_token_new_this_minute_is_counted_at_once(app):
    """The token's last use is written when a request authenticates. Left pending in the
    request's session, that write held the SQLite store's write lock until the request ended, so
    the download count (its own short transaction) waited 30 s for the lock and was dropped."""
    att = upload(app, app.world.achievement, s.PDF, "a.pdf").get_json()
    reviewer = auth(app, "reviewer")  # a token never used: this request records its first use
    started = time.monotonic()
    assert fetch(app.test_client(), f"/api/v1/attachments/{att['id']}/file", headers=reviewer).status_code == 200
    assert time.monotonic() - started < 10
    with app.app_context():
        counted = db.session.scalar(select(UsageCount.count).where(UsageCount.kind == "download", UsageCount.key == app.world.achievement))
        used = db.session.scalar(select(ApiToken.last_used_at).where(ApiToken.prefix == reviewer["Authorization"].split("_")[1]))
        db.session.remove()
    assert counted == 1 and used is not None


# -- confidential files and access requests -----------------------------------------------------------

def test_confidential_files_reach_members_only_after_the_holder_approves(app):
    secret = upload(app, app.world.achievement, s.PDF, "中试数据.pdf", title="中试数据", confidential="true").get_json()
    public = upload(app, app.world.achievement, s.PDF, "简介.pdf", title="成果简介").get_json()
    client, n = app.test_client(), secret["id"]
    # a visitor does not learn of it, but is told there is one to ask for after signing in
    assert [a["title"] for a in client.get(f"/api/v1/records/{app.world.achievement}/attachments").get_json()] == ["成果简介"]
    assert client.get(f"/api/v1/attachments/{n}").status_code == 404 and fetch(client, f"/attachments/{n}/file").status_code == 404
    page = client.get(f"/records/{app.world.achievement}").get_data(as_text=True)
    assert "中试数据" not in page and "另有 1 份保密附件" in page
    assert client.post(f"/api/v1/attachments/{n}/access-requests", json={"message": "x"}).status_code == 401
    # a member sees it listed and may ask; the file waits for the holder
    investor = auth(app, "investor")
    listed = {a["title"]: a for a in client.get(f"/api/v1/records/{app.world.achievement}/attachments", headers=investor).get_json()}
    assert listed["中试数据"]["access"] == "none" and not listed["中试数据"]["can_download"] and "file" not in listed["中试数据"]["links"]
    assert listed["成果简介"]["access"] == "public" and listed["成果简介"]["can_download"]
    denied = fetch(client, f"/api/v1/attachments/{n}/file", headers=investor)
    assert denied.status_code == 403 and denied.get_json()["error"]["code"] == "forbidden"
    assert client.post(f"/api/v1/attachments/{n}/access-requests", json={"message": ""}, headers=investor).status_code == 422
    asked = client.post(f"/api/v1/attachments/{n}/access-requests", json={"message": "拟投资，需评估中试数据"}, headers=investor)
    assert asked.status_code == 201 and asked.get_json()["status"] == "pending"
    request_id = asked.get_json()["id"]
    again = client.post(f"/api/v1/attachments/{n}/access-requests", json={"message": "再问一次"}, headers=investor)
    assert again.status_code == 200 and again.get_json()["id"] == request_id and again.get_json()["message"] == "拟投资，需评估中试数据"
    assert fetch(client, f"/api/v1/attachments/{n}/file", headers=investor).status_code == 403
    public_request = client.post(f"/api/v1/attachments/{public['id']}/access-requests", json={"message": "x"}, headers=investor)
    assert public_request.status_code == 409 and public_request.get_json()["error"]["code"] == "not_confidential"
    # only the holder (or an administrator) decides; another institution does not even see it
    other = auth(app, "publisher", institution_id=app.world.other)
    assert client.get("/api/v1/access-requests?scope=incoming", headers=other).get_json() == []
    assert client.post(f"/api/v1/access-requests/{request_id}/decision", json={"decision": "approve"}, headers=other).status_code == 404
    assert client.post(f"/api/v1/access-requests/{request_id}/decision", json={"decision": "approve"}, headers=investor).status_code == 403
    incoming = client.get("/api/v1/access-requests?scope=incoming&status=pending", headers=app.holder).get_json()
    assert [(r["id"], r["requester"]["role"], r["attachment"]["record"]) for r in incoming] == [(request_id, "investor", app.world.achievement)]
    assert "decision" in incoming[0]["links"]
    decided = client.post(f"/api/v1/access-requests/{request_id}/decision", json={"decision": "approve", "note": "请勿外传"}, headers=app.holder)
    assert decided.status_code == 200 and decided.get_json()["status"] == "approved" and decided.get_json()["note"] == "请勿外传"
    # the requester sees the answer and downloads; each download day is one disclosure
    mine = client.get("/api/v1/access-requests", headers=investor).get_json()
    assert [(r["status"], r["note"]) for r in mine] == [("approved", "请勿外传")] and "decision" not in mine[0]["links"]
    for _ in range(2):
        got = fetch(client, f"/api/v1/attachments/{n}/file", headers=investor)
        assert got.status_code == 200 and got.data == s.PDF and got.headers["Cache-Control"] == "private, no-store"
    fetch(client, f"/api/v1/attachments/{public['id']}/file", headers=investor)  # a public file is no disclosure
    fetch(client, f"/api/v1/attachments/{n}/file", headers=app.holder)  # nor is the holder's own download
    with app.app_context():
        logged = [(e.kind, e.detail, e.channel) for e in db.session.scalars(select(DisclosureEvent).where(DisclosureEvent.kind == "attachment"))]
        audit = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("access.%")).order_by(AuditEvent.id))]
        db.session.remove()
    assert logged == [("attachment", "中试数据.pdf", "api")]
    assert audit == ["access.request", "access.approve"]
    holder_log = client.get("/api/v1/disclosures", headers=app.holder).get_json()["events"]
    assert [(e["kind"], e["file"]) for e in holder_log] == [("attachment", "中试数据.pdf")]
    # a rejection after the approval takes the access back
    client.post(f"/api/v1/access-requests/{request_id}/decision", json={"decision": "reject"}, headers=app.holder)
    assert fetch(client, f"/api/v1/attachments/{n}/file", headers=investor).status_code == 403
    again = client.post(f"/api/v1/attachments/{n}/access-requests", json={"message": "补充说明用途"}, headers=investor)
    assert again.status_code == 201 and again.get_json()["status"] == "pending" and again.get_json()["id"] == request_id


def test_the_request_flow_through_the_pages(app):
    secret = upload(app, app.world.institution, s.ooxml("xlsx"), "财务.xlsx", title="财务数据", confidential="true").get_json()
    n = secret["id"]
    investor = signed_in(app, "investor", organisation="长春创投")
    record = f"/records/{app.world.institution}"
    page = investor.get(record).get_data(as_text=True)
    assert "财务数据" in page and f'action="/attachments/{n}/request"' in page and f'href="/attachments/{n}/file"' not in page
    sent = investor.post(f"/attachments/{n}/request", data={f"ar{n}-message": "尽调需要", f"ar{n}-csrf_token": investor.csrf})
    assert sent.status_code == 303
    assert "已申请查看，等待持有单位批准" in investor.get(record).get_data(as_text=True)
    assert investor.post(f"/attachments/{n}/request", data={f"ar{n}-message": "x"}).status_code == 403  # no CSRF token
    holder = signed_in(app, "publisher", institution_id=app.world.holder)
    requests = holder.get("/access-requests/").get_data(as_text=True)
    assert "尽调需要" in requests and "长春创投" in requests and "财务数据" in requests
    with app.app_context():
        request_id = db.session.scalar(select(AccessRequest.id))
        db.session.remove()
    other = signed_in(app, "publisher", institution_id=app.world.other)
    assert "尽调需要" not in other.get("/access-requests/").get_data(as_text=True)
    assert other.post(f"/access-requests/{request_id}/decide", data={"decision": "approve", f"d{request_id}-csrf_token": other.csrf}).status_code == 404
    decided = holder.post(f"/access-requests/{request_id}/decide",
                          data={"decision": "approve", f"d{request_id}-note": "仅限尽调使用", f"d{request_id}-csrf_token": holder.csrf})
    assert decided.status_code == 303 and "已批准申请" in holder.get("/access-requests/").get_data(as_text=True)
    mine = investor.get("/access-requests/?lang=en").get_data(as_text=True)
    assert "Approved" in mine and "仅限尽调使用" in mine and f'href="/attachments/{n}/file"' in mine
    got = fetch(investor, f"/attachments/{n}/file")
    assert got.status_code == 200 and got.headers["Content-Disposition"].startswith("attachment;")
    assert "持有单位已批准您的查看申请" in investor.get(record + "?lang=zh").get_data(as_text=True)
    log = holder.get("/disclosures/").get_data(as_text=True)
    assert "财务.xlsx" in log and "保密附件" in log and "文件下载" in log
