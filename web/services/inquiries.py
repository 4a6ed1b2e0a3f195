"""Inquiries between those who want a result and those who hold it. Identity first; every state
change audited.

* Who: a company (investor) or an intermediary writes about a published achievement, patent or
  instrument; the record's holder institution's publishers answer; either side may ask an
  intermediary to broker, who then reads and writes too. Nobody else sees an inquiry.
* Contact details stay hidden until the holder has answered (``contacts_visible``).
* Messages per account are limited (``max_per_hour``): a platform that lets anyone write to
  every holder must not become a way to spam them.
* Status and its dates: sent -> answered (the holder's first reply) -> negotiating -> agreed
  (with the mode of transfer) or closed without agreement; agreed and closed are final."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..models import BY_PREFIX, Achievement, Instrument, Inquiry, InquiryMessage, Need, Patent, User
from ..models.common import utcnow
from .audit import AuditLog
from .identity import Identity
from .records import holder_ids, linked_institutions

SENDER_ROLES = frozenset({"investor", "intermediary"})
AGREEMENT_MODES = ("transfer", "license", "equity", "cooperation", "other")
MAX_BODY = 5000


def record_city(record: Any) -> str | None:
    """The city a record is counted in, as its index document says it (an achievement's is its
    first holder's, a patent's or an instrument's its own or else its institution's)."""
    own = getattr(record, "city", None)
    if own:
        return own
    linked = linked_institutions(record)
    return linked[0].city if linked else None


class InquiryError(ValueError):
    def __init__(self, message: str, code: str = "invalid_inquiry", field: str | None = None):
        super().__init__(message)
        self.code, self.field = code, field


class RateLimited(InquiryError):
    def __init__(self, limit: int):
        super().__init__(f"发送过于频繁：每小时最多 {limit} 条消息 / too many messages: at most {limit} an hour", "rate_limited")


class InquiryService:
    def __init__(self, session: Session, audit: AuditLog, max_per_hour: int = 30):
        self.session = session
        self.audit = audit
        self.max_per_hour = max_per_hour

    # -- who is who -----------------------------------------------------------------------------------
    def is_holder(self, identity: Identity, inquiry: Inquiry) -> bool:
        """The holder institution's publishers (administrators too); for a technology need, the
        account that posted it."""
        if inquiry.holder_user_id is not None:
            return identity.is_admin or identity.user_id == inquiry.holder_user_id
        return identity.acts_for(inquiry.holder_institution_id)

    def is_party(self, identity: Identity, inquiry: Inquiry) -> bool:
        uid = identity.user_id
        return uid is not None and (uid in (inquiry.sender_id, inquiry.broker_id) or self.is_holder(identity, inquiry))

    def contacts_visible(self, inquiry: Inquiry) -> bool:
        """The record's contact details are shown to the sender only once the holder answered."""
        return inquiry.answered_at is not None

    # -- reading ----------------------------------------------------------------------------------------
    def get(self, identity: Identity, inquiry_id: int) -> Inquiry:
        inquiry = self.session.get(Inquiry, inquiry_id) if 1 <= inquiry_id <= 2**31 - 1 else None
        if inquiry is None or not self.is_party(identity, inquiry):
            raise LookupError(f"no inquiry {inquiry_id}")
        return inquiry

    def list(self, identity: Identity, status: str | None = None, record_id: str | None = None) -> list[Inquiry]:
        """The identity's inquiries: sent, brokered, or to their institution (``record_id``: about
        that record only, as its page lists them)."""
        uid = identity.user_id
        if uid is None:
            raise PermissionError("sign in to read inquiries")
        mine = [Inquiry.sender_id == uid, Inquiry.broker_id == uid, Inquiry.holder_user_id == uid]
        if identity.is_publisher:
            mine.append(Inquiry.holder_institution_id == identity.institution_id)
        query = select(Inquiry).where(or_(*mine))
        if status:
            query = query.where(Inquiry.status == status)
        if record_id:
            query = query.where(Inquiry.record_id == record_id)
        return list(self.session.scalars(query.order_by(Inquiry.updated_at.desc(), Inquiry.id.desc())))

    def transfers(self, year: int | None = None) -> dict[str, dict[str, int]]:
        """Agreements reached on the platform, counted by mode, technology field and city (the
        real transfers the statistics report), of one year of agreement or of all."""
        query = select(Inquiry.agreement_mode, Inquiry.record_field, Inquiry.record_city).where(Inquiry.status == "agreed")
        if year is not None:
            query = query.where(func.extract("year", Inquiry.agreed_at) == year)
        out: dict[str, dict[str, int]] = {"mode": {}, "field": {}, "city": {}}
        for mode, field_, city in self.session.execute(query):
            for key, value in (("mode", mode), ("field", field_), ("city", city)):
                value = value or "unknown"
                out[key][value] = out[key].get(value, 0) + 1
        return out

    # -- writing ----------------------------------------------------------------------------------------
    def send(self, identity: Identity, record_id: str, subject: str, body: str) -> Inquiry:
        uid = self._uid(identity)
        record = self._record(record_id)
        holder_user = None
        if isinstance(record, Need):
            # a need is answered by those who hold results (publishers) as well as companies and intermediaries
            if not (identity.roles & (SENDER_ROLES | {"publisher"})):
                raise PermissionError("institutions, companies and intermediaries answer technology needs")
            if record.owner_id == uid:
                raise InquiryError("不能就自己发布的需求发起洽谈 / this is your own need", "own_record")
            if record.owner_id is None:
                raise InquiryError("该需求没有可联系的发布者 / this need has no account to write to", "no_holder")
            holders, holder_user = [None], record.owner_id
        else:
            if not (identity.roles & SENDER_ROLES):
                raise PermissionError("companies and intermediaries send inquiries")
            holders = sorted(holder_ids(record))
            if not holders:
                raise InquiryError("该记录没有可联系的单位 / this record has no institution to write to", "no_holder")
        subject = (subject or "").strip()
        if not subject:
            raise InquiryError("请填写主题 / give a subject", field="subject")
        self._check_rate(uid)
        inquiry = Inquiry(record_id=record.public_id, record_type=record.RECORD_TYPE, record_title=str(getattr(record, "title", None)
                          or getattr(record, "name", ""))[:500], record_field=getattr(record, "field", None),
                          record_city=record_city(record), holder_institution_id=holders[0], holder_user_id=holder_user, sender_id=uid,
                          subject=subject[:200], status="sent", sent_at=utcnow())
        inquiry.messages.append(InquiryMessage(author_id=uid, body=self._body(body)))
        self.session.add(inquiry)
        self.session.flush()
        self.audit.record(identity, "inquiry.send", f"inquiry:{inquiry.id}", {"record": record.public_id})
        self.session.commit()
        return inquiry

    def reply(self, identity: Identity, inquiry_id: int, body: str) -> InquiryMessage:
        inquiry = self.get(identity, inquiry_id)
        if inquiry.status in ("agreed", "closed"):
            raise InquiryError("洽谈已结束 / this inquiry is closed", "closed")
        uid = self._uid(identity)
        self._check_rate(uid)
        message = InquiryMessage(author_id=uid, body=self._body(body))
        inquiry.messages.append(message)
        if self.is_holder(identity, inquiry) and inquiry.answered_at is None:
            inquiry.answered_at = utcnow()
            inquiry.status = "answered"
            self.audit.record(identity, "inquiry.answer", f"inquiry:{inquiry.id}")
        inquiry.updated_at = utcnow()
        self.session.commit()
        return message

    def ask_broker(self, identity: Identity, inquiry_id: int, broker_email: str) -> Inquiry:
        inquiry = self.get(identity, inquiry_id)
        broker = self.session.scalar(select(User).where(User.email == (broker_email or "").strip().lower()))
        if broker is None or broker.role != "intermediary" or not broker.active:
            raise InquiryError("未找到该技术经纪人 / no intermediary with that address", "no_broker", "broker")
        inquiry.broker_id = broker.id
        self.audit.record(identity, "inquiry.broker", f"inquiry:{inquiry.id}", {"broker": broker.id})
        self.session.commit()
        return inquiry

    def negotiate(self, identity: Identity, inquiry_id: int) -> Inquiry:
        inquiry = self.get(identity, inquiry_id)
        if inquiry.status != "answered":
            raise InquiryError("只有已答复的洽谈可以进入谈判 / only an answered inquiry goes into negotiation", "invalid_state")
        return self._move(identity, inquiry, "negotiating")

    def agree(self, identity: Identity, inquiry_id: int, mode: str, amount: float | None = None) -> Inquiry:
        inquiry = self.get(identity, inquiry_id)
        if inquiry.status not in ("answered", "negotiating"):
            raise InquiryError("只有已答复或谈判中的洽谈可以达成协议 / only an answered inquiry can reach agreement", "invalid_state")
        if mode not in AGREEMENT_MODES:
            raise InquiryError(f"未知的转化方式 / unknown mode: {mode}", field="mode")
        if amount is not None and not (0 <= amount <= 1e11):
            raise InquiryError("金额无效 / the amount is not valid", field="amount")
        inquiry.agreement_mode, inquiry.agreement_amount = mode, amount
        return self._move(identity, inquiry, "agreed")

    def close(self, identity: Identity, inquiry_id: int) -> Inquiry:
        inquiry = self.get(identity, inquiry_id)
        if inquiry.status in ("agreed", "closed"):
            raise InquiryError("洽谈已结束 / this inquiry is closed", "closed")
        return self._move(identity, inquiry, "closed")

    # -- helpers ------------------------------------------------------------------------------------------
    def _move(self, identity: Identity, inquiry: Inquiry, status: str) -> Inquiry:
        now = utcnow()
        inquiry.status = status
        setattr(inquiry, f"{status}_at", now)
        inquiry.updated_at = now
        self.audit.record(identity, f"inquiry.{status}", f"inquiry:{inquiry.id}", {"mode": inquiry.agreement_mode})
        self.session.commit()
        return inquiry

    def _record(self, record_id: str) -> Any:
        cls = BY_PREFIX.get((record_id or "").split("-", 1)[0])
        number = cls.parse_public_id(record_id) if cls in (Achievement, Patent, Instrument, Need) else None
        record = self.session.get(cls, number) if number is not None else None
        if record is None or record.status != "published":
            raise LookupError(f"no record {record_id}")
        return record

    def _check_rate(self, uid: int) -> None:
        since = utcnow() - timedelta(hours=1)
        sent = self.session.scalar(select(func.count()).select_from(InquiryMessage).where(
            InquiryMessage.author_id == uid, InquiryMessage.created_at >= since)) or 0
        if sent >= self.max_per_hour:
            raise RateLimited(self.max_per_hour)

    @staticmethod
    def _body(body: str) -> str:
        text = (body or "").strip()
        if not text:
            raise InquiryError("消息不能为空 / the message is empty", field="body")
        if len(text) > MAX_BODY:
            raise InquiryError(f"消息最长 {MAX_BODY} 字 / at most {MAX_BODY} characters", field="body")
        return text

    @staticmethod
    def _uid(identity: Identity) -> int:
        if identity.user_id is None:
            raise PermissionError("sign in to write")
        return identity.user_id
