"""Administration (``/admin`` and ``/api/v1/admin``): administrators only; accounts made by
invitation (a set-password mail through a real SMTP server), changed, disabled, their tokens
revoked, and the platform never without an administrator; the institution list; the audit log
with its filters, pages and CSV. Merging institutions: test_institution_merge.py."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.apps import PASSWORD, add_user, auth, close_app, email_of, mail_config, make_app, sign_in_form, signed_in
from web.extensions import db
from web.models import ApiToken, AuditEvent, Institution, User
from web.proxies import current_services
from web.services.accounts import AccountError
from web.services.identity import system_identity

DEMO = ["demo", "load", "--achievements", "8", "--patents", "4", "--instruments", "3"]
OTHER_ROLES = ["reviewer", "publisher", "intermediary", "investor"]

# every administration route: (method, path); {user} and {token} are filled in
PAGES = [
    ("GET", "/admin/"), ("GET", "/admin/users"), ("GET", "/admin/users/new"), ("POST", "/admin/users/new"),
    ("GET", "/admin/users/{user}"), ("POST", "/admin/users/{user}"), ("POST", "/admin/users/{user}/password-link"),
    ("POST", "/admin/users/{user}/tokens/{token}/revoke"), ("GET", "/admin/institutions"), ("GET", "/admin/institutions/duplicates"),
    ("GET", "/admin/institutions/merge?source=org-2&target=org-1"), ("POST", "/admin/institutions/merge"), ("GET", "/admin/audit"),
    ("GET", "/admin/audit.csv"),
]
API = [
    ("GET", "/api/v1/admin/users"), ("POST", "/api/v1/admin/users"), ("PATCH", "/api/v1/admin/users/{user}"),
    ("POST", "/api/v1/admin/institutions/org-2/merge"), ("GET", "/api/v1/admin/audit"),
]


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory):
    """One app for the tests that only read or are refused (the authorisation matrix)."""
    app = make_app(tmp_path_factory.mktemp("admin-shared"), *DEMO)
    yield app
    close_app(app)


@pytest.fixture
def app(tmp_path, smtp):
    app = make_app(tmp_path, *DEMO, **mail_config(smtp))
    yield app
    close_app(app)


def audit(app, **filters) -> list[AuditEvent]:
    with app.app_context():
        events = current_services.audit.events(**filters)
        db.session.expunge_all()
        return events


def flashes(html: str) -> list[str]:
    return re.findall(r'<p class="flash flash-\w+" role="status">([^<]+)</p>', html)


def a_token(app, user_id: int) -> tuple[int, str]:
    with app.app_context():
        new = current_services.accounts.create_token(db.session.get(User, user_id), "script")
        db.session.commit()
        return new.token.id, new.secret


# -- who may ---------------------------------------------------------------------------------------

def _fill(path: str, user: int, token: int) -> str:
    return path.format(user=user, token=token)


@pytest.mark.parametrize("method, path", PAGES)
def test_every_page_sends_anonymous_visitors_to_sign_in_and_refuses_other_roles(shared_app, method, path):
    victim = add_user(shared_app, "investor")
    token_id, _ = a_token(shared_app, victim)
    url = _fill(path, victim, token_id)
    anonymous = shared_app.test_client().open(url, method=method, data={})
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/account/login"), anonymous.status_code
    for role in OTHER_ROLES:
        client = signed_in(shared_app, role)
        refused = client.open(url, method=method, data={"csrf_token": client.csrf} if method == "POST" else None)
        assert refused.status_code == 403, (role, refused.status_code)
    admin = signed_in(shared_app, "admin")
    if method == "GET":
        assert admin.get(url).status_code == 200
    with shared_app.app_context():  # nothing was done on their behalf
        assert db.session.get(User, victim).active and db.session.get(ApiToken, token_id).revoked_at is None


@pytest.mark.parametrize("method, path", API)
def test_every_api_route_answers_401_without_a_credential_and_403_to_other_roles(shared_app, method, path):
    victim = add_user(shared_app, "investor")
    url = _fill(path, victim, 0)
    body = {"json": {}} if method in ("POST", "PATCH") else {}
    anonymous = shared_app.test_client().open(url, method=method, **body)
    assert anonymous.status_code == 401 and anonymous.get_json()["error"]["code"] == "unauthorized"
    for role in OTHER_ROLES:
        refused = shared_app.test_client().open(url, method=method, headers=auth(shared_app, role), **body)
        assert refused.status_code == 403, (role, refused.status_code, refused.get_json())
    if method == "GET":
        assert shared_app.test_client().get(url, headers=auth(shared_app)).status_code == 200


def test_the_header_links_to_administration_for_administrators_only(shared_app):
    assert 'href="/admin/"' in signed_in(shared_app, "admin").get("/").get_data(as_text=True)
    for role in OTHER_ROLES:
        assert 'href="/admin/"' not in signed_in(shared_app, role).get("/").get_data(as_text=True), role
    assert 'href="/admin/"' not in shared_app.test_client().get("/").get_data(as_text=True)


def test_the_landing_page_counts_accounts_by_role(shared_app):
    with shared_app.app_context():
        before = current_services.user_admin.counts_by_role(system_identity)
    add_user(shared_app, "reviewer")
    page = signed_in(shared_app, "admin").get("/admin/").get_data(as_text=True)
    row = re.search(r'role=reviewer">[^<]+</a></th><td>(\d+)</td><td>(\d+)</td>', page)
    assert row and int(row.group(1)) == before["reviewer"]["active"] + 1


# -- accounts ------------------------------------------------------------------------------------

def test_a_new_account_gets_a_set_password_mail_whose_link_works(app, smtp):
    admin = signed_in(app, "admin")
    form = admin.get("/admin/users/new").get_data(as_text=True)
    assert 'name="password"' not in form  # an administrator never chooses a password
    before = len(smtp.messages)
    made = admin.post("/admin/users/new", data={"name": "王发布", "email": "Wang.Pub@Test.local", "role": "publisher",
                                                  "institution": "吉林大学", "csrf_token": admin.csrf})
    assert made.status_code == 303
    page = admin.get(made.headers["Location"]).get_data(as_text=True)
    assert "设置密码的链接已发送至 wang.pub@test.local" in " ".join(flashes(page))
    with app.app_context():
        user = current_services.accounts.by_email("wang.pub@test.local")
        assert user.role == "publisher" and user.institution.name == "吉林大学" and user.password_hash is None
        user_id = user.id
    mail = smtp.wait(before + 1)
    assert mail["To"] == "wang.pub@test.local" and "Set your password" in mail["Subject"]
    link = re.search(r"http://localhost(/account/reset/\S+)", mail.get_content()).group(1)
    person = app.test_client()
    form = person.get(link)
    assert form.status_code == 200
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.get_data(as_text=True)).group(1)
    done = person.post(link, data={"password": "Chosen-by-me-2026", "confirm": "Chosen-by-me-2026", "csrf_token": token})
    assert done.status_code == 303 and person.get("/api/v1/me").get_json()["institution"] == f"org-{user.institution_id}"
    assert sign_in_form(app.test_client(), "wang.pub@test.local", "Chosen-by-me-2026").status_code == 303
    events = [(e.action, e.details.get("sent")) for e in audit(app, target=f"user:{user_id}")]
    assert ("user.create", None) in events and ("user.password_link", True) in events


def test_without_a_mail_server_the_page_says_where_the_message_went(shared_app):
    admin = signed_in(shared_app, "admin")
    made = admin.post("/admin/users/new", data={"name": "投资人", "email": "nomail@test.local", "role": "investor", "csrf_token": admin.csrf})
    assert made.status_code == 303
    said = " ".join(flashes(admin.get(made.headers["Location"]).get_data(as_text=True)))
    assert "未配置邮件服务器" in said and "服务器日志" in said
    english = admin.get(made.headers["Location"] + "?lang=en")  # the message was shown once; a new one in English
    admin.post(made.headers["Location"] + "/password-link?lang=en", data={"csrf_token": admin.csrf})
    said = " ".join(flashes(admin.get(made.headers["Location"] + "?lang=en").get_data(as_text=True)))
    assert english.status_code == 200 and "No mail server" in said and "server log" in said


def test_a_publisher_needs_an_institution_that_exists(shared_app):
    admin = signed_in(shared_app, "admin")
    for institution, message in (("", "单位发布者须选择一个已有单位"), ("不存在的研究院", "没有这个单位")):
        refused = admin.post("/admin/users/new", data={"name": "甲", "email": f"p{len(institution)}@test.local", "role": "publisher",
                                                        "institution": institution, "csrf_token": admin.csrf})
        assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    with shared_app.app_context():
        assert current_services.accounts.by_email("p0@test.local") is None
        org = db.session.scalar(select(Institution).order_by(Institution.id)).public_id
    by_id = admin.post("/admin/users/new", data={"name": "乙", "email": "by-id@test.local", "role": "publisher", "institution": org,
                                                  "csrf_token": admin.csrf})
    assert by_id.status_code == 303


def test_a_new_role_ends_the_holders_sessions_and_is_audited(app):
    user_id = add_user(app, "intermediary")
    theirs = app.test_client()
    assert sign_in_form(theirs, email_of(app, user_id), PASSWORD).status_code == 303
    admin = signed_in(app, "admin")
    changed = admin.post(f"/admin/users/{user_id}", data={"name": "经纪人", "role": "reviewer", "institution": "", "active": "y",
                                                           "csrf_token": admin.csrf})
    assert changed.status_code == 303
    assert theirs.get("/account/").status_code == 302  # signed out
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.role, user.name) == ("reviewer", "经纪人")
    update = audit(app, action="user.update", target=f"user:{user_id}")[0]
    assert update.actor_id == admin.user_id and update.details["before"]["role"] == "intermediary" and update.details["after"]["role"] == "reviewer"
    # the same again changes nothing and writes nothing
    admin.post(f"/admin/users/{user_id}", data={"name": "经纪人", "role": "reviewer", "active": "y", "csrf_token": admin.csrf})
    assert len(audit(app, action="user.update", target=f"user:{user_id}")) == 1


def test_a_disabled_account_loses_its_sessions_and_tokens(app):
    user_id = add_user(app, "investor")
    _, secret = a_token(app, user_id)
    theirs = app.test_client()
    sign_in_form(theirs, email_of(app, user_id), PASSWORD)
    admin = signed_in(app, "admin")
    admin.post(f"/admin/users/{user_id}", data={"name": "x", "role": "investor", "csrf_token": admin.csrf})  # "active" unticked
    assert theirs.get("/account/").status_code == 302
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    listed = admin.get("/admin/users", query_string={"status": "disabled"}).get_data(as_text=True)
    assert email_of(app, user_id) in listed


def test_administrators_cannot_disable_or_demote_themselves(shared_app):
    admin = signed_in(shared_app, "admin")
    add_user(shared_app, "admin")  # not the last one: the refusal is about oneself
    for data in ({"role": "admin"}, {"role": "reviewer", "active": "y"}):  # disable; demote
        refused = admin.post(f"/admin/users/{admin.user_id}", data={"name": "me", **data, "csrf_token": admin.csrf})
        assert refused.status_code == 422 and "不能停用自己的账号" in refused.get_data(as_text=True)
    with shared_app.app_context():
        me = db.session.get(User, admin.user_id)
        assert me.role == "admin" and me.active
    token = auth(shared_app)
    me_id = shared_app.test_client().get("/api/v1/me", headers=token).get_json()["id"]
    api = shared_app.test_client().patch(f"/api/v1/admin/users/{me_id}", json={"active": False}, headers=token)
    assert api.status_code == 422 and api.get_json()["error"]["code"] == "account_error"


def test_the_last_active_administrator_stays_one(tmp_path):
    app = make_app(tmp_path)
    try:
        only = add_user(app, "admin")
        other = add_user(app, "admin")
        with app.app_context():
            accounts = current_services.accounts
            first, second = db.session.get(User, only), db.session.get(User, other)
            accounts.update_user(system_identity, second, active=False)  # one of two: fine
            db.session.commit()
            for change in ({"role": "investor"}, {"active": False}):
                with pytest.raises(AccountError, match="最后一个启用的管理员"):
                    accounts.update_user(system_identity, first, **change)
            db.session.rollback()
            first, second = db.session.get(User, only), db.session.get(User, other)
            assert first.role == "admin" and first.active and not second.active
            accounts.update_user(system_identity, second, active=True)
            accounts.update_user(system_identity, first, role="reviewer")  # now there is another
            db.session.commit()
            assert accounts.active_admins() == 1
    finally:
        close_app(app)


def test_accounts_are_listed_searched_filtered_and_paged(tmp_path):
    app = make_app(tmp_path, *DEMO)
    try:
        with app.app_context():
            inst = db.session.scalar(select(Institution).order_by(Institution.id))
            inst_id, inst_name, org = inst.id, inst.name, inst.public_id
        for n in range(55):
            add_user(app, "investor", email=f"investor{n:02d}@list.local")
        add_user(app, "publisher", email="pub@list.local", institution_id=inst_id)
        admin = signed_in(app, "admin")
        first = admin.get("/admin/users", query_string={"role": "investor"}).get_data(as_text=True)
        assert "共 55 个账号" in first and first.count("@list.local") == 50 and "第 1 / 2 页" in first
        second = admin.get("/admin/users", query_string={"role": "investor", "page": 2}).get_data(as_text=True)
        assert second.count("@list.local") == 5 and "investor00@list.local" in second  # newest first
        found = admin.get("/admin/users", query_string={"q": "INVESTOR07"}).get_data(as_text=True)
        assert "共 1 个账号" in found and "investor07@list.local" in found
        by_institution = admin.get("/admin/users", query_string={"institution": inst_name}).get_data(as_text=True)
        assert "pub@list.local" in by_institution and "investor" not in by_institution.split("<tbody>")[1]
        api = app.test_client().get("/api/v1/admin/users", query_string={"institution": org, "role": "publisher"}, headers=auth(app))
        assert [u["email"] for u in api.get_json()["items"]] == ["pub@list.local"]
        assert api.get_json()["items"][0]["institution"] == org
    finally:
        close_app(app)


def test_a_password_link_on_request_and_none_for_a_disabled_account(app, smtp):
    user_id = add_user(app, "reviewer")
    admin = signed_in(app, "admin")
    before = len(smtp.messages)
    assert admin.post(f"/admin/users/{user_id}/password-link", data={"csrf_token": admin.csrf}).status_code == 303
    mail = smtp.wait(before + 1)
    assert mail["To"] == email_of(app, user_id) and "Reset your password" in mail["Subject"]
    admin.post(f"/admin/users/{user_id}", data={"name": "x", "role": "reviewer", "csrf_token": admin.csrf})  # disable
    refused = admin.post(f"/admin/users/{user_id}/password-link", data={"csrf_token": admin.csrf})
    assert "账号已停用" in " ".join(flashes(admin.get(refused.headers["Location"]).get_data(as_text=True)))
    assert len(smtp.messages) == before + 1
    links = audit(app, action="user.password_link", target=f"user:{user_id}")
    assert [e.details["reason"] for e in links] == ["reset"] and links[0].actor_id == admin.user_id


def test_an_administrator_revokes_someone_elses_token(app):
    user_id = add_user(app, "intermediary")
    token_id, secret = a_token(app, user_id)
    bearer = {"Authorization": f"Bearer {secret}"}
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 200
    admin = signed_in(app, "admin")
    page = admin.get(f"/admin/users/{user_id}").get_data(as_text=True)
    assert "script" in page and f"/tokens/{token_id}/revoke" in page
    other = add_user(app, "investor")  # a token is revoked through its own account's page only
    assert admin.post(f"/admin/users/{other}/tokens/{token_id}/revoke", data={"csrf_token": admin.csrf}).status_code == 404
    assert admin.post(f"/admin/users/{user_id}/tokens/{token_id}/revoke", data={"csrf_token": admin.csrf}).status_code == 303
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 401
    revoked = audit(app, action="token.revoke", target=f"token:{token_id}")[0]
    assert revoked.actor_id == admin.user_id
    recent = admin.get(f"/admin/users/{user_id}").get_data(as_text=True)
    assert "token.create" in recent and "user.create" in recent  # the account's recent events
    everything = admin.get("/admin/audit", query_string={"user": user_id}).get_data(as_text=True)  # by it or about it
    assert "<code>token.create</code>" in everything and "<code>user.create</code>" in everything
    assert "<code>token.revoke</code>" not in everything and "共 2 条事件" in everything


def test_accounts_through_the_api(app, smtp):
    headers = auth(app)
    before = len(smtp.messages)
    made = app.test_client().post("/api/v1/admin/users", json={"email": "api-made@test.local", "name": "接口", "role": "intermediary"},
                                  headers=headers)
    assert made.status_code == 201
    body = made.get_json()
    assert body["mail"] == {"sent": True, "mail_configured": True} and body["password_set"] is False
    assert smtp.wait(before + 1)["To"] == "api-made@test.local"
    changed = app.test_client().patch(f"/api/v1/admin/users/{body['id']}", json={"role": "investor", "name": "改名"}, headers=headers)
    assert changed.status_code == 200 and (changed.get_json()["role"], changed.get_json()["name"]) == ("investor", "改名")
    for bad, code in (({"role": "king"}, 422), ({"colour": "blue"}, 422), ({"role": "publisher"}, 422)):
        assert app.test_client().patch(f"/api/v1/admin/users/{body['id']}", json=bad, headers=headers).status_code == code, bad
    assert app.test_client().patch("/api/v1/admin/users/999999", json={"name": "x"}, headers=headers).status_code == 404
    duplicate = app.test_client().post("/api/v1/admin/users", json={"email": "API-made@test.local", "name": "x", "role": "investor"},
                                       headers=headers)
    assert duplicate.status_code == 422


# -- the institution list ----------------------------------------------------------------------------

def test_institutions_are_listed_with_what_they_hold(shared_app):
    with shared_app.app_context():
        counts = current_services.indexer.institution_counts()
        inst_id, held = max(counts.items(), key=lambda kv: kv[1].get("achievements", 0))
        name = db.session.get(Institution, inst_id).name
    page = signed_in(shared_app, "admin").get("/admin/institutions", query_string={"q": name}).get_data(as_text=True)
    row = page[page.index(f"org-{inst_id}</code>"):].split("</tr>")[0]
    assert re.findall(r"<td>(\d+)</td>", row)[:3] == [str(held.get(k, 0)) for k in ("achievements", "patents", "instruments")]


# -- the audit log -------------------------------------------------------------------------------------

def test_the_audit_log_filters_pages_and_exports(tmp_path):
    app = make_app(tmp_path)
    try:
        admin = signed_in(app, "admin")
        with app.app_context():
            log = current_services.audit
            for n in range(60):
                log.record(system_identity, "user.update", f"user:{1000 + n}", {"n": n})
            log.record(system_identity, "institution.merge", "org-7", {"moved": {"achievements": ["ach-1"]}}, summary="=HYPERLINK(1)")
            old = log.record(system_identity, "user.create", "user:1", {})
            db.session.flush()
            old.at = datetime.now(timezone.utc) - timedelta(days=40)
            db.session.commit()
        page = admin.get("/admin/audit", query_string={"action": "user.update"}).get_data(as_text=True)
        assert "共 60 条事件" in page and page.count("<code>user.update</code>") == 50
        assert admin.get("/admin/audit", query_string={"action": "user.update", "page": 2}).get_data(as_text=True).count("<code>user.update</code>") == 10
        newest = re.search(r'<code>user.update</code></td>\s*<td><a href="/admin/users/(\d+)"', page).group(1)
        assert newest == "1059"  # newest first
        assert "共 1 条事件" in admin.get("/admin/audit", query_string={"target": "org-7"}).get_data(as_text=True)
        assert "共 0 条事件" in admin.get("/admin/audit", query_string={"actor": "nobody@"}).get_data(as_text=True)
        month_ago = (datetime.now(timezone.utc) - timedelta(days=30)).date().isoformat()
        older = admin.get("/admin/audit", query_string={"until": month_ago}).get_data(as_text=True)
        assert "共 1 条事件" in older and "<code>user.create</code>" in older
        recent = admin.get("/admin/audit", query_string={"since": month_ago, "action": "user."}).get_data(as_text=True)
        assert "共 61 条事件" in recent  # and the signed-in administrator's own user.create
        assert admin.get("/admin/audit", query_string={"since": "not a date"}).status_code == 200  # the field says why
        exported = admin.get("/admin/audit.csv", query_string={"action": "institution."})
        assert exported.status_code == 200 and exported.headers["Content-Disposition"].startswith("attachment")
        rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
        assert len(rows) == 2 and rows[1][2] == "institution.merge" and rows[1][4] == "'=HYPERLINK(1)"  # no formula runs
        assert rows[1][0].endswith("+00:00") and '"ach-1"' in rows[1][5]
        everything = list(csv.reader(io.StringIO(admin.get("/admin/audit.csv").data.decode("utf-8-sig"))))
        # the header, the events above, the administrator's creation and sign-in, the first export
        assert len(everything) == 1 + 62 + 2 + 1
        assert admin.get("/admin/audit.csv", query_string={"since": "x"}).status_code == 422
        exports = audit(app, action="audit.export")
        assert len(exports) == 2 and exports[-1].details == {"action": "institution."}
        api = app.test_client().get("/api/v1/admin/audit", query_string={"action": "user.update", "per_page": 5, "page": 2},
                                    headers=auth(app))
        body = api.get_json()
        assert (body["total"], body["pages"], len(body["items"])) == (60, 12, 5) and body["items"][0]["target"] == "user:1054"
    finally:
        close_app(app)
