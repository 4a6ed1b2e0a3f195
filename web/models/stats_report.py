"""Yearly statistics reports (年度统计报告): the PDF an administrator made of a year's figures,
archived as it was made. A report is never regenerated in place: making another report of the
same year adds a new row (a new version), and both stay downloadable, newest first.

The PDF is kept in the store itself (``bytea`` on PostgreSQL, a BLOB on SQLite): a report is a
few hundred kilobytes, is made a few times a year, and travels with the database's backups.
``pdf`` is deferred, so listing the archive never reads the files."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import utcnow

if TYPE_CHECKING:
    from .account import User


class StatsReport(db.Model):
    __tablename__ = "stats_reports"
    __table_args__ = (Index("ix_stats_reports_year_created", "year", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    locale: Mapped[str] = mapped_column(String(8), nullable=False)  # zh | en
    filename: Mapped[str] = mapped_column(String(200), nullable=False)  # the name it is offered under
    size: Mapped[int] = mapped_column(Integer, nullable=False)  # bytes
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    # the headline figures as printed on the report's first pages, plus pages and seconds taken
    summary: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, deferred=True)

    creator: Mapped["User | None"] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<StatsReport {self.id} {self.year} {self.locale}>"
