"""Structured feedback on a listing (需求方反馈): why a company did not take a result up, as
industry-facing marketplaces collect it. One piece of feedback per account and record (a later
one replaces it); the holder sees it summarised per record, without names."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .common import utcnow

FEEDBACK_REASONS = ("too_early", "benefit_unclear", "price", "description_unclear", "other")


class ListingFeedback(db.Model):
    __tablename__ = "listing_feedback"
    __table_args__ = (UniqueConstraint("record_id", "author_id", name="uq_listing_feedback_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    holder_institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), nullable=False, index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    reason: Mapped[str] = mapped_column(String(32), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow, nullable=False)
