"""技术需求: a company's technology need, the demand side of the platform.

A need is a record like the others (status, revision, versions, the search index) but it is held
by the account that posted it (``owner_id``, a company or an intermediary acting for one) rather
than by an institution: its owner maintains it, answers the inquiries about it and withdraws it.
``organisation`` is the company's name as it is shown; it need not be an institution record."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import RecordMixin, json_list, utcnow

if TYPE_CHECKING:
    from .account import User


class Need(RecordMixin, db.Model):
    __tablename__ = "needs"
    __table_args__ = {"sqlite_autoincrement": True}
    PREFIX = "need"
    RECORD_TYPE = "need"
    INDEX = "needs"

    title: Mapped[str] = mapped_column(String(300), nullable=False)
    title_en: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, nullable=False)
    keywords: Mapped[list] = json_list()
    field: Mapped[str | None] = mapped_column(String(32), index=True)  # tech_field vocabulary
    industry: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(32), index=True)
    budget_min: Mapped[float | None] = mapped_column(Float)  # CNY
    budget_max: Mapped[float | None] = mapped_column(Float)
    cooperation_modes: Mapped[list] = json_list()  # cooperation_mode vocabulary
    deadline: Mapped[date | None] = mapped_column(Date, index=True)
    organisation: Mapped[str] = mapped_column(String(200), nullable=False)
    natural_key: Mapped[str | None] = mapped_column(String(600), index=True)  # normalised title + organisation
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(50))
    contact_email: Mapped[str | None] = mapped_column(String(200))

    owner: Mapped["User | None"] = relationship(lazy="joined")

    @property
    def year(self) -> int | None:
        d = self.published_at or self.created_at
        return d.year if d else None

    def is_open(self, today: date) -> bool:
        """Published and not past its deadline: still looking for answers."""
        return self.status == "published" and (self.deadline is None or self.deadline >= today)


class NeedMatch(db.Model):
    """A holder told of a new need that one of its records could answer: one row per need, record
    and holder institution, so a need re-published or matched twice tells nobody twice. The
    holder's publishers see these on their needs page, and get one e-mail per need."""

    __tablename__ = "need_matches"
    __table_args__ = (UniqueConstraint("need_id", "record_id", "institution_id", name="uq_need_match"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), nullable=False, index=True)
    record_id: Mapped[str] = mapped_column(String(40), nullable=False)  # the holder's record: ach-12, pat-3, ins-7
    record_title: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id", ondelete="CASCADE"), nullable=False, index=True)
    shared: Mapped[list] = json_list()  # the words the need and the record share (the reason)
    same_field: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False, index=True)
    mailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    need: Mapped[Need] = relationship(lazy="joined")
