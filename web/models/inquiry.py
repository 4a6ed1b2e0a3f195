"""Inquiries (意向洽谈): a company or an intermediary writes to the holder of a record about it;
the two sides (and an intermediary asked to broker) exchange messages on the platform, and the
inquiry's status with its dates (sent, answered, in negotiation, agreement reached, closed without
agreement) lets the platform count real transfers by mode, field and city."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import utcnow

if TYPE_CHECKING:
    from .account import User

INQUIRY_STATES = ("sent", "answered", "negotiating", "agreed", "closed")
OPEN_INQUIRY_STATES = ("sent", "answered", "negotiating")


class Inquiry(db.Model):
    __tablename__ = "inquiries"
    __table_args__ = (Index("ix_inquiries_holder_status", "holder_institution_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[str] = mapped_column(String(40), nullable=False, index=True)  # public id: ach-12, pat-3, ins-7
    record_type: Mapped[str] = mapped_column(String(16), nullable=False)
    record_title: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    record_field: Mapped[str | None] = mapped_column(String(32))  # the record's technology field when sent (counts by field)
    record_city: Mapped[str | None] = mapped_column(String(32))  # ... and its city
    # who answers: the institution holding a result, or (a technology need) the account that posted it
    holder_institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"))
    holder_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    broker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="sent")
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    negotiating_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    agreed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    agreement_mode: Mapped[str | None] = mapped_column(String(32))  # transfer_mode vocabulary: transfer, license, ...
    agreement_amount: Mapped[float | None] = mapped_column(Float)  # CNY, when the parties state it
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow, nullable=False)

    sender: Mapped["User"] = relationship(foreign_keys=[sender_id])
    holder_user: Mapped["User | None"] = relationship(foreign_keys=[holder_user_id])
    broker: Mapped["User | None"] = relationship(foreign_keys=[broker_id])
    messages: Mapped[list["InquiryMessage"]] = relationship(order_by="InquiryMessage.id", cascade="all, delete-orphan",
                                                            back_populates="inquiry")


class InquiryMessage(db.Model):
    __tablename__ = "inquiry_messages"
    __table_args__ = (Index("ix_inquiry_messages_author_created", "author_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id", ondelete="CASCADE"), nullable=False, index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)

    inquiry: Mapped[Inquiry] = relationship(back_populates="messages")
