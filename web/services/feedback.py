"""Feedback on listings: a signed-in company or intermediary says why a record does not suit
them (too early a stage, benefit unclear, price, description unclear, other with a note); the
holder's publishers see the counts per reason and the notes, never who wrote them."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import BY_PREFIX, FEEDBACK_REASONS, Achievement, Instrument, ListingFeedback, Patent
from ..models.common import utcnow
from .audit import AuditLog
from .identity import Identity
from .records import holder_ids

AUTHOR_ROLES = frozenset({"investor", "intermediary"})
MAX_NOTE = 2000


class FeedbackError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class FeedbackSummary:
    record_id: str
    total: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (reason, note), newest first, no names


class FeedbackService:
    def __init__(self, session: Session, audit: AuditLog):
        self.session = session
        self.audit = audit

    def give(self, identity: Identity, record_id: str, reason: str, note: str | None = None) -> ListingFeedback:
        if identity.user_id is None:
            raise PermissionError("sign in to give feedback")
        if not (identity.roles & AUTHOR_ROLES):
            raise PermissionError("companies and intermediaries give feedback")
        record = self._record(record_id)
        if record.status != "published":
            raise LookupError(f"no record {record_id}")
        if reason not in FEEDBACK_REASONS:
            raise FeedbackError(f"未知的原因 / unknown reason: {reason}", "reason")
        note = (note or "").strip()[:MAX_NOTE] or None
        if reason == "other" and not note:
            raise FeedbackError("请说明原因 / say what it is", "note")
        holders = sorted(holder_ids(record))
        if not holders:
            raise FeedbackError("该记录没有单位 / this record has no institution")
        existing = self.session.scalar(select(ListingFeedback).where(ListingFeedback.record_id == record.public_id,
                                                                     ListingFeedback.author_id == identity.user_id))
        item = existing or ListingFeedback(record_id=record.public_id, author_id=identity.user_id, holder_institution_id=holders[0])
        item.reason, item.note, item.created_at = reason, note, utcnow()
        if existing is None:
            self.session.add(item)
        self.session.flush()
        self.audit.record(identity, "feedback.give", record.public_id, {"reason": reason})
        self.session.commit()
        return item

    def mine(self, identity: Identity, record_id: str) -> ListingFeedback | None:
        """The feedback this identity gave on the record, if any (the record page shows it back)."""
        if identity.user_id is None:
            return None
        return self.session.scalar(select(ListingFeedback).where(ListingFeedback.record_id == record_id,
                                                                 ListingFeedback.author_id == identity.user_id))

    def summary(self, identity: Identity, record_id: str) -> FeedbackSummary:
        """For the record's holder (and administrators): counts per reason, and the notes."""
        record = self._record(record_id)
        if not identity.acts_for_any(holder_ids(record)):
            raise PermissionError("only the holder reads the feedback")
        rows = list(self.session.scalars(select(ListingFeedback).where(ListingFeedback.record_id == record.public_id)
                                         .order_by(ListingFeedback.created_at.desc(), ListingFeedback.id.desc())))
        counts = Counter(r.reason for r in rows)
        return FeedbackSummary(record_id, len(rows), {r: counts.get(r, 0) for r in FEEDBACK_REASONS},
                               [(r.reason, r.note) for r in rows if r.note])

    def _record(self, record_id: str):
        cls = BY_PREFIX.get((record_id or "").split("-", 1)[0])
        number = cls.parse_public_id(record_id) if cls in (Achievement, Patent, Instrument) else None
        record = self.session.get(cls, number) if number is not None else None
        if record is None:
            raise LookupError(f"no record {record_id}")
        return record
