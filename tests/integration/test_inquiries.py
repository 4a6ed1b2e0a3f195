"""Inquiries in the store (SQLite and PostgreSQL): a company writes about a record, the holder
answers, they negotiate and agree (or close); a broker joins; nobody else reads an inquiry;
contacts stay hidden until the holder answered; messages are rate-limited."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.apps import add_user, close_app, make_app, store_config
from web.extensions import db
from web.models import Achievement, Institution, User
from web.proxies import current_services
from web.services.identity import Identity
from web.services.inquiries import InquiryError, RateLimited
from web.services.records import holder_ids

pytestmark = pytest.mark.integration

DEMO = ("demo", "load", "--achievements", "10", "--patents", "5", "--instruments", "5")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def app(request, tmp_path):
    app = make_app(tmp_path, *DEMO, INQUIRY_MESSAGES_PER_HOUR=5, **store_config(request))
    yield app
    close_app(app)


def who(app, role: str, institution_id: int | None = None) -> Identity:
    uid = add_user(app, role, institution_id=institution_id)
    with app.app_context():
        email = db.session.get(User, uid).email
    return Identity(str(uid), frozenset({role}), institution_id=institution_id if role == "publisher" else None, email=email)


def a_record(app) -> tuple[str, int]:
    with app.app_context():
        rec = db.session.scalars(select(Achievement).where(Achievement.status == "published").order_by(Achievement.id)).first()
        return rec.public_id, sorted(holder_ids(rec))[0]


def test_an_inquiry_answered_negotiated_and_agreed(app):
    record_id, inst = a_record(app)
    company, holder, broker = who(app, "investor"), who(app, "publisher", inst), who(app, "intermediary")
    with app.app_context():
        svc = current_services.inquiries
        inquiry = svc.send(company, record_id, "希望了解许可条件", "我公司拟在长春建设生产线，想了解许可费用。")
        iid = inquiry.id
        assert (inquiry.status, inquiry.holder_institution_id) == ("sent", inst)
        assert not svc.contacts_visible(inquiry)
        assert [i.id for i in svc.list(holder)] == [iid]
        svc.reply(company, iid, "补充：预计年产 500 吨。")
        assert svc.get(company, iid).status == "sent"  # the sender's own messages do not answer it
        svc.reply(holder, iid, "欢迎，许可费可面议。")
        inquiry = svc.get(company, iid)
        assert inquiry.status == "answered" and inquiry.answered_at is not None and svc.contacts_visible(inquiry)
        svc.ask_broker(company, iid, broker.email)
        assert svc.get(broker, iid).broker_id == broker.user_id  # the broker reads it now
        svc.negotiate(holder, iid)
        agreed = svc.agree(holder, iid, "license", 300000)
        assert (agreed.status, agreed.agreement_mode, agreed.agreement_amount) == ("agreed", "license", 300000)
        assert agreed.negotiating_at and agreed.agreed_at and len(agreed.messages) == 3
        with pytest.raises(InquiryError):
            svc.reply(company, iid, "还有一个问题")  # agreed is final
        rec = db.session.get(Achievement, Achievement.parse_public_id(record_id))
        counts = svc.transfers(agreed.agreed_at.year)
        assert counts["mode"] == {"license": 1} and counts["field"] == {rec.field or "unknown": 1}
        assert counts["city"] == {rec.institutions[0].city or "unknown": 1} and svc.transfers(1999)["mode"] == {}


def test_closed_without_agreement(app):
    record_id, inst = a_record(app)
    company = who(app, "intermediary")
    with app.app_context():
        svc = current_services.inquiries
        iid = svc.send(company, record_id, "询价", "请报价").id
        with pytest.raises(InquiryError):
            svc.agree(company, iid, "transfer")  # not answered yet
        closed = svc.close(company, iid)
        assert closed.status == "closed" and closed.closed_at is not None


def test_nobody_else_reads_an_inquiry(app):
    record_id, inst = a_record(app)
    with app.app_context():
        other_inst = db.session.scalar(select(Institution.id).where(Institution.id != inst).order_by(Institution.id))
    company, stranger, other_publisher = who(app, "investor"), who(app, "investor"), who(app, "publisher", other_inst)
    with app.app_context():
        svc = current_services.inquiries
        iid = svc.send(company, record_id, "主题", "内容").id
        for outsider in (stranger, other_publisher):
            with pytest.raises(LookupError):
                svc.get(outsider, iid)
            assert svc.list(outsider) == []
        with pytest.raises(PermissionError):  # a publisher does not send inquiries
            svc.send(other_publisher, record_id, "主题", "内容")


def test_messages_are_rate_limited_and_checked(app):
    record_id, _ = a_record(app)
    company = who(app, "investor")
    with app.app_context():
        svc = current_services.inquiries
        with pytest.raises(InquiryError) as err:
            svc.send(company, record_id, "主题", "  ")
        assert err.value.field == "body"
        with pytest.raises(LookupError):
            svc.send(company, "ach-999999", "主题", "内容")
        iid = svc.send(company, record_id, "主题", "第 1 条").id
        for n in range(2, 6):
            svc.reply(company, iid, f"第 {n} 条")
        with pytest.raises(RateLimited):
            svc.reply(company, iid, "第 6 条")
