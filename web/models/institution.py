"""Institutions: 完成单位 / 申请人 / 所在单位, the holders every record links to."""
from __future__ import annotations

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .common import RecordMixin, json_list


class Institution(RecordMixin, db.Model):
    __tablename__ = "institutions"
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
