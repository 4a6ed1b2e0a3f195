"""Instrument bookings: request, decide (approve, propose other hours, reject), accept a
proposal, cancel, complete. Identity first; every state change is audited.

The rule that matters: two bookings that hold an instrument's calendar (approved, completed)
never overlap. A request may overlap others (it only asks); what takes hours is an approval or an
accepted proposal, and both run ``_hold`` inside the instrument's lock: the lock row is updated
first (PostgreSQL: a row lock the next approver waits for; SQLite: the database write lock), then
the overlap is checked against committed bookings, then the booking is changed, then commit."""
from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import HOLDING_STATES, BookingLock, Instrument, InstrumentBooking, User
from ..models.common import utcnow
from .audit import AuditLog
from .identity import Identity
from .paging import Page, offset
from .uow import IndexOp

SERVICE_MODES = ("commissioned_testing", "self_operation", "collaborative_research")
MAX_HOURS = 24 * 14  # one booking at most two weeks
MAX_AHEAD_DAYS = 366


class BookingError(ValueError):
    """A booking that cannot be made or changed; the message names why (zh / en)."""

    def __init__(self, message: str, code: str = "invalid_booking", field: str | None = None):
        super().__init__(message)
        self.code, self.field = code, field


class BookingConflict(BookingError):
    def __init__(self, other: InstrumentBooking):
        super().__init__(f"该时段已被预约（{_span(other.start_at, other.end_at)}）/ those hours are already booked "
                         f"({_span(other.start_at, other.end_at)})", code="double_booking", field="start_at")
        self.other_id = other.id
        # the hours that clash (no one's name): pages and the API say them in the reader's time zone
        self.start_at, self.end_at = _aware(other.start_at), _aware(other.end_at)


