"""Files attached to records, requests to see the confidential ones, and the disclosure log.

An attachment belongs to one record of any type (``record_type`` + ``record_id``, as drafts and
versions point at records); its bytes live outside the web root under a random name
(``storage_key``), never under the name it was uploaded with.

``DisclosureEvent`` is the holder's view of who saw what: one row per member, record, kind of
data (contact, full description, a confidential file) and day, so reading a page twenty times
is one event. It is not the audit log: it answers "who has our contact details", not "who
changed what"."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .account import User
from .common import utcnow

ACCESS_STATES = ("pending", "approved", "rejected")


class Attachment(db.Model):
    __tablename__ = "attachments"
    # AUTOINCREMENT on SQLite: a deleted file's number never names another in the disclosure log
    __table_args__ = (Index("ix_attachments_record", "record_type", "record_id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_type: Mapped[str] = mapped_column(String(16), nullable=False)
    record_id: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)  # shown on the record page
    filename: Mapped[str] = mapped_column(String(255), nullable=False)  # as uploaded (cleaned), for downloads
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # detected from the content: pdf, png, docx, xls ...
    media_type: Mapped[str] = mapped_column(String(100), nullable=False)  # what it is served as
    category: Mapped[str | None] = mapped_column(String(32))  # 评价证明, 检测报告 ... (vocabulary attachment_category)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    storage_key: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    # deleted by the ORM, not only by the foreign key (SQLite does not enforce those by default)
    requests: Mapped[list["AccessRequest"]] = relationship(back_populates="attachment", cascade="all, delete-orphan")

    @property
    def record_public_id(self) -> str:
        from . import RECORD_CLASSES

        return f"{RECORD_CLASSES[self.record_type].PREFIX}-{self.record_id}"

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")


class AccessRequest(db.Model):
    """A member asks the holder for one confidential attachment; the holder approves or
    rejects it. One row per member and attachment: asking again after a rejection reopens it."""

    __tablename__ = "access_requests"
    __table_args__ = (UniqueConstraint("attachment_id", "requester_id", name="uq_access_requests_attachment_requester"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id", ondelete="CASCADE"), nullable=False, index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", nullable=False, index=True)
    message: Mapped[str] = mapped_column(Text, default="", nullable=False)  # the requester's reason
    note: Mapped[str | None] = mapped_column(Text)  # the holder's answer
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    attachment: Mapped[Attachment] = relationship(back_populates="requests")
    requester: Mapped[User] = relationship(foreign_keys=[requester_id], lazy="joined")


class DisclosureEvent(db.Model):
    __tablename__ = "disclosure_events"
    __table_args__ = (
        # one event per member, record, kind (and file) and day: the log does not flood
        UniqueConstraint("user_id", "record_type", "record_id", "kind", "subject", "day", name="uq_disclosure_events_daily"),
        Index("ix_disclosure_events_record", "record_type", "record_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    day: Mapped[date] = mapped_column(Date, nullable=False)  # in China time
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # who it was at the time (the account may change or go)
    user_email: Mapped[str] = mapped_column(String(254), nullable=False)
    user_name: Mapped[str] = mapped_column(String(100), nullable=False)
    user_role: Mapped[str] = mapped_column(String(16), nullable=False)
    user_organisation: Mapped[str | None] = mapped_column(String(200))
    record_type: Mapped[str] = mapped_column(String(16), nullable=False)
    record_id: Mapped[int] = mapped_column(Integer, nullable=False)
    record_title: Mapped[str] = mapped_column(String(500), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # contact | description | attachment
    subject: Mapped[str] = mapped_column(String(32), default="", nullable=False)  # the attachment's id, or ""
    detail: Mapped[str | None] = mapped_column(String(255))  # the attachment's file name
    channel: Mapped[str] = mapped_column(String(8), nullable=False)  # page | api | file

    @property
    def record_public_id(self) -> str:
        from . import RECORD_CLASSES

        return f"{RECORD_CLASSES[self.record_type].PREFIX}-{self.record_id}"
