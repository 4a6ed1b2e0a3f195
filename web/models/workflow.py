"""Publishing: drafts under review, and the version history of every record.

A record row holds what is published (or withdrawn). Anything not yet approved lives apart, as
a ``RecordDraft``: a new record (``record_id`` is None) or an edit of a published one, whose
row stays as it is (and searchable) until a reviewer approves the draft. The draft keeps the
input shape of the API and the imports (``data``), so approving it goes through the same
validation and natural-key matching as every other write.

Every change of a record row is kept as a ``RecordVersion``: the record as the API shows it at
that revision, who made the change and how. History pages and diffs read these."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import utcnow

# draft → submitted → in_review → (published | rejected); a rejected draft is edited and
# submitted again; "published" closes a draft (its data became the record's new version)
DRAFT_STATES = ("draft", "submitted", "in_review", "rejected", "published", "discarded")
OPEN_DRAFT_STATES = ("draft", "submitted", "in_review", "rejected")


class RecordDraft(db.Model):
    __tablename__ = "record_drafts"
    __table_args__ = (Index("ix_record_drafts_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_type: Mapped[str] = mapped_column(String(16), nullable=False)
    record_id: Mapped[int | None] = mapped_column(Integer)  # None: a record that does not exist yet
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft", nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(500), default="", nullable=False)  # for lists: the record's title or name
    data: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)  # the API's input shape
    revision: Mapped[int] = mapped_column(Integer, default=1, nullable=False)  # the draft's own version (If-Match)
    base_revision: Mapped[int | None] = mapped_column(Integer)  # the record's revision the edit started from
    source: Mapped[str | None] = mapped_column(String(200))  # "form", "api", an import file name
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)  # why the reviewer rejected it
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    comments: Mapped[list["DraftComment"]] = relationship(back_populates="draft", cascade="all, delete-orphan",
                                                          order_by="DraftComment.id")

    __mapper_args__ = {"version_id_col": revision}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_DRAFT_STATES

    @property
    def editable(self) -> bool:
        """Its holder may still change it (a draft under review is the reviewer's until decided)."""
        return self.status in ("draft", "rejected", "submitted")


class DraftComment(db.Model):
    """The conversation between a reviewer and the publisher about one draft."""

    __tablename__ = "draft_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("record_drafts.id", ondelete="CASCADE"), nullable=False, index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(254), nullable=False)  # name at the time
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), default="comment", nullable=False)  # comment | submit | approve | reject
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    draft: Mapped[RecordDraft] = relationship(back_populates="comments")


class RecordVersion(db.Model):
    __tablename__ = "record_versions"
    __table_args__ = (UniqueConstraint("record_type", "record_id", "revision", name="uq_record_versions_revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_type: Mapped[str] = mapped_column(String(16), nullable=False)
    record_id: Mapped[int] = mapped_column(Integer, nullable=False)
    revision: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    data: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)  # the record as the API shows it
    change: Mapped[str] = mapped_column(String(32), nullable=False)  # created, updated, approved, withdrawn, imported ...
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(254), nullable=False)
    draft_id: Mapped[int | None] = mapped_column(Integer)  # the approved draft, if any
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
