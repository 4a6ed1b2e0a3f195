"""read -> validate -> upsert in batches -> outbox -> index, for one import job.

Guarantees:
* a bad record is rejected alone, with its file, line, field and reason; the good records
  around it are stored (a batch that fails as a whole is retried record by record);
* two jobs at once never lose each other's work: a batch that collides with a concurrent
  writer (both creating the same institution or record) is rolled back and run again with
  fresh lookups, which then find the other's row (``web.services.retry``);
* each batch commits its records, their outbox rows, its error rows and the job's counters
  in one transaction, so a worker that dies mid-import leaves no half-written batch, and a
  rerun resumes after the last committed record with the counts intact;
* the same file imported twice changes nothing (natural keys; "unchanged" counts);
* a file that cannot be read at all is refused with a reason before anything is written.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from web.extensions import db
from web.models import Achievement, ImportJob, ImportRecordError
from web.proxies import current_services
from web.schemas import error_list
from web.services.identity import Identity, system_identity
from web.services.drafts import DraftConflict
from web.services.records import InstitutionResolver, PermissionDenied
from web.services.retry import DEFAULT_ATTEMPTS, retry_on_conflict
from web.services.uow import IndexOp

from . import registry
from .readers.base import FileRefused, RawRecord

log = logging.getLogger(__name__)

BATCH_SIZE = 500
STALE_HEARTBEAT_SECONDS = 120


class Cancelled(Exception):
    pass


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Outcome:
    counts: dict[str, int]
    errors: list[ImportRecordError]


def _error_rows(job: ImportJob, n: int, raw: RawRecord, problems: list[tuple[str, str]]) -> list[ImportRecordError]:
    return [
        ImportRecordError(job_id=job.id, record_no=n, location=str(raw.location)[:300], line=raw.location.line,
                          label=(raw.label or "")[:300] or None, field=(field or "_record")[:100], reason=reason)
        for field, reason in problems
    ]


class ImportPipeline:
    def __init__(self, identity: Identity = system_identity, batch_size: int | None = None):
        self.identity = identity
        config = current_app.config
        self.batch_size = max(1, int(batch_size or config.get("INGEST_BATCH_SIZE") or BATCH_SIZE))
        self.attempts = max(1, int(config.get("INGEST_CONFLICT_ATTEMPTS") or DEFAULT_ATTEMPTS))
        self.session = db.session
        self.services = current_services

    # -- the job lifecycle ----------------------------------------------------------------------
    def run(self, job_id: int, *, task_id: str | None = None, records: Iterator[RawRecord] | None = None,
            on_progress: Callable[[ImportJob], None] | None = None,
            before_finish: Callable[[ImportJob], None] | None = None) -> ImportJob:
        """Run (or resume) a job. ``records`` overrides reading the job's file (harvests);
        ``before_finish`` writes what belongs with the job's end in the same commit (a
        harvest's resume point: nobody sees the job done without it)."""
        job = self.session.get(ImportJob, job_id)
        if job is None:
            raise LookupError(f"no import job {job_id}")
        if job.finished:
            return job
        if job.status == "running" and task_id is not None and job.options.get("task_id") not in (None, task_id):
            beat = job.heartbeat_at
            if beat is not None and (_now() - beat.replace(tzinfo=beat.tzinfo or timezone.utc)).total_seconds() < STALE_HEARTBEAT_SECONDS:
                log.info("job %s is running elsewhere; not starting it twice", job_id)
                return job
        self.identity = self._identity_of(job)
        if self.as_drafts and not job.options.get("as_drafts"):
            job.options = {**job.options, "as_drafts": True}  # the job page says the records wait for review
        job.status, job.attempts = "running", job.attempts + 1
        job.started_at = job.started_at or _now()
        job.heartbeat_at = _now()
        if task_id:
            job.options = {**job.options, "task_id": task_id}
        self.session.commit()
        try:
            if records is None:
                records = self._read(job)
            self._consume(job, records, on_progress)
        except FileRefused as exc:
            self.session.rollback()
            job.status, job.refusal_code, job.message = "failed", exc.code, str(exc)
        except Cancelled:
            self.session.rollback()
            job.status = "cancelled"
            job.message = f"已取消，取消前已导入 {job.committed_records} 条 / cancelled; {job.committed_records} records were imported before"
        except Exception as exc:  # noqa: BLE001 - report, don't lose the job
            log.exception("import job %s failed", job_id)
            self.session.rollback()
            job = self.session.get(ImportJob, job_id)
            job.status, job.message = "failed", f"导入中断 / import stopped: {type(exc).__name__}: {exc}"[:2000]
        else:
            job.status = "done"
        job.finished_at = _now()
        job.progress_total = job.progress_total if job.progress_total is not None else job.progress_done
        if before_finish is not None:
            before_finish(job)
        self.session.commit()
        if on_progress:
            on_progress(job)
        return job

    def _identity_of(self, job: ImportJob) -> Identity:
        """Who the job imports for: the account that uploaded it (an administrator publishes; a
        publisher's rows become drafts of their institution), or the system (command line,
        harvests)."""
        submitted = job.submitted_by or ""
        if not submitted.isdigit():
            return self.identity
        from web.models import User
        from web.services.accounts import identity_of

        user = self.session.get(User, int(submitted))
        if user is None or not user.active:
            raise FileRefused("account_disabled", "提交导入的账号已停用", "the account that submitted this import is disabled")
        return identity_of(user)

    @property
    def as_drafts(self) -> bool:
        return not self.identity.is_admin

    def _read(self, job: ImportJob) -> Iterator[RawRecord]:
        path = Path(job.stored_path or "")
        from .safety import check_size

        if not path.is_file():
            raise FileRefused("file_missing", "上传的文件已不存在", "the uploaded file is gone")
        check_size(path)
        reader = registry.reader_for(path, job.reader, job.filename)
        job.reader = reader.name
        if job.progress_total is None:
            job.progress_total = registry.estimate_records(path, reader)
        self.session.commit()
        kwargs: dict[str, Any] = {"record_type": job.record_type, "display_name": job.filename}
        if job.options.get("defaults"):
            kwargs["defaults"] = job.options["defaults"]
        if reader.name == "csv" and job.encoding is None:
            from .safety import detect_encoding

            job.encoding = detect_encoding(path)  # shown on the job page: UTF-8, GB18030 ...
            self.session.commit()
        self._reader = reader
        return iter(reader.read(path, **kwargs))

    def _consume(self, job: ImportJob, records: Iterator[RawRecord], on_progress) -> None:
        batch: list[tuple[int, RawRecord]] = []
        n = 0
        started = time.monotonic()
        for raw in records:
            n += 1
            if n == 1:
                self._note_columns(job)
            if n <= job.committed_records:  # committed by an earlier run of this job
                continue
            batch.append((n, raw))
            if len(batch) >= self.batch_size:
                self._batch(job, batch)
                batch = []
                self._checkpoint(job, on_progress)
        if batch:
            self._batch(job, batch)
        self._note_columns(job)  # JSON readers learn of unknown keys as they go
        log.info("job %s: %s records in %.1fs", job.id, n, time.monotonic() - started)

    def _note_columns(self, job: ImportJob) -> None:
        """Columns the reader did not recognise are ignored, and said so on the job."""
        notes = [m for _, m in getattr(getattr(self, "_reader", None), "notes", [])]
        if notes:
            job.message = "; ".join(notes)[:2000]

    def _checkpoint(self, job: ImportJob, on_progress) -> None:
        cancel = self.session.scalar(select(ImportJob.cancel_requested).where(ImportJob.id == job.id))
        if cancel:
            raise Cancelled()
        job.heartbeat_at = _now()
        self.session.commit()
        if on_progress:
            on_progress(job)

    # -- one batch ---------------------------------------------------------------------------------
    def _batch(self, job: ImportJob, batch: list[tuple[int, RawRecord]]) -> None:
        job_id = job.id  # read now: after a failed flush the session refuses to load anything
        try:
            self._store_retrying(job_id, batch)
            return
        except SQLAlchemyError:
            # one record broke the batch's transaction (a conflict the schema could not see):
            # store the records one by one so only that one is rejected
            log.warning("job %s: batch failed as a whole; retrying record by record", job_id, exc_info=True)
        for n, raw in batch:
            try:
                self._store_retrying(job_id, [(n, raw)])
            except SQLAlchemyError as exc:
                job = self.session.get(ImportJob, job_id)
                reason = f"无法保存 / could not be stored: {getattr(exc, 'orig', None) or exc}"[:1000]
                self._commit_counts(job, n, Outcome({"rejected": 1}, _error_rows(job, n, raw, [("_record", reason)])))

    def _store_retrying(self, job_id: int, batch: list[tuple[int, RawRecord]]) -> Outcome:
        """One transaction for the batch; when a concurrent job created the same institution or
        record first (a unique key, a lost update, a lock), it is rolled back and run again from
        scratch: new matcher and resolver, so the lookups find what the other job committed."""
        return retry_on_conflict(self.session, lambda: self._store(self.session.get(ImportJob, job_id), batch),
                                 attempts=self.attempts, what=f"import job {job_id}")

    def _store(self, job: ImportJob, batch: list[tuple[int, RawRecord]]) -> Outcome:
        counts: dict[str, int] = {}
        errors: list[ImportRecordError] = []
        valid: dict[str, list[tuple[int, RawRecord, dict[str, Any]]]] = {}
        deletions: list[RawRecord] = []
        sources: dict[int, dict[str, Any]] = {}
        for n, raw in batch:
            if getattr(raw, "deleted", False):
                deletions.append(raw)
                continue
            problems = list(raw.problems)
            record_type = raw.record_type
            if record_type not in self.services.records:
                problems.append(("_record", f"未知的记录类型“{record_type}” / unknown record type {record_type!r}"))
            data = None
            source_data = raw.data
            if not problems:
                try:
                    if self.as_drafts:  # a publisher's row: their institution holds it
                        source_data = self.services.drafts.owned(self.identity, record_type, raw.data)
                    data = self.services.for_type(record_type).validate(source_data)
                except ValidationError as exc:
                    problems.extend(error_list(exc.messages))
                except PermissionDenied as exc:
                    problems.append(("_record", str(exc)))
            if problems:
                counts["rejected"] = counts.get("rejected", 0) + 1
                errors.extend(_error_rows(job, n, raw, problems))
            else:
                valid.setdefault(record_type, []).append((n, raw, data))
                sources[id(raw)] = source_data
        matchers = {}
        for record_type, items in valid.items():
            matchers[record_type] = self.services.for_type(record_type).matcher()
            with self.session.no_autoflush:
                matchers[record_type].prefetch([d for _, _, d in items])
        resolvers: dict[str, InstitutionResolver] = {}
        with self.services.unit_of_work() as uow:
            for record_type, items in valid.items():
                service = self.services.for_type(record_type)
                for n, raw, data in items:
                    if self.as_drafts:
                        try:
                            outcome = self.services.drafts.from_import(self.identity, record_type, sources[id(raw)], data,
                                                                       matchers[record_type], self._source(job, raw))
                        except (PermissionDenied, DraftConflict) as exc:
                            counts["rejected"] = counts.get("rejected", 0) + 1
                            errors.extend(_error_rows(job, n, raw, [("_record", str(exc))]))
                            continue
                        counts[outcome] = counts.get(outcome, 0) + 1
                        continue
                    result = service.upsert(self.identity, data, uow, resolver=resolvers.setdefault(record_type, InstitutionResolver(self.session)),
                                            matcher=matchers[record_type], source=self._source(job, raw))
                    counts[result.outcome] = counts.get(result.outcome, 0) + 1
            for raw in deletions:
                if self._withdraw(job, raw, uow):
                    counts["deleted"] = counts.get("deleted", 0) + 1
            self.session.add_all(errors)
            self._commit_counts(job, batch[-1][0], Outcome(counts, errors), add_errors=False)
        return Outcome(counts, errors)

    @staticmethod
    def _source(job: ImportJob, raw: RawRecord) -> str:
        if job.kind == "harvest" and raw.label:
            return f"oai:{raw.label}"[:200]
        return (job.filename or "upload")[:200]

    def _withdraw(self, job: ImportJob, raw: RawRecord, uow) -> bool:
        """An OAI-PMH deletion: the harvested record is withdrawn (kept, no longer public)."""
        rec = self.session.scalar(select(Achievement).where(Achievement.external_id == raw.label)) if raw.label else None
        if rec is None or rec.status == "withdrawn":
            return False
        rec.status = "withdrawn"
        uow.register(IndexOp([rec]))
        return True

    def _commit_counts(self, job: ImportJob, last_n: int, outcome: Outcome, add_errors: bool = True) -> None:
        """Counters and the resume point move in the same transaction as the records."""
        if add_errors:
            self.session.add_all(outcome.errors)
        c = outcome.counts
        job.created += c.get("created", 0)
        job.updated += c.get("updated", 0)
        job.unchanged += c.get("unchanged", 0)
        job.rejected += c.get("rejected", 0)
        job.deleted += c.get("deleted", 0)
        job.read = job.created + job.updated + job.unchanged + job.rejected + job.deleted
        job.committed_records = max(job.committed_records, last_n)
        job.progress_done = job.committed_records
        job.heartbeat_at = _now()
        if add_errors:
            self.session.commit()
