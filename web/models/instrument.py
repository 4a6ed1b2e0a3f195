"""大型科研仪器: large research instruments open for shared use."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import RecordMixin, json_list
from .institution import Institution


class Instrument(RecordMixin, db.Model):
    __tablename__ = "instruments"
    # AUTOINCREMENT on SQLite: a deleted record's number (its public id, its versions) is never given to another
    __table_args__ = (UniqueConstraint("institution_id", "asset_no", name="uq_instrument_asset"), {"sqlite_autoincrement": True})
    PREFIX = "ins"
    RECORD_TYPE = "instrument"
    INDEX = "instruments"

    name: Mapped[str] = mapped_column(String(300), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(300))
    asset_no: Mapped[str | None] = mapped_column(String(64))
    natural_key: Mapped[str | None] = mapped_column(String(300), index=True)  # normalised institution + asset number
    class_code: Mapped[str | None] = mapped_column(String(32))
    instrument_class: Mapped[str | None] = mapped_column(String(32), index=True)
    model: Mapped[str | None] = mapped_column(String(200))
    manufacturer: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(64))
    origin: Mapped[str | None] = mapped_column(String(16))
    specs: Mapped[str | None] = mapped_column(Text)
    functions: Mapped[str | None] = mapped_column(Text)
    research_areas: Mapped[list] = json_list()
    accessories: Mapped[str | None] = mapped_column(Text)
    value: Mapped[float | None] = mapped_column(Float, index=True)  # 原值, CNY
    purchased_at: Mapped[date | None] = mapped_column(Date)
    commissioned_at: Mapped[date | None] = mapped_column(Date)
    funding: Mapped[str | None] = mapped_column(String(16))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    lab: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(32), index=True)
    run_status: Mapped[str | None] = mapped_column(String(16))
    shared: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    open_hours: Mapped[str | None] = mapped_column(String(300))
    fees: Mapped[str | None] = mapped_column(Text)
    service_modes: Mapped[list] = json_list()
    annual_open_hours: Mapped[float | None] = mapped_column(Float)  # 年开放机时: hours a year open to users
    external_hours_per_year: Mapped[float | None] = mapped_column(Float)
    external_income_per_year: Mapped[float | None] = mapped_column(Float)
    stats_year: Mapped[int | None] = mapped_column(Integer)
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(50))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    images: Mapped[list] = json_list()

    institution: Mapped[Institution | None] = relationship(lazy="joined")

    @property
    def year(self) -> int | None:
        d = self.commissioned_at or self.purchased_at
        return d.year if d else None
