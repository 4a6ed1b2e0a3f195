"""The annual selection (年度高质量科技成果遴选): rounds, candidates, expert scores and the
published lists.

A round per year moves through ``ROUND_STATES``: institutions (and administrators) nominate
published achievements, experts score the candidates assigned to them, the administrator closes
the scoring and finalises, which publishes the ranked list. A published list is a
``SelectionList`` revision: its entries and the formula are frozen in it, with a SHA-256 digest
of both, and the store refuses to change or delete it (triggers on both SQLite and PostgreSQL,
as well as the service's own checks). A correction is a new revision with a note saying why."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, DDL, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
                        event)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .achievement import Achievement
from .common import utcnow
from .institution import Institution

# nominating: nominations open · scoring: candidates frozen, experts score · closed: scores are
# final and visible, ranking ready · published: the list is out (corrections are new revisions)
ROUND_STATES = ("nominating", "scoring", "closed", "published")
CANDIDATE_STATES = ("nominated", "withdrawn", "ineligible", "excluded")
# what a round's weights name (services/selection_scoring.py says what each part measures):
# the parts of the automatic pre-score, and the expert rubric (科技成果评价's dimensions; the
# records' own ``scores`` use the same codes)
AUTO_PARTS = ("trl", "level", "ip", "transfer", "completeness")
DEFAULT_AUTO_WEIGHTS = {"trl": 25, "level": 25, "ip": 20, "transfer": 15, "completeness": 15}
RUBRIC = ("innovation", "indicators", "difficulty", "maturity", "impact")
DEFAULT_RUBRIC = {code: 20 for code in RUBRIC}
DEFAULT_AUTO_WEIGHT = 0.3
DEFAULT_OUTLIER_GAP = 20.0


class SelectionRound(db.Model):
    __tablename__ = "selection_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    title_en: Mapped[str | None] = mapped_column(String(300))
    criteria: Mapped[str] = mapped_column(Text, default="", nullable=False)  # 遴选标准, shown on the public page
    criteria_en: Mapped[str | None] = mapped_column(Text)
    quota: Mapped[int] = mapped_column(Integer, default=200, nullable=False)  # entries on the list
    auto_weight: Mapped[float] = mapped_column(Float, default=0.3, nullable=False)  # experts: 1 - auto_weight
    auto_weights: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)  # pre-score parts, summing to 100
    rubric: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)  # expert dimensions and weights
    experts_per_candidate: Mapped[int] = mapped_column(Integer, default=3, nullable=False)
    min_scores: Mapped[int] = mapped_column(Integer, default=2, nullable=False)  # a candidate is ranked with at least these
    outlier_gap: Mapped[float] = mapped_column(Float, default=20.0, nullable=False)  # 0: no trimming
    window_start: Mapped[date] = mapped_column(Date, nullable=False)  # eligible registration dates
    window_end: Mapped[date] = mapped_column(Date, nullable=False)
    nomination_opens: Mapped[date] = mapped_column(Date, nullable=False)
    nomination_closes: Mapped[date] = mapped_column(Date, nullable=False)
    scoring_closes: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(16), default="nominating", nullable=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    scoring_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    candidates: Mapped[list["SelectionCandidate"]] = relationship(back_populates="round", order_by="SelectionCandidate.id")

    def __repr__(self) -> str:
        return f"<SelectionRound {self.year} {self.status}>"


class SelectionCandidate(db.Model):
    __tablename__ = "selection_candidates"
    __table_args__ = (UniqueConstraint("round_id", "achievement_id", name="uq_selection_candidates_round_achievement"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("selection_rounds.id", ondelete="CASCADE"), nullable=False, index=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id", ondelete="CASCADE"), nullable=False, index=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id", ondelete="SET NULL"), index=True)
    source: Mapped[str] = mapped_column(String(16), nullable=False)  # institution | admin
    statement: Mapped[str] = mapped_column(Text, default="", nullable=False)  # 推荐理由
    status: Mapped[str] = mapped_column(String(16), default="nominated", nullable=False, index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)  # why withdrawn, ineligible or excluded
    checks: Mapped[list] = mapped_column(JSON, default=list, nullable=False)  # the eligibility checks, last run
    auto_score: Mapped[float | None] = mapped_column(Float)
    auto_parts: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)  # part -> 0..100
    nominated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    nominated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    round: Mapped[SelectionRound] = relationship(back_populates="candidates")
    achievement: Mapped[Achievement] = relationship(lazy="joined")
    institution: Mapped[Institution | None] = relationship(lazy="joined")
    assignments: Mapped[list["ExpertAssignment"]] = relationship(back_populates="candidate", order_by="ExpertAssignment.id",
                                                                 cascade="all, delete-orphan")


class ExpertAssignment(db.Model):
    """One expert asked to score one candidate, and the score once given. An expert never gets a
    candidate held by their own institution (``services/selection.py`` checks it on assigning
    and again on scoring)."""

    __tablename__ = "selection_assignments"
    __table_args__ = (UniqueConstraint("candidate_id", "expert_id", name="uq_selection_assignments_candidate_expert"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("selection_rounds.id", ondelete="CASCADE"), nullable=False, index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("selection_candidates.id", ondelete="CASCADE"), nullable=False, index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    scores: Mapped[dict | None] = mapped_column(JSON)  # dimension -> 0..100; None until scored
    total: Mapped[float | None] = mapped_column(Float)  # the rubric's weighted mean of ``scores``
    comment: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    candidate: Mapped[SelectionCandidate] = relationship(back_populates="assignments")


class SelectionList(db.Model):
    """A published list, revision by revision. Never updated, never deleted."""

    __tablename__ = "selection_lists"
    __table_args__ = (UniqueConstraint("year", "revision", name="uq_selection_lists_year_revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("selection_rounds.id"), nullable=False, index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    revision: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    title_en: Mapped[str | None] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)  # a correction says why (None for the first revision)
    formula: Mapped[dict] = mapped_column(JSON, nullable=False)  # weights and rules the scores were combined with
    entries: Mapped[list] = mapped_column(JSON, nullable=False)  # the ranked entries with every stored score
    entry_count: Mapped[int] = mapped_column(Integer, nullable=False)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)  # SHA-256 of formula + entries (canonical JSON)
    published_by: Mapped[str] = mapped_column(String(254), nullable=False)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class SelectionEntry(db.Model):
    """Which achievement is on which list revision, at what rank: the rows queries need (was it
    selected before, the badge in search) next to the frozen JSON of ``SelectionList``."""

    __tablename__ = "selection_entries"
    __table_args__ = (Index("ix_selection_entries_achievement", "achievement_id"),)

    list_id: Mapped[int] = mapped_column(ForeignKey("selection_lists.id"), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    achievement_id: Mapped[int] = mapped_column(Integer, nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    combined: Mapped[float] = mapped_column(Float, nullable=False)

    list: Mapped[SelectionList] = relationship()


# The store itself refuses to change a published list: a trigger per table and engine. Models'
# create_all (tests, the embedded default) and migration 0008 (production) create the same ones.
IMMUTABLE_TABLES = ("selection_lists", "selection_entries")
IMMUTABLE_MESSAGE = "published selection lists are immutable: publish a correction as a new revision"


def sqlite_triggers(table: str) -> list[str]:
    return [f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{IMMUTABLE_MESSAGE}'); END" for op in ("UPDATE", "DELETE")]


def postgresql_triggers(table: str) -> list[str]:
    return [
        "CREATE OR REPLACE FUNCTION selection_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{IMMUTABLE_MESSAGE}'; END $$",
        f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION selection_immutable()",
    ]


for _table in (SelectionList.__table__, SelectionEntry.__table__):
    for _stmt in sqlite_triggers(_table.name):
        event.listen(_table, "after_create", DDL(_stmt).execute_if(dialect="sqlite"))
    for _stmt in postgresql_triggers(_table.name):
        event.listen(_table, "after_create", DDL(_stmt).execute_if(dialect="postgresql"))
