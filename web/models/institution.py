"""Institutions: 完成单位 / 申请人 / 所在单位, the holders every record links to."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .common import RecordMixin, json_list, utcnow


class Institution(RecordMixin, db.Model):
    __tablename__ = "institutions"
    # SQLite would give a deleted (merged) institution's row number to the next new one; the
    # index keeps the deleted org-N's tombstone at a higher version, so the newcomer would never
    # be searchable. AUTOINCREMENT never reuses a number (PostgreSQL's sequences never do).
    __table_args__ = {"sqlite_autoincrement": True}
    PREFIX = "org"
    RECORD_TYPE = "institution"
    INDEX = "institutions"

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    name_key: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)  # normalised, for de-duplication
    name_en: Mapped[str | None] = mapped_column(String(300))
    aliases: Mapped[list] = json_list()
    type: Mapped[str | None] = mapped_column(String(32), index=True)
    city: Mapped[str | None] = mapped_column(String(32), index=True)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    address: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(String(300))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(50))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    extra: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)

    def __repr__(self) -> str:
        return f"<Institution {self.public_id} {self.name}>"


class InstitutionRedirect(db.Model):
    """A name that was merged into another institution (``/admin/institutions``): records
    imported later under that name land on the institution it was merged into, instead of
    bringing the duplicate back. ``name_key`` is never the key of a live institution (the
    merged row is gone), and a chain (A into B, then B into C) is kept flat: every redirect
    points at a live institution."""

    __tablename__ = "institution_redirects"

    name_key: Mapped[str] = mapped_column(String(200), primary_key=True)  # normalize.institution_key of the merged name
    name: Mapped[str] = mapped_column(String(200), nullable=False)  # the merged institution's name, as it was
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id", ondelete="CASCADE"), nullable=False, index=True)
    merged_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)  # its old org-N (SQLite may reuse it)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"<InstitutionRedirect {self.name} -> org-{self.institution_id}>"
