"""Inquiries and listing feedback on the site and over the API (SQLite): from the record page's
panel to an agreement, with the e-mails the holder's publishers and the other side receive (a
real SMTP server); nobody but the parties reads an inquiry (the same 404 as a made-up id); the
contact details stay hidden until the holder answers; the hourly limit answers 429 on the form
and in the API; a cookie post without its CSRF token changes nothing; both languages.

The inquiry and feedback services themselves are tested in test_inquiries.py and test_feedback.py;
this file is about the pages, the API and the mail."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from tests.apps import close_app, email_of, mail_config, make_app, signed_in
from web import inquiry_mail
from web.extensions import db
from web.models import Achievement, Inquiry, InquiryMessage, Institution, ListingFeedback, User
from web.proxies import current_services
from web.services.records import holder_ids

pytestmark = pytest.mark.integration
DEMO = ["demo", "load", "--achievements", "30", "--patents", "10", "--instruments", "5"]
LIMIT = 4  # messages an account may write an hour, here


@pytest.fixture(scope="module")
def site(tmp_path_factory, smtp):
    app = make_app(tmp_path_factory.mktemp("inquiries-web"), *DEMO, INQUIRY_MESSAGES_PER_HOUR=LIMIT, INQUIRY_MAIL="inline",
                   **mail_config(smtp))
    yield app
    close_app(app)


@pytest.fixture(scope="module")
def record(site) -> dict:
    """A published achievement with a contact person, its holder institution (with two publishers)
    and another institution (with one)."""
    with site.app_context():
        rec = db.session.scalars(select(Achievement).where(Achievement.status == "published", Achievement.contact_email.is_not(None))
                                 .order_by(Achievement.id)).first()
        holder = sorted(holder_ids(rec))[0]
        other = db.session.scalar(select(Institution.id).where(Institution.id != holder).order_by(Institution.id))
        info = {"id": rec.public_id, "title": rec.title, "contact": rec.contact_email, "holder": holder, "other": other}
    info["publishers"] = [signed_in(site, "publisher", institution_id=holder) for _ in range(2)]
    info["stranger"] = signed_in(site, "publisher", institution_id=other)
    return info


def html_of(response) -> str:
    return response.get_data(as_text=True)


def mails_to(smtp, address: str) -> list:
    return [m for m in smtp.messages if m["To"] == address]


def wait_for_mail(smtp, address: str, n: int = 1, timeout: float = 10):
    import time

    deadline = time.monotonic() + timeout
    while len(mails_to(smtp, address)) < n and time.monotonic() < deadline:
        time.sleep(0.05)
    found = mails_to(smtp, address)
    assert len(found) >= n, f"{len(found)} mails to {address}, {n} expected"
    return found[n - 1]


def send_inquiry(client, public_id: str, subject: str = "希望了解许可条件", body: str = "我公司拟在长春建设生产线，想了解许可费用。") -> int:
    answer = client.post(f"/inquiries/new/{public_id}", data={"csrf_token": client.csrf, "subject": subject, "body": body})
    assert answer.status_code == 303, html_of(answer)[:1000]
    return int(re.fullmatch(r"/inquiries/(\d+)", urlsplit(answer.headers["Location"]).path).group(1))


def token_of(site, client) -> dict[str, str]:
    with site.app_context():
        secret = current_services.accounts.create_token(db.session.get(User, client.user_id), "tests").secret
        db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def message_count(site) -> int:
    with site.app_context():
        n = db.session.scalar(select(func.count()).select_from(InquiryMessage))
        db.session.remove()
        return n


# -- the pages, from the record page to an agreement ------------------------------------------------
def test_from_the_record_page_to_an_agreement(site, record, smtp):
    investor = signed_in(site, "investor")
    page = html_of(investor.get(f"/records/{record['id']}"))
    assert f'href="/inquiries/new/{record["id"]}"' in page and "联系持有方" in page
    form = investor.get(f"/inquiries/new/{record['id']}")
    assert form.status_code == 200 and record["title"] in html_of(form)
    assert 'name="csrf_token"' in html_of(form) and "exchange-tabs" in html_of(form)
    inquiry_id = send_inquiry(investor, record["id"])

    # the holder's publishers hear of it by e-mail: who wrote, about what, with a link; no contact details
    investor_email = email_of(site, investor.user_id)
    for publisher in record["publishers"]:
        mail = wait_for_mail(smtp, email_of(site, publisher.user_id))
        text = mail.get_content()
        assert "新的洽谈" in mail["Subject"] and "New inquiry" in mail["Subject"]
        assert record["title"] in text and "我公司拟在长春建设生产线" in text and f"/inquiries/{inquiry_id}" in text
        assert investor_email not in text and mail["Auto-Submitted"] == "auto-generated"
    assert not mails_to(smtp, investor_email)  # the sender is not told of their own inquiry

    # before the answer: no contact details on either side
    mine = html_of(investor.get(f"/inquiries/{inquiry_id}"))
    assert 'data-contacts="hidden"' in mine and record["contact"] not in mine and 'data-status="sent"' in mine
    holder = record["publishers"][0]
    theirs = html_of(holder.get(f"/inquiries/{inquiry_id}"))
    assert 'data-contacts="hidden"' in theirs and investor_email not in theirs
    inbox = html_of(holder.get("/inquiries?box=received&status=sent"))
    assert f'data-inquiry="{inquiry_id}"' in inbox and "希望了解许可条件" in inbox
    assert f'data-inquiry="{inquiry_id}"' not in html_of(holder.get("/inquiries?box=sent"))
    assert 'data-open-inquiries="' in html_of(holder.get(f"/records/{record['id']}"))
    # the investor cannot negotiate an inquiry nobody answered: told so, nothing changes
    refused = investor.post(f"/inquiries/{inquiry_id}/status", data={"csrf_token": investor.csrf, "status": "negotiating"})
    assert refused.status_code == 303
    assert "只有已答复的洽谈可以进入谈判" in html_of(investor.get(refused.headers["Location"]))

    # the holder answers: both sides now see the contacts; the investor is told by e-mail
    answered = holder.post(f"/inquiries/{inquiry_id}/messages", data={"csrf_token": holder.csrf, "body": "欢迎，许可费可面议。"})
    assert answered.status_code == 303 and "#message-" in answered.headers["Location"]
    mail = wait_for_mail(smtp, investor_email)
    assert "洽谈有新消息" in mail["Subject"] and "欢迎，许可费可面议。" in mail.get_content()
    mine = html_of(investor.get(f"/inquiries/{inquiry_id}"))
    assert 'data-contacts="shown"' in mine and record["contact"] in mine and 'data-status="answered"' in mine
    assert investor_email in html_of(holder.get(f"/inquiries/{inquiry_id}"))
    with site.app_context():  # the record's contact shown to the investor is logged for the holder
        from web.models import DisclosureEvent

        assert db.session.scalar(select(func.count()).select_from(DisclosureEvent).where(
            DisclosureEvent.user_id == investor.user_id, DisclosureEvent.kind == "contact")) >= 1
        db.session.remove()

    # negotiation, then agreement with a mode and an amount
    moved = investor.post(f"/inquiries/{inquiry_id}/status", data={"csrf_token": investor.csrf, "status": "negotiating"})
    assert moved.status_code == 303
    bad = holder.post(f"/inquiries/{inquiry_id}/status", data={"csrf_token": holder.csrf, "status": "agreed", "mode": "barter", "amount": "-5"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in html_of(bad)
    agreed = holder.post(f"/inquiries/{inquiry_id}/status", data={"csrf_token": holder.csrf, "status": "agreed", "mode": "license",
                                                                   "amount": "300000"})
    assert agreed.status_code == 303
    final = html_of(investor.get(f"/inquiries/{inquiry_id}"))
    assert 'data-status="agreed"' in final and "达成协议" in final and 'data-agreement-mode="license"' in final and "30万元" in final
    assert re.findall(r'data-step="(\w+)"', final) == ["sent", "answered", "negotiating", "agreed"]
    assert "data-reply-form" not in final and "data-agree-form" not in final  # agreed is final
    status_mail = wait_for_mail(smtp, investor_email, 2)  # the holder agreed: the investor hears of it
    assert "达成协议" in status_mail["Subject"] and "Licence" in status_mail.get_content()
    with site.app_context():
        inquiry = db.session.get(Inquiry, inquiry_id)
        assert (inquiry.agreement_mode, inquiry.agreement_amount) == ("license", 300000)
        db.session.remove()


# -- who may read ---------------------------------------------------------------------------------------
def scrub(text: str) -> str:
    text = re.sub(r'<input[^>]*name="csrf_token"[^>]*>|nonce="[^"]+"', "", text)
    return re.sub(r"\d+", "N", text)


def test_nobody_but_the_parties_reads_an_inquiry(site, record, smtp):
    investor = signed_in(site, "investor")
    inquiry_id = send_inquiry(investor, record["id"])
    others = {"another investor": signed_in(site, "investor"), "another institution's publisher": record["stranger"],
              "an intermediary": signed_in(site, "intermediary"), "a reviewer": signed_in(site, "reviewer")}
    for who, client in others.items():
        for path in (f"/inquiries/{inquiry_id}", f"/api/v1/inquiries/{inquiry_id}"):
            seen, unseen = client.get(path), client.get(path.replace(str(inquiry_id), "99999999"))
            assert seen.status_code == unseen.status_code == 404, (who, path)
            assert scrub(html_of(seen)) == scrub(html_of(unseen)), (who, path)
        for path, data in ((f"/inquiries/{inquiry_id}/messages", {"body": "插话"}), (f"/inquiries/{inquiry_id}/status", {"status": "closed"}),
                           (f"/inquiries/{inquiry_id}/broker", {"email": "x@example.com"})):
            assert client.post(path, data={"csrf_token": client.csrf, **data}).status_code == 404, (who, path)
        assert f'data-inquiry="{inquiry_id}"' not in html_of(client.get("/inquiries"))
        assert all(i["id"] != inquiry_id for i in client.get("/api/v1/inquiries").get_json()["items"])
    anonymous = site.test_client()
    page = anonymous.get(f"/inquiries/{inquiry_id}")
    assert page.status_code == 302 and "/account/login" in page.headers["Location"]
    assert anonymous.get(f"/api/v1/inquiries/{inquiry_id}").status_code == 401
    assert anonymous.get("/inquiries").status_code == 302
    # a publisher or a reviewer does not send inquiries
    assert record["stranger"].get(f"/inquiries/new/{record['id']}").status_code == 403
    # the broker the investor invites reads and writes from then on, and is told by e-mail
    broker = others["an intermediary"]
    broker_email = email_of(site, broker.user_id)
    unknown = investor.post(f"/inquiries/{inquiry_id}/broker", data={"csrf_token": investor.csrf, "email": email_of(site, record["stranger"].user_id)})
    assert unknown.status_code == 422 and "未找到该技术经纪人" in html_of(unknown)
    invited = investor.post(f"/inquiries/{inquiry_id}/broker", data={"csrf_token": investor.csrf, "email": broker_email.upper()})
    assert invited.status_code == 303
    assert "请您居间洽谈" in wait_for_mail(smtp, broker_email)["Subject"]
    assert broker.get(f"/inquiries/{inquiry_id}").status_code == 200
    assert broker.post(f"/inquiries/{inquiry_id}/messages", data={"csrf_token": broker.csrf, "body": "我来协助双方沟通。"}).status_code == 303
    assert f'data-inquiry="{inquiry_id}"' in html_of(broker.get("/inquiries?box=brokered"))
    # the broker's message reaches both other sides
    assert "我来协助双方沟通" in wait_for_mail(smtp, email_of(site, investor.user_id)).get_content()
    holder_mails = mails_to(smtp, email_of(site, record["publishers"][0].user_id))
    assert any("我来协助双方沟通" in m.get_content() for m in holder_mails)


def test_a_page_for_a_record_that_is_not_published_is_404(site, record):
    investor = signed_in(site, "investor")
    assert investor.get("/inquiries/new/ach-99999999").status_code == 404
    assert investor.get("/inquiries/new/org-1").status_code == 404  # institutions are not written to so
    assert investor.get("/inquiries/new/nonsense").status_code == 404


# -- the API --------------------------------------------------------------------------------------------
def test_the_api_from_inquiry_to_agreement_with_the_pages_errors(site, record):
    investor = signed_in(site, "investor")
    headers = token_of(site, investor)
    holder = token_of(site, record["publishers"][1])
    made = investor.post("/api/v1/inquiries", json={"record_id": record["id"], "subject": "接口询价", "body": "请报价。"}, headers=headers)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert made.headers["Location"].endswith(f"/api/v1/inquiries/{body['id']}")
    assert (body["status"], body["side"], body["contacts_visible"], body["contacts"], body["record"]["id"]) == \
        ("sent", "sender", False, None, record["id"])
    assert [m["body"] for m in body["messages"]] == ["请报价。"] and body["links"]["html"].endswith(f"/inquiries/{body['id']}")
    path = f"/api/v1/inquiries/{body['id']}"
    # the service's refusals, with the words the pages use
    empty = investor.post(f"{path}/messages", json={"body": "   "}, headers=headers)
    assert empty.status_code == 422 and empty.get_json()["error"]["details"] == [{"field": "body", "message": "消息不能为空 / the message is empty"}]
    assert investor.post("/api/v1/inquiries", json={"record_id": record["id"], "subject": " ", "body": "x"}, headers=headers).status_code == 422
    assert investor.post("/api/v1/inquiries", json={"record_id": "ach-99999999", "subject": "x", "body": "x"}, headers=headers).status_code == 404
    assert investor.post("/api/v1/inquiries", json={"subject": "x"}, headers=headers).status_code == 422
    assert investor.post("/api/v1/inquiries", data="x", headers=headers).status_code == 415
    assert record["stranger"].post("/api/v1/inquiries", json={"record_id": record["id"], "subject": "x", "body": "x"},
                                   headers=token_of(site, record["stranger"])).status_code == 403
    early = investor.post(f"{path}/status", json={"status": "negotiating"}, headers=headers)
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "invalid_state"
    # the holder answers; the contacts appear
    answer = investor.post(f"{path}/messages", json={"body": "可以，价格面议。"}, headers=holder)
    assert answer.status_code == 201 and answer.get_json()["status"] == "answered" and answer.get_json()["side"] == "holder"
    seen = investor.get(path, headers=headers).get_json()
    assert seen["contacts_visible"] and seen["contacts"]["record"]["email"] == record["contact"]
    assert seen["contacts"]["sender"]["email"] == email_of(site, investor.user_id) and seen["answered_at"]
    no_mode = investor.post(f"{path}/status", json={"status": "agreed"}, headers=headers)
    assert no_mode.status_code == 422 and no_mode.get_json()["error"]["details"][0]["field"] == "mode"
    assert investor.post(f"{path}/status", json={"status": "negotiating"}, headers=headers).get_json()["status"] == "negotiating"
    done = investor.post(f"{path}/status", json={"status": "agreed", "mode": "transfer", "amount": 1200000}, headers=holder).get_json()
    assert (done["status"], done["agreement_mode"], done["agreement_amount"]) == ("agreed", "transfer", 1200000)
    assert done["sent_at"] <= done["answered_at"] <= done["negotiating_at"] <= done["agreed_at"] and done["closed_at"] is None
    over = investor.post(f"{path}/messages", json={"body": "还有一个问题"}, headers=headers)
    assert over.status_code == 409 and over.get_json()["error"]["code"] == "closed"
    listed = investor.get("/api/v1/inquiries?box=sent&status=agreed", headers=headers).get_json()
    assert [i["id"] for i in listed["items"]] == [body["id"]] and "messages" not in listed["items"][0]
    assert investor.get("/api/v1/inquiries?box=received", headers=headers).get_json()["total"] == 0
    assert investor.get("/api/v1/inquiries?status=nonsense", headers=headers).status_code == 422


# -- the hourly limit --------------------------------------------------------------------------------
def test_the_hourly_limit_is_a_form_error_and_a_429(site, record):
    investor = signed_in(site, "investor")
    for n in range(LIMIT):
        send_inquiry(investor, record["id"], subject=f"第{n}次询价")
    refused = investor.post(f"/inquiries/new/{record['id']}", data={"csrf_token": investor.csrf, "subject": "再问一次", "body": "请回复"})
    assert refused.status_code == 429 and "每小时最多 4 条消息" in html_of(refused)
    english = investor.post(f"/inquiries/new/{record['id']}?lang=en", data={"csrf_token": investor.csrf, "subject": "again", "body": "please"})
    assert english.status_code == 429 and "at most 4 an hour" in html_of(english)
    api = investor.post("/api/v1/inquiries", json={"record_id": record["id"], "subject": "x", "body": "y"}, headers=token_of(site, investor))
    assert api.status_code == 429 and api.get_json()["error"]["code"] == "rate_limited"
    with site.app_context():
        sent = db.session.scalar(select(func.count()).select_from(Inquiry).where(Inquiry.sender_id == investor.user_id))
        db.session.remove()
    assert sent == LIMIT
    # a reply counts too
    with site.app_context():
        first = db.session.scalar(select(Inquiry.id).where(Inquiry.sender_id == investor.user_id).order_by(Inquiry.id))
        db.session.remove()
    reply = investor.post(f"/inquiries/{first}/messages", data={"csrf_token": investor.csrf, "body": "补充"})
    assert reply.status_code == 429 and "at most 4 an hour" in html_of(reply), html_of(reply)[-3000:]


# -- CSRF ------------------------------------------------------------------------------------------------
def test_a_cookie_post_without_its_csrf_token_changes_nothing(site, record):
    investor = signed_in(site, "investor")
    inquiry_id = send_inquiry(investor, record["id"])
    before = message_count(site)
    with site.app_context():
        feedback_before = db.session.scalar(select(func.count()).select_from(ListingFeedback))
        db.session.remove()
    posts = [
        (f"/inquiries/new/{record['id']}", {"subject": "跨站", "body": "跨站"}),
        (f"/inquiries/{inquiry_id}/messages", {"body": "跨站"}),
        (f"/inquiries/{inquiry_id}/status", {"status": "closed"}),
        (f"/records/{record['id']}/feedback", {"fb-reason": "price"}),
    ]
    for path, data in posts:
        answer = investor.post(path, data=data, headers={"Origin": "https://evil.example"})
        assert answer.status_code in (400, 403), path
    # the API with the session cookie needs X-CSRFToken as well
    for path, body in ((f"/api/v1/inquiries/{inquiry_id}/messages", {"body": "跨站"}), (f"/api/v1/inquiries/{inquiry_id}/status", {"status": "closed"}),
                       ("/api/v1/inquiries", {"record_id": record["id"], "subject": "跨站", "body": "跨站"}),
                       (f"/api/v1/records/{record['id']}/feedback", {"reason": "price"})):
        assert investor.post(path, json=body).status_code in (400, 403), path
    assert message_count(site) == before
    with site.app_context():
        assert db.session.get(Inquiry, inquiry_id).status == "sent"
        assert db.session.scalar(select(func.count()).select_from(ListingFeedback)) == feedback_before
        db.session.remove()
    # with the token, the session works in the API as well
    ok = investor.post(f"/api/v1/inquiries/{inquiry_id}/messages", json={"body": "带令牌"}, headers={"X-CSRFToken": investor.csrf})
    assert ok.status_code == 201


# -- languages ---------------------------------------------------------------------------------------------
def test_the_pages_in_both_languages(site, record):
    investor = signed_in(site, "investor")
    inquiry_id = send_inquiry(investor, record["id"])
    holder = record["publishers"][0]
    holder.post(f"/inquiries/{inquiry_id}/messages", data={"csrf_token": holder.csrf, "body": "好的"})
    holder.post(f"/inquiries/{inquiry_id}/status", data={"csrf_token": holder.csrf, "status": "agreed", "mode": "license"})
    for path in ("/inquiries", f"/inquiries/{inquiry_id}", f"/inquiries/new/{record['id']}"):
        zh, en = investor.get(path + "?lang=zh"), investor.get(path + ("&" if "?" in path else "?") + "lang=en")
        assert zh.status_code == en.status_code == 200, path
        assert '<html lang="zh-CN"' in html_of(zh) and '<html lang="en"' in html_of(en), path
    assert "许可" in html_of(investor.get(f"/inquiries/{inquiry_id}?lang=zh"))
    english = html_of(investor.get(f"/inquiries/{inquiry_id}?lang=en"))
    assert ">Licence<" in english  # the agreement's mode, from the vocabulary
    # a service's refusal in the reader's language
    other = send_inquiry(investor, record["id"])
    refused = investor.post(f"/inquiries/{other}/status?lang=en", data={"csrf_token": investor.csrf, "status": "negotiating"})
    assert "only an answered inquiry goes into negotiation" in html_of(investor.get(refused.headers["Location"]))


# -- feedback on listings ----------------------------------------------------------------------------------
def test_feedback_from_companies_summarised_for_the_holder(site, record):
    first, second = signed_in(site, "investor"), signed_in(site, "intermediary")
    page = html_of(first.get(f"/records/{record['id']}"))
    assert "data-feedback-form" in page and 'name="fb-reason"' in page
    # "other" needs a note: the form again, with the service's words beside the field
    missing = first.post(f"/records/{record['id']}/feedback", data={"csrf_token": first.csrf, "fb-reason": "other"})
    assert missing.status_code == 422 and "请说明原因" in html_of(missing) and 'aria-invalid="true"' in html_of(missing)
    given = first.post(f"/records/{record['id']}/feedback", data={"csrf_token": first.csrf, "fb-reason": "other", "fb-note": "需要中试数据"})
    assert given.status_code == 303 and given.headers["Location"].endswith(f"/records/{record['id']}#feedback")
    assert 'data-my-feedback="other"' in html_of(first.get(f"/records/{record['id']}"))
    second.post(f"/records/{record['id']}/feedback", data={"csrf_token": second.csrf, "fb-reason": "price"})
    # a second answer replaces the first
    first.post(f"/records/{record['id']}/feedback", data={"csrf_token": first.csrf, "fb-reason": "too_early", "fb-note": "仍在小试阶段"})
    holder_page = html_of(record["publishers"][0].get(f"/records/{record['id']}"))
    panel = holder_page[holder_page.index('id="feedback"'):]
    panel = panel[:panel.index("</section>")]
    assert 'data-feedback-total="2"' in panel and 'data-reason="too_early">1<' in panel and 'data-reason="price">1<' in panel
    assert 'data-reason="other">0<' in panel and "仍在小试阶段" in panel and "需要中试数据" not in panel
    for user in (first, second):  # never who wrote it
        assert email_of(site, user.user_id) not in panel
    assert 'id="feedback"' not in html_of(record["stranger"].get(f"/records/{record['id']}"))
    assert 'id="feedback"' not in html_of(site.test_client().get(f"/records/{record['id']}"))
    # the API: the same rules, the holder's summary
    headers = token_of(site, first)
    again = first.post(f"/api/v1/records/{record['id']}/feedback", json={"reason": "price"}, headers=headers)
    assert again.status_code == 200 and again.get_json()["reason"] == "price"  # replaced
    newcomer = signed_in(site, "investor")
    made = newcomer.post(f"/api/v1/records/{record['id']}/feedback", json={"reason": "benefit_unclear"}, headers=token_of(site, newcomer))
    assert made.status_code == 201
    note = newcomer.post(f"/api/v1/records/{record['id']}/feedback", json={"reason": "other"}, headers=token_of(site, newcomer))
    assert note.status_code == 422 and note.get_json()["error"]["details"][0]["field"] == "note"
    assert newcomer.post(f"/api/v1/records/{record['id']}/feedback", json={"reason": "cheap"}, headers=token_of(site, newcomer)).status_code == 422
    summary = first.get(f"/api/v1/records/{record['id']}/feedback", headers=token_of(site, record["publishers"][1]))
    assert summary.status_code == 200
    assert summary.get_json()["by_reason"] == {"too_early": 0, "benefit_unclear": 1, "price": 2, "description_unclear": 0, "other": 0}
    assert first.get(f"/api/v1/records/{record['id']}/feedback", headers=headers).status_code == 403
    assert site.test_client().get(f"/api/v1/records/{record['id']}/feedback").status_code == 401
    assert record["stranger"].post(f"/records/{record['id']}/feedback", data={"csrf_token": record["stranger"].csrf, "fb-reason": "price"}
                                   ).status_code == 403
    assert first.post("/api/v1/records/ach-99999999/feedback", json={"reason": "price"}, headers=headers).status_code == 404


# -- the e-mail's way: a worker in production ------------------------------------------------------------
def test_the_mail_goes_through_the_worker_after_the_commit(site, record, smtp, monkeypatch):
    import ingest.inquiry_tasks  # noqa: F401 - registers the task

    sent: list[tuple[str, dict]] = []
    celery = site.extensions["celery"]
    monkeypatch.setitem(site.config, "INQUIRY_MAIL", "task")
    monkeypatch.setattr(celery, "send_task", lambda name, kwargs=None, **kw: sent.append((name, kwargs)))
    investor = signed_in(site, "investor")
    publisher = record["publishers"][0]
    before = len(mails_to(smtp, email_of(site, publisher.user_id)))
    inquiry_id = send_inquiry(investor, record["id"], subject="经由队列")
    assert [name for name, _ in sent] == [inquiry_mail.TASK]
    kind, event = sent[0][1]["kind"], sent[0][1]
    assert (kind, event["inquiry_id"], event["actor_id"]) == ("new", inquiry_id, investor.user_id) and event["message_id"]
    assert len(mails_to(smtp, email_of(site, publisher.user_id))) == before  # nothing sent in the request
    with site.app_context():
        celery.tasks[inquiry_mail.TASK].apply(kwargs=event).get()
    assert "经由队列" in wait_for_mail(smtp, email_of(site, publisher.user_id), before + 1)["Subject"]
    # a server that refuses: the recipients come back, for the task to try again
    monkeypatch.setattr(current_services_mailer(site).settings, "port", free_port_nobody_listens_on())
    with site.app_context():
        failed = inquiry_mail.send(**event)
    assert sorted(failed) == sorted(p.user_id for p in record["publishers"])
    # a broker that cannot be reached never undoes the write
    monkeypatch.setattr(celery, "send_task", lambda *a, **k: (_ for _ in ()).throw(ConnectionError("no broker")))
    assert send_inquiry(investor, record["id"], subject="队列不可用")


def current_services_mailer(site):
    with site.app_context():
        return current_services.mailer


def free_port_nobody_listens_on() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
