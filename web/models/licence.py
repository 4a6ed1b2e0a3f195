"""Open-licence applications (专利开放许可, Patent Law arts. 50-52): a company applies for a
licence of a patent under an open-licence declaration on the declared terms; the patent holder
confirms it and the platform records the licence. The declared terms are copied into the
application when it is made, so a later change of the declaration does not change a licence."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import utcnow

if TYPE_CHECKING:
    from .account import User
    from .patent import Patent

LICENCE_STATES = ("applied", "granted", "refused", "withdrawn")


class LicenceApplication(db.Model):
    __tablename__ = "licence_applications"
    __table_args__ = (Index("ix_licence_applications_patent_status", "patent_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id"), nullable=False)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    licensee: Mapped[str] = mapped_column(String(200), nullable=False)  # the company that takes the licence
    scope: Mapped[str | None] = mapped_column(Text)  # products, field of use, territory the company intends
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date] = mapped_column(Date, nullable=False)
    terms: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # the declaration's terms when applied for
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="applied")
    holder_note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    fee: Mapped[float | None] = mapped_column(Float)  # the lump sum or entry fee of the licence, CNY
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow, nullable=False)

    patent: Mapped["Patent"] = relationship()
    applicant: Mapped["User"] = relationship(foreign_keys=[applicant_id])
