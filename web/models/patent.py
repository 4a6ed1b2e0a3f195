"""专利: patents (CNIPA and foreign), with the open-licence declaration (开放许可)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import RecordMixin, json_list, json_obj
from .institution import Institution


class PatentApplicant(db.Model):
    """申请人, in order. Applicants that are organisations link to an Institution."""

    __tablename__ = "patent_applicants"
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    institution: Mapped[Institution | None] = relationship(lazy="joined")


class Patent(RecordMixin, db.Model):
    __tablename__ = "patents"
    # AUTOINCREMENT on SQLite: a deleted record's number (its public id, its versions) is never given to another
    __table_args__ = {"sqlite_autoincrement": True}
    PREFIX = "pat"
    RECORD_TYPE = "patent"
    INDEX = "patents"

    application_no: Mapped[str | None] = mapped_column(String(32), unique=True)  # normalised: digits + check digit
    publication_no: Mapped[str | None] = mapped_column(String(32), unique=True)  # e.g. CN116123456A
    grant_no: Mapped[str | None] = mapped_column(String(32))
    filed_at: Mapped[date | None] = mapped_column(Date, index=True)
    publication_date: Mapped[date | None] = mapped_column(Date)
    granted_at: Mapped[date | None] = mapped_column(Date)
    kind: Mapped[str | None] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(500), nullable=False)
    title_en: Mapped[str | None] = mapped_column(String(500))
    abstract: Mapped[str | None] = mapped_column(Text)
    first_claim: Mapped[str | None] = mapped_column(Text)
    keywords: Mapped[list] = json_list()
    inventors: Mapped[list] = json_list()
    owners: Mapped[list] = json_list()
    applicant_address: Mapped[str | None] = mapped_column(String(300))
    province_code: Mapped[str | None] = mapped_column(String(16))
    city: Mapped[str | None] = mapped_column(String(32), index=True)
    field: Mapped[str | None] = mapped_column(String(48))
    ipc_main: Mapped[str | None] = mapped_column(String(32), index=True)
    ipc: Mapped[list] = json_list()
    cpc: Mapped[list] = json_list()
    agency: Mapped[str | None] = mapped_column(String(200))
    agent: Mapped[str | None] = mapped_column(String(100))
    priority: Mapped[list] = json_list()  # [{number, date, country}]
    legal_status: Mapped[str | None] = mapped_column(String(16), index=True)
    legal_events: Mapped[list] = json_list()  # [{date, code, description}]
    transfers: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    licences: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    pledges: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    open_licence: Mapped[dict] = json_obj()  # {declared_at, payment, fee, royalty_rate, terms, term, withdrawn_at}
    family: Mapped[list] = json_list()
    citations: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    licence_fee: Mapped[float | None] = mapped_column(Float)

    applicants: Mapped[list[PatentApplicant]] = relationship(
        order_by=PatentApplicant.position, cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def patent_no(self) -> str | None:
        """专利号 = ZL + 申请号 (Chinese patents)."""
        return f"ZL{self.application_no}" if self.application_no and self.application_no[:1].isdigit() else None

    @property
    def open_licence_active(self) -> bool:
        ol = self.open_licence or {}
        return bool(ol.get("declared_at")) and not ol.get("withdrawn_at")

    @property
    def year(self) -> int | None:
        d = self.filed_at or self.publication_date
        return d.year if d else None
