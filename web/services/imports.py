"""Import jobs as users see them: create (from an upload or a harvest source), follow, cancel,
and download the rejected records as a CSV. Running a job is the ingest worker's business;
this service only queues it by task name, so web code never imports the workers."""
from __future__ import annotations

import csv
import io
import shutil
import unicodedata
import uuid
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO

from flask import current_app
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ..models import HarvestSource, ImportJob, ImportRecordError
from .identity import Identity
from .records import PermissionDenied, RecordNotFound

MAX_JOB_ID = 2**31 - 1  # job ids are database integers; a larger number is no job (not a server error)
MAX_NAME_BYTES = 200  # a stored file name stays well under every file system's 255 bytes
RUN_TASK = "ingest.run_import"
HARVEST_TASK = "ingest.harvest"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()


def storage_name(filename: str) -> str:
    """The uploaded file's name as we keep it: the last path part only (``../x``, ``C:\\x``),
    no control characters, never ``.`` or ``..`` (which name a folder), and at most
    ``MAX_NAME_BYTES`` in UTF-8 with the extension kept (the readers go by it)."""
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp")).strip()
    if name.strip(".") == "":
        return "upload"
    if len(name.encode("utf-8")) <= MAX_NAME_BYTES:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or len(suffix.encode("utf-8")) > 16:
        stem, suffix = name, ""
    suffix = f".{suffix}" if suffix else ""
    budget = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
    cut = stem.encode("utf-8")[:budget].decode("utf-8", errors="ignore")  # never half a character
    return (cut.rstrip() or "upload") + suffix