def _aware(dt: datetime) -> datetime:
    """UTC, whatever zone a caller gave (SQLite keeps no offset: a stored or compared time must be UTC)."""
    return (dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def _span(start: datetime, end: datetime) -> str:
    return f"{_aware(start).isoformat(timespec='minutes')} – {_aware(end).isoformat(timespec='minutes')}"


@dataclass(frozen=True)
class Hours:
    start_at: datetime
    end_at: datetime

    @classmethod
    def check(cls, start: datetime, end: datetime, now: datetime | None = None) -> "Hours":
        start, end = _aware(start), _aware(end)
        now = now or utcnow()
        if end <= start:
            raise BookingError("结束时间须晚于开始时间 / the end must come after the start", field="end_at")
        if end - start > timedelta(hours=MAX_HOURS):
            raise BookingError(f"单次预约最长 {MAX_HOURS} 小时 / at most {MAX_HOURS} hours per booking", field="end_at")
        if start < now:
            raise BookingError("不能预约过去的时间 / the hours are in the past", field="start_at")
        if start > now + timedelta(days=MAX_AHEAD_DAYS):
            raise BookingError("最多提前一年预约 / at most a year ahead", field="start_at")
        return cls(start, end)


def offered_modes(instrument: Instrument) -> tuple[str, ...]:
    """The service modes a booking of this instrument may ask for: those its record offers (the
    ``service_mode`` vocabulary), or every one when the record names none."""
    offered = tuple(m for m in (instrument.service_modes or []) if m in SERVICE_MODES)
    return offered or SERVICE_MODES


def add_to_openness(instrument: Instrument, year: int, hours: float, fee: float) -> bool:
    """Count a completed booking in the instrument's yearly figures (年对外服务机时, 年服务收入),
    which the record page and the statistics show. The figures are of one year (``stats_year``):
    a booking of a later year starts that year's figures, one of an earlier year leaves them.
    Whether they changed."""
    if instrument.stats_year is not None and instrument.stats_year > year:
        return False
    if instrument.stats_year != year:
        instrument.stats_year, instrument.external_hours_per_year, instrument.external_income_per_year = year, 0.0, 0.0
    instrument.external_hours_per_year = round((instrument.external_hours_per_year or 0.0) + hours, 2)
    instrument.external_income_per_year = round((instrument.external_income_per_year or 0.0) + fee, 2)
    return True


class BookingService:
    def __init__(self, session: Session, audit: AuditLog, unit_of_work: Callable[[], AbstractContextManager[Any]]):
        self.session = session
        self.audit = audit
        self.unit_of_work = unit_of_work  # the instrument's figures change with a completed booking: it is indexed again

    # -- reading ---------------------------------------------------------------------------------
    def get(self, identity: Identity, booking_id: int) -> InstrumentBooking:
        """The requester's or the instrument holder's booking; anyone else: LookupError."""
        booking = self.session.get(InstrumentBooking, booking_id) if 1 <= booking_id <= 2**31 - 1 else None
        if booking is None or not (self._is_requester(identity, booking) or self._is_holder(identity, booking)):
            raise LookupError(f"no booking {booking_id}")
        return booking

    def calendar(self, instrument_id: int, start: datetime, end: datetime) -> list[InstrumentBooking]:
        """The hours taken on an instrument in a window (no requester is named: anyone may see when
        an instrument is busy)."""
        return list(self.session.scalars(select(InstrumentBooking).where(
            InstrumentBooking.instrument_id == instrument_id, InstrumentBooking.status.in_(HOLDING_STATES),
            InstrumentBooking.start_at < _aware(end), InstrumentBooking.end_at > _aware(start)).order_by(InstrumentBooking.start_at)))

    def busy_between(self, instrument_id: int, start: datetime, end: datetime) -> InstrumentBooking | None:
        """The first booking that holds some of these hours, if any."""
        return next(iter(self.calendar(instrument_id, start, end)), None)

    def listing(self, identity: Identity, side: str = "mine", status: str | None = None, instrument_id: int | None = None,
                page: int = 1, size: int = 20) -> Page[InstrumentBooking]:
        """The caller's bookings, newest first: ``mine`` (those they asked for) or ``holder`` (those
        of their institution's instruments; an administrator's: all). Anyone else's: none."""
        query = select(InstrumentBooking)
        if side == "holder":
            if not identity.is_admin:
                if not identity.is_publisher:
                    return Page([], 0, page, size)
                query = query.join(Instrument, Instrument.id == InstrumentBooking.instrument_id).where(
                    Instrument.institution_id == identity.institution_id)
        else:
            if identity.user_id is None:
                return Page([], 0, page, size)
            query = query.where(InstrumentBooking.requester_id == identity.user_id)
        if status:
            query = query.where(InstrumentBooking.status == status)
        if instrument_id is not None:
            query = query.where(InstrumentBooking.instrument_id == instrument_id)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        items = self.session.scalars(query.order_by(InstrumentBooking.id.desc()).offset(offset(page, size)).limit(size))
        return Page(list(items), int(total), page, size)

    def waiting_count(self, identity: Identity, instrument: Instrument) -> int:
        """Requests of this instrument that wait for its holder (0 for anyone but the holder)."""
        if not identity.acts_for(instrument.institution_id):
            return 0
        return int(self.session.scalar(select(func.count()).select_from(InstrumentBooking).where(
            InstrumentBooking.instrument_id == instrument.id, InstrumentBooking.status == "requested")) or 0)

    def holders_to_tell(self, booking: InstrumentBooking) -> list[User]:
        """Who decides for the instrument's holder, to be told of a new request: the active
        publishers of its institution."""
        institution_id = booking.instrument.institution_id
        if institution_id is None:
            return []
        return list(self.session.scalars(select(User).where(User.role == "publisher", User.active.is_(True),
                                                            User.institution_id == institution_id).order_by(User.id)))

    # -- requesting --------------------------------------------------------------------------------
    def request(self, identity: Identity, instrument_id: int, data: dict[str, Any], now: datetime | None = None) -> InstrumentBooking:
        uid = self._uid(identity)
        instrument = self.session.get(Instrument, instrument_id)
        if instrument is None or instrument.status != "published":
            raise LookupError(f"no instrument {instrument_id}")
        if not instrument.shared:
            raise BookingError("该仪器未对外共享 / this instrument is not shared", code="not_shared")
        if instrument.run_status not in (None, "normal"):
            raise BookingError("该仪器当前不可预约（运行状态）/ this instrument cannot be booked in its present state", code="not_running")
        offered = offered_modes(instrument)
        mode = data.get("service_mode") or offered[0]
        if mode not in SERVICE_MODES:
            raise BookingError(f"未知的服务方式 / unknown service mode: {mode}", field="service_mode")
        if mode not in offered:
            raise BookingError(f"该仪器不提供此服务方式 / this instrument does not offer this service mode: {mode}", field="service_mode")
        hours = Hours.check(data["start_at"], data["end_at"], now)
        sample = str(data.get("sample") or "").strip()
        if not sample:
            raise BookingError("请说明样品或上机内容 / describe the samples or the work", field="sample")
        taken = self.busy_between(instrument.id, hours.start_at, hours.end_at)
        if taken is not None:  # asking for hours already held is pointless (approvals check again, under the lock)
            raise BookingConflict(taken)
        booking = InstrumentBooking(instrument_id=instrument.id, requester_id=uid, start_at=hours.start_at, end_at=hours.end_at,
                                    service_mode=mode, sample=sample[:4000], purpose=(str(data.get("purpose") or "")[:4000] or None),
                                    status="requested")
        self.session.add(booking)
        self.session.flush()
        self.audit.record(identity, "booking.request", f"booking:{booking.id}", {"instrument": instrument.public_id})
        self.session.commit()
        return booking

    # -- the holder's decisions ----------------------------------------------------------------------
    def approve(self, identity: Identity, booking_id: int, note: str | None = None) -> InstrumentBooking:
        booking = self._as_holder(identity, booking_id, ("requested",))
        return self._hold(identity, booking, booking.start_at, booking.end_at, "booking.approve", note)

    def propose(self, identity: Identity, booking_id: int, start: datetime, end: datetime, note: str | None = None,
                now: datetime | None = None) -> InstrumentBooking:
        booking = self._as_holder(identity, booking_id, ("requested", "proposed"))
        hours = Hours.check(start, end, now)
        booking.status, booking.proposed_start_at, booking.proposed_end_at = "proposed", hours.start_at, hours.end_at
        self._decided(identity, booking, note)
        self.audit.record(identity, "booking.propose", f"booking:{booking.id}", {"start_at": hours.start_at.isoformat()})
        self.session.commit()
        return booking

    def reject(self, identity: Identity, booking_id: int, note: str | None = None) -> InstrumentBooking:
        booking = self._as_holder(identity, booking_id, ("requested", "proposed"))
        booking.status = "rejected"
        self._decided(identity, booking, note)
        self.audit.record(identity, "booking.reject", f"booking:{booking.id}")
        self.session.commit()
        return booking

    def complete(self, identity: Identity, booking_id: int, hours_used: float, fee: float, now: datetime | None = None) -> InstrumentBooking:
        booking = self._as_holder(identity, booking_id, ("approved",))
        if not (0 < hours_used <= MAX_HOURS):
            raise BookingError(f"机时须在 0 到 {MAX_HOURS} 小时之间 / hours must be above 0 and at most {MAX_HOURS}", field="hours_used")
        if not (0 <= fee <= 100_000_000):
            raise BookingError("费用无效 / the fee is not valid", field="fee")
        if _aware(booking.start_at) > (now or utcnow()):
            raise BookingError("预约尚未开始 / the booking has not started", code="not_started")
        with self.unit_of_work() as uow:
            booking.status, booking.hours_used, booking.fee, booking.completed_at = "completed", float(hours_used), float(fee), now or utcnow()
            if add_to_openness(booking.instrument, _aware(booking.start_at).year, float(hours_used), float(fee)):
                uow.register(IndexOp([booking.instrument]))
            self.audit.record(identity, "booking.complete", f"booking:{booking.id}", {"hours": hours_used, "fee": fee})
        return booking

    # -- the requester's --------------------------------------------------------------------------------
    def accept_proposal(self, identity: Identity, booking_id: int) -> InstrumentBooking:
        booking = self.get(identity, booking_id)
        if not self._is_requester(identity, booking) or booking.status != "proposed":
            raise BookingError("没有待确认的新时段 / there are no proposed hours to accept", code="invalid_state")
        assert booking.proposed_start_at is not None and booking.proposed_end_at is not None
        return self._hold(identity, booking, booking.proposed_start_at, booking.proposed_end_at, "booking.accept_proposal", None)

    def cancel(self, identity: Identity, booking_id: int) -> InstrumentBooking:
        booking = self.get(identity, booking_id)
        if booking.status not in ("requested", "proposed", "approved"):
            raise BookingError("此预约已不能取消 / this booking can no longer be cancelled", code="invalid_state")
        booking.status = "cancelled"
        self.audit.record(identity, "booking.cancel", f"booking:{booking.id}")
        self.session.commit()
        return booking

    # -- the calendar rule ------------------------------------------------------------------------------
    def _lock(self, instrument_id: int) -> None:
        """Take the instrument's booking lock for this transaction. The write comes first, so that
        SQLite takes its write lock at once (a read first would make a later write fail when
        another writer got in between) and PostgreSQL the row lock."""
        bump = update(BookingLock).where(BookingLock.instrument_id == instrument_id).values(seq=BookingLock.seq + 1)
        if self.session.execute(bump).rowcount:
            return
        try:
            with self.session.begin_nested():
                self.session.add(BookingLock(instrument_id=instrument_id, seq=1))
        except IntegrityError:  # a concurrent approver made it first: wait for its lock
            self.session.execute(bump)

    def _hold(self, identity: Identity, booking: InstrumentBooking, start: datetime, end: datetime, action: str,
              note: str | None) -> InstrumentBooking:
        booking_id, instrument_id = booking.id, booking.instrument_id
        self.session.commit()  # end any read transaction: the lock and the check run in a fresh one
        self._lock(instrument_id)
        self.session.expire_all()  # read what committed before the lock was ours
        booking = self.session.get(InstrumentBooking, booking_id)
        clash = self.session.scalars(select(InstrumentBooking).where(
            InstrumentBooking.instrument_id == instrument_id, InstrumentBooking.id != booking_id,
            InstrumentBooking.status.in_(HOLDING_STATES),
            and_(InstrumentBooking.start_at < _aware(end), InstrumentBooking.end_at > _aware(start))).limit(1)).first()
        if clash is not None:
            self.session.rollback()
            raise BookingConflict(clash)
        booking.status, booking.start_at, booking.end_at = "approved", _aware(start), _aware(end)
        booking.proposed_start_at = booking.proposed_end_at = None
        if action == "booking.approve":
            self._decided(identity, booking, note)
        self.audit.record(identity, action, f"booking:{booking.id}", {"start_at": _aware(start).isoformat()})
        self.session.commit()
        return booking

    # -- who is who --------------------------------------------------------------------------------------
    def _decided(self, identity: Identity, booking: InstrumentBooking, note: str | None) -> None:
        booking.decided_by, booking.decided_at = identity.user_id, utcnow()
        if note:
            booking.holder_note = note[:4000]

    def _as_holder(self, identity: Identity, booking_id: int, states: tuple[str, ...]) -> InstrumentBooking:
        booking = self.get(identity, booking_id)
        if not self._is_holder(identity, booking):
            raise PermissionError("only the instrument's holder decides")
        if booking.status not in states:
            raise BookingError(f"预约状态为“{booking.status}”，不能这样处理 / not possible for a booking that is {booking.status}",
                               code="invalid_state")
        return booking

    @staticmethod
    def _is_requester(identity: Identity, booking: InstrumentBooking) -> bool:
        return identity.user_id is not None and identity.user_id == booking.requester_id

    @staticmethod
    def _is_holder(identity: Identity, booking: InstrumentBooking) -> bool:
        return identity.acts_for(booking.instrument.institution_id)

    @staticmethod
    def _uid(identity: Identity) -> int:
        if identity.user_id is None:
            raise PermissionError("sign in to book an instrument")
        return identity.user_id
