"""Import jobs, their per-record errors, the indexing outbox and OAI-PMH harvest sources."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import utcnow

JOB_STATES = ("queued", "running", "done", "failed", "cancelled")


class ImportJob(db.Model):
    """One uploaded file (or one harvest run) and what became of every record in it."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="file")  # file | harvest
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    record_type: Mapped[str | None] = mapped_column(String(16))  # None: taken from the file
    filename: Mapped[str] = mapped_column(String(300))  # as the user named it
    stored_path: Mapped[str | None] = mapped_column(String(500))  # our copy, read by the worker
    source_url: Mapped[str | None] = mapped_column(String(500))  # harvests
    reader: Mapped[str | None] = mapped_column(String(32))
    encoding: Mapped[str | None] = mapped_column(String(32))
    options: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)  # defaults, holder, set ...
    submitted_by: Mapped[str | None] = mapped_column(String(100))
    # counts: read = created + updated + unchanged + rejected (+ deleted for harvests)
    read: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    created: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    updated: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    unchanged: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    rejected: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    deleted: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    # progress: bytes (files) or records (harvests) done out of total, for the progress bar
    progress_done: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    progress_total: Mapped[int | None] = mapped_column(Integer)
    # where a worker that died can resume: the number of records already committed
    committed_records: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    message: Mapped[str | None] = mapped_column(Text)  # why a job failed or a file was refused
    refusal_code: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    errors: Mapped[list["ImportRecordError"]] = relationship(
        back_populates="job", cascade="all, delete-orphan", lazy="dynamic",
        order_by="[ImportRecordError.record_no, ImportRecordError.id]",  # file order, whichever part stored them first
    )
    parts: Mapped[list["ImportPart"]] = relationship(
        back_populates="job", cascade="all, delete-orphan", order_by="ImportPart.part_no", passive_deletes=True
    )

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed", "cancelled")

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return 100 if self.finished else None
        return min(100, int(self.progress_done * 100 / self.progress_total))

    def counts(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in ("read", "created", "updated", "unchanged", "rejected", "deleted")}


class ImportPart(db.Model):
    """A range of a large file's records that one worker process imports while others import
    the other ranges (``ingest/parts.py``). The part keeps its own counts and resume point, so
    parallel parts never write the same row in their batch transactions; the job shows their
    sums."""

    __tablename__ = "import_job_parts"
    __table_args__ = (UniqueConstraint("job_id", "part_no", name="uq_import_job_parts_job_part"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("import_jobs.id", ondelete="CASCADE"), index=True)
    part_no: Mapped[int] = mapped_column(Integer, nullable=False)  # 1, 2, ... in file order
    first_record: Mapped[int] = mapped_column(Integer, nullable=False)  # the file's record numbers, 1-based
    last_record: Mapped[int | None] = mapped_column(Integer)  # None: to the end of the file
    status: Mapped[str] = mapped_column(String(16), default="queued", nullable=False)
    created: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    updated: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    unchanged: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    rejected: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    deleted: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    # the file's record number up to which this part has committed (first_record - 1 at the start)
    committed_records: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    message: Mapped[str | None] = mapped_column(Text)
    refusal_code: Mapped[str | None] = mapped_column(String(32))
    task_id: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    job: Mapped[ImportJob] = relationship(back_populates="parts")

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed", "cancelled")

    @property
    def done_records(self) -> int:
        """Records of this part already committed."""
        return max(0, self.committed_records - (self.first_record - 1))


class ImportRecordError(db.Model):
    """Why one record of a job was rejected: where it is, which field, and the reason."""

    __tablename__ = "import_record_errors"
    __table_args__ = (Index("ix_import_record_errors_job_record", "job_id", "record_no", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("import_jobs.id", ondelete="CASCADE"), index=True)
    record_no: Mapped[int] = mapped_column(Integer)  # position of the record in the file (1-based)
    location: Mapped[str] = mapped_column(String(300))  # "file, sheet S, line 12" or an XML element
    line: Mapped[int | None] = mapped_column(Integer)
    label: Mapped[str | None] = mapped_column(String(300))  # title or number, to find the row
    field: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)  # "中文 / English"

    job: Mapped[ImportJob] = relationship(back_populates="errors")


class OutboxEntry(db.Model):
    """A record to (re)index, written in the same transaction as the record itself, so a
    commit can never be lost on its way to the search engine. Drained in bulk; an entry is
    deleted only once the engine has accepted the write."""

    __tablename__ = "index_outbox"
    __table_args__ = (Index("ix_outbox_due", "next_attempt_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[str] = mapped_column(String(32), nullable=False)  # public id, e.g. ach-12
    op: Mapped[str] = mapped_column(String(8), default="index", nullable=False)  # index | delete
    index: Mapped[str] = mapped_column(String(32), nullable=False)
    version: Mapped[int | None] = mapped_column(Integer)  # for deletes: the tombstone version
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HarvestSource(db.Model):
    """An OAI-PMH endpoint harvested on a schedule; ``last_response_date`` is where the next
    incremental harvest starts (OAI ``from``)."""

    __tablename__ = "harvest_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    base_url: Mapped[str] = mapped_column(String(500), unique=True)
    metadata_prefix: Mapped[str] = mapped_column(String(32), default="oai_dc")
    set_spec: Mapped[str | None] = mapped_column(String(200))
    holder: Mapped[str | None] = mapped_column(String(200))  # the institution the records belong to
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    last_response_date: Mapped[str | None] = mapped_column(String(32))
    last_job_id: Mapped[int | None] = mapped_column(ForeignKey("import_jobs.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
