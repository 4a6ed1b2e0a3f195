"""Instrument bookings (仪器共享预约): a user asks for hours on a shared instrument, its holder
approves them or proposes other hours, and a completed booking records the hours used and the
fee. Two approved (or completed) bookings of one instrument never overlap: approvals of one
instrument are serialised on its ``BookingLock`` row (a row lock on PostgreSQL, the write lock
on SQLite), and the overlap is checked inside that lock."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import utcnow

if TYPE_CHECKING:
    from .account import User
    from .instrument import Instrument

BOOKING_STATES = ("requested", "proposed", "approved", "rejected", "cancelled", "completed")
HOLDING_STATES = ("approved", "completed")  # states that occupy the instrument's calendar


class InstrumentBooking(db.Model):
    __tablename__ = "instrument_bookings"
    __table_args__ = (Index("ix_instrument_bookings_calendar", "instrument_id", "status", "start_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"), nullable=False)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    start_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    end_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    service_mode: Mapped[str] = mapped_column(String(32), nullable=False)
    sample: Mapped[str] = mapped_column(Text, nullable=False, default="")  # what is brought or sent, and how many
    purpose: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="requested")
    proposed_start_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    proposed_end_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    holder_note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hours_used: Mapped[float | None] = mapped_column(Float)
    fee: Mapped[float | None] = mapped_column(Float)  # CNY charged for the service
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow, nullable=False)

    instrument: Mapped["Instrument"] = relationship()
    requester: Mapped["User"] = relationship(foreign_keys=[requester_id])


class BookingLock(db.Model):
    """One row per instrument that has had a booking decided: what approvals lock."""

    __tablename__ = "instrument_booking_locks"

    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