def spreadsheet_safe(value: Any) -> Any:
    """A cell a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class ImportService:
    def __init__(self, session: Session, upload_dir: str | Path, celery: Any = None):
        self.session = session
        self.upload_dir = Path(upload_dir)
        self.celery = celery

    @classmethod
    def from_app(cls) -> "ImportService":
        from ..extensions import db

        return cls(db.session, current_app.config["INGEST_UPLOAD_DIR"], current_app.extensions.get("celery"))

    # -- creating jobs ----------------------------------------------------------------------------
    def default_institution(self, identity: Identity | None, given: str | None) -> str | None:
        """The institution for rows that name none: the one given, else a publisher's own (a
        publisher's rows are their institution's whatever the file says)."""
        if given and given.strip():
            return given.strip()
        if identity is not None and identity.is_publisher:
            from ..models import Institution

            inst = self.session.get(Institution, identity.institution_id)
            return inst.name if inst else None
        return None

    def create_file_job(self, identity: Identity | None, source: str | Path | BinaryIO, filename: str, *,
                        record_type: str | None = None, reader: str | None = None,
                        options: dict[str, Any] | None = None) -> ImportJob:
        """Keep a copy of the file (the worker reads it later) and record a queued job."""
        folder = self.upload_dir / uuid.uuid4().hex
        folder.mkdir(parents=True, exist_ok=True)
        safe_name = storage_name(filename)
        target = folder / safe_name
        if isinstance(source, (str, Path)):
            shutil.copyfile(source, target)
        else:
            with open(target, "wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
        job = ImportJob(kind="file", filename=safe_name, stored_path=str(target), record_type=record_type, reader=reader,
                        options=dict(options or {}), submitted_by=identity.id if identity else None)
        self.session.add(job)
        self.session.commit()
        return job

    def source_for(self, base_url: str, *, name: str | None = None, set_spec: str | None = None, holder: str | None = None) -> HarvestSource:
        source = self.session.scalar(select(HarvestSource).where(HarvestSource.base_url == base_url))
        if source is None:
            source = HarvestSource(base_url=base_url, name=name or base_url)
            self.session.add(source)
        source.set_spec = set_spec if set_spec is not None else source.set_spec
        source.holder = holder if holder is not None else source.holder
        self.session.commit()
        return source

    def create_harvest_job(self, identity: Identity | None, source: HarvestSource, *, from_date: str | None = None) -> ImportJob:
        job = ImportJob(kind="harvest", filename=source.name, source_url=source.base_url, record_type="achievement",
                        options={"source_id": source.id, "from": from_date if from_date is not None else source.last_response_date,
                                 "set": source.set_spec, "holder": source.holder},
                        submitted_by=identity.id if identity else None)
        self.session.add(job)
        self.session.commit()
        source.last_job_id = job.id
        self.session.commit()
        return job

    def enqueue(self, job: ImportJob) -> None:
        task = HARVEST_TASK if job.kind == "harvest" else RUN_TASK
        self.celery.send_task(task, args=[job.id])

    # -- following and cancelling -----------------------------------------------------------------
    def get(self, job_id: int, identity: Identity | None = None) -> ImportJob:
        """A job; with ``identity``, only one that identity may follow (administrators: every
        job; anyone else: their own), else not found."""
        job = self.session.get(ImportJob, job_id) if 1 <= job_id <= MAX_JOB_ID else None
        if job is None or (identity is not None and not identity.is_admin and job.submitted_by != identity.id):
            raise RecordNotFound(f"import job {job_id}")
        return job

    def recent(self, limit: int = 50, identity: Identity | None = None) -> list[ImportJob]:
        query = select(ImportJob).order_by(ImportJob.id.desc()).limit(limit)
        if identity is not None and not identity.is_admin:
            query = query.where(ImportJob.submitted_by == identity.id)
        return list(self.session.scalars(query))

    def cancel(self, identity: Identity | None, job_id: int) -> ImportJob:
        job = self.get(job_id, identity)
        if identity is not None and not identity.is_admin and identity.id != job.submitted_by:
            raise PermissionDenied("only the submitter or an administrator can cancel an import")
        if not job.finished:
            job.cancel_requested = True
            if job.status == "queued":  # not picked up yet: it will never start
                job.status, job.message = "cancelled", "已取消 / cancelled before it started"
            self.session.commit()
        return job

    def errors(self, job: ImportJob, limit: int | None = None) -> list[ImportRecordError]:
        query = job.errors
        return list(query.limit(limit) if limit else query)

    def errors_csv(self, job: ImportJob) -> bytes:
        """Every rejected record with its place, field and reason; opens cleanly in Excel
        (UTF-8 with BOM) and cannot smuggle formulas into it."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["文件 file", "位置 location", "行 line", "记录 record", "字段 field", "原因 reason"])
        for err in self._iter_errors(job):
            writer.writerow([spreadsheet_safe(v) for v in (job.filename, err.location, err.line or "", err.label or "", err.field, err.reason)])
        return "\ufeff".encode() + out.getvalue().encode("utf-8")

    def _iter_errors(self, job: ImportJob) -> Iterable[ImportRecordError]:
        """In file order (a large file's parts store theirs at once), a thousand at a time."""
        no, last = -1, 0
        while True:
            after = or_(ImportRecordError.record_no > no, and_(ImportRecordError.record_no == no, ImportRecordError.id > last))
            rows = list(self.session.scalars(select(ImportRecordError).where(ImportRecordError.job_id == job.id, after)
                                             .order_by(ImportRecordError.record_no, ImportRecordError.id).limit(1000)))
            if not rows:
                return
            yield from rows
            no, last = rows[-1].record_no, rows[-1].id

    @staticmethod
    def to_dict(job: ImportJob) -> dict[str, Any]:
        return {
            "id": job.id, "kind": job.kind, "status": job.status, "filename": job.filename, "record_type": job.record_type,
            "reader": job.reader, "counts": job.counts(), "progress": {"done": job.progress_done, "total": job.progress_total, "percent": job.percent},
            "parts": [{"part": p.part_no, "first_record": p.first_record, "last_record": p.last_record, "status": p.status,
                       "done": p.done_records} for p in job.parts],
            "message": job.message, "refusal_code": job.refusal_code, "cancel_requested": job.cancel_requested,
            "created_at": _utc(job.created_at),
            "started_at": _utc(job.started_at),
            "finished_at": _utc(job.finished_at),
        }
