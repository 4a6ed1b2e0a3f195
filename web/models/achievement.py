"""科技成果: scientific and technological achievements."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import RecordMixin, json_list, json_obj
from .institution import Institution


class AchievementInstitution(db.Model):
    """完成单位, in order: position 0 is the lead institution."""

    __tablename__ = "achievement_institutions"
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    institution: Mapped[Institution] = relationship(lazy="joined")


# Records with no identifier (no registration number, no source id) are the same record when
# title + lead holder agree, so two imports at once must not both create one: this partial
# unique index refuses the second insert (the import runs its batch again and finds the first).
# Records with an identifier may share a title (two registrations) and are kept apart by the
# identifiers' own UNIQUE constraints.
UNIDENTIFIED = "registration_no IS NULL AND external_id IS NULL"
UNIDENTIFIED_KEY_INDEX = "uq_achievements_unidentified_natural_key"


class Achievement(RecordMixin, db.Model):
    __tablename__ = "achievements"
    # AUTOINCREMENT on SQLite: a deleted record's number (its public id, its versions) is never given to another
    __table_args__ = (
        Index(UNIDENTIFIED_KEY_INDEX, "natural_key", unique=True,
              sqlite_where=text(UNIDENTIFIED), postgresql_where=text(UNIDENTIFIED)),
        {"sqlite_autoincrement": True},
    )
    PREFIX = "ach"
    RECORD_TYPE = "achievement"
    INDEX = "achievements"

    title: Mapped[str] = mapped_column(String(300), nullable=False)
    title_en: Mapped[str | None] = mapped_column(String(500))
    registration_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    natural_key: Mapped[str] = mapped_column(String(400), nullable=False, index=True)  # normalised title + lead holder
    external_id: Mapped[str | None] = mapped_column(String(300), unique=True)  # a source's id: OAI identifier, handle, DOI
    achievement_type: Mapped[str | None] = mapped_column(String(32))
    people: Mapped[list] = json_list()
    keywords: Mapped[list] = json_list()
    summary: Mapped[str | None] = mapped_column(Text)
    innovations: Mapped[list] = json_list()
    field: Mapped[str | None] = mapped_column(String(48), index=True)
    industry: Mapped[str | None] = mapped_column(String(16))
    discipline: Mapped[str | None] = mapped_column(String(100))
    form: Mapped[str | None] = mapped_column(String(32))
    origin: Mapped[str | None] = mapped_column(String(32))
    level: Mapped[str | None] = mapped_column(String(32), index=True)
    stage: Mapped[str | None] = mapped_column(String(32))
    trl: Mapped[int | None] = mapped_column(Integer, index=True)
    evaluation: Mapped[dict] = json_obj()  # {method, org, date}
    funding_source: Mapped[str | None] = mapped_column(String(200))
    programme: Mapped[str | None] = mapped_column(String(300))
    grant_no: Mapped[str | None] = mapped_column(String(100))
    research_start: Mapped[str | None] = mapped_column(String(7))  # YYYY-MM
    research_end: Mapped[str | None] = mapped_column(String(7))
    registered_at: Mapped[date | None] = mapped_column(Date, index=True)
    ip: Mapped[list] = json_list()  # [{type, number}]
    transfer_modes: Mapped[list] = json_list()
    price_mode: Mapped[str | None] = mapped_column(String(16))
    price_amount: Mapped[float | None] = mapped_column(Float)  # CNY; the lower bound of a range
    price_amount_max: Mapped[float | None] = mapped_column(Float)
    application_status: Mapped[str | None] = mapped_column(String(300))
    transferred: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    transfer_amount: Mapped[float | None] = mapped_column(Float)
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(50))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    attachments: Mapped[list] = json_list()  # [{kind, name, url}]
    scores: Mapped[dict] = json_obj()  # expert scores 0-100 by dimension

    holders: Mapped[list[AchievementInstitution]] = relationship(
        order_by=AchievementInstitution.position, cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def institutions(self) -> list[Institution]:
        return [h.institution for h in self.holders]

    @property
    def lead_institution(self) -> Institution | None:
        return self.holders[0].institution if self.holders else None

    @property
    def year(self) -> int | None:
        if self.registered_at:
            return self.registered_at.year
        return int(self.research_end[:4]) if self.research_end else None

    @property
    def quality_score(self) -> float | None:
        values = [float(v) for v in (self.scores or {}).values() if isinstance(v, (int, float))]
        return round(sum(values) / len(values), 1) if values else None
