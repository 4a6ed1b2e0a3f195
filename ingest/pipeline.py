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

A large file (CSV) is imported in parts: ranges of its records that several worker processes
import at once, each with its own counts and resume point (``ImportPart``), under one job whose
counts and progress are their sums. Every guarantee above holds per part.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from web.extensions import db
from web.models import Achievement, ImportJob, ImportPart, ImportRecordError
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
PART_RECORDS = 10_000  # a file of at least twice this many records is imported in parts of this size

# runs a job's parts (by number), here or elsewhere: Celery tasks, local processes
PartLauncher = Callable[[int, list[int]], None]


Target = TypeVar("Target", ImportJob, ImportPart)  # what a run moves on: the job, or one of its parts


class Cancelled(Exception):
    pass


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Outcome:
    counts: dict[str, int]
    errors: list[ImportRecordError]


def _stale(beat: datetime | None) -> bool:
    return beat is None or (_now() - beat.replace(tzinfo=beat.tzinfo or timezone.utc)).total_seconds() >= STALE_HEARTBEAT_SECONDS


def _cancelled_message(job: ImportJob) -> str:
    n = job.committed_records
    return f"已取消，取消前已导入 {n} 条 / cancelled; {n} records were imported before"


def _error_rows(job: ImportJob, n: int, raw: RawRecord, problems: list[tuple[str, str]]) -> list[ImportRecordError]:
    return [
        ImportRecordError(job_id=job.id, record_no=n, location=str(raw.location)[:300], line=raw.location.line,
                          label=(raw.label or "")[:300] or None, field=(field or "_record")[:100], reason=reason)
        for field, reason in problems
    ]


class ImportPipeline:
    def __init__(self, identity: Identity = system_identity, batch_size: int | None = None,
                 launcher: PartLauncher | None = None):
        """``launcher`` runs a large file's parts (Celery tasks, local processes); without one
        they run one after another in this process."""
        self.identity = identity
        config = current_app.config
        self.batch_size = max(1, int(batch_size or config.get("INGEST_BATCH_SIZE") or BATCH_SIZE))
        self.part_records = max(1, int(config.get("INGEST_PART_RECORDS") or PART_RECORDS))
        self.launcher = launcher
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
            if not _stale(job.heartbeat_at):
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
        parted: list[ImportJob] = []

        def work() -> bool:
            nonlocal records
            if records is None:
                records = self._read(job)
                if self._plan_parts(job):
                    parted.append(self._run_parts(job, on_progress))
                    return True  # the last part to end ends the job
            self._consume(job, job, records, on_progress)
            return False

        settled = self._settle(job, work, f"import job {job_id}")
        if settled is None:
            return parted[0]
        job = settled
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

    def _settle(self, target: Target, work: Callable[[], bool], what: str) -> Target | None:
        """Run ``work`` for ``target`` (the job or one of its parts) and set how it ended: failed
        (a refused file, or anything unforeseen: logged, the batch rolled back, the target read
        again), cancelled or done. None when the work handed the end elsewhere (to the parts)."""
        kind, key = type(target), target.id
        try:
            if work():
                return None
        except FileRefused as exc:
            self.session.rollback()
            target.status, target.refusal_code, target.message = "failed", exc.code, str(exc)
        except Cancelled:
            self.session.rollback()
            target.status = "cancelled"
            if isinstance(target, ImportJob):
                target.message = _cancelled_message(target)
        except Exception as exc:  # noqa: BLE001 - report, don't lose the job
            log.exception("%s failed", what)
            self.session.rollback()
            target = self.session.get(kind, key)
            target.status, target.message = "failed", f"导入中断 / import stopped: {type(exc).__name__}: {exc}"[:2000]
        else:
            target.status = "done"
        target.finished_at = _now()
        return target

    @property
    def as_drafts(self) -> bool:
        return not self.identity.is_admin

    def _read(self, job: ImportJob, skip: int = 0) -> Iterator[RawRecord]:
        """The job's records; ``skip`` of them passed over first (a part's start), which only
        splittable readers are asked for."""
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
        if skip:
            kwargs["skip"] = skip
        return iter(reader.read(path, **kwargs))

    # -- a large file in parts ------------------------------------------------------------------
    def _plan_parts(self, job: ImportJob) -> bool:
        """Whether the job runs in parts: the ones an earlier run planned, or new ones when the
        file is large and its reader can start midway."""
        if self._parts(job.id):
            return True
        total = job.progress_total or 0
        if job.kind != "file" or not getattr(self._reader, "splittable", False) or total < 2 * self.part_records \
                or job.committed_records:
            return False
        count = -(-total // self.part_records)
        for no in range(1, count + 1):
            first = (no - 1) * self.part_records + 1
            self.session.add(ImportPart(job_id=job.id, part_no=no, first_record=first, committed_records=first - 1,
                                        last_record=None if no == count else no * self.part_records))
        self.session.commit()  # the estimate may be short: the last part reads to the end
        log.info("job %s: %s records (estimated) in %s parts", job.id, total, count)
        return True

    def _parts(self, job_id: int) -> list[ImportPart]:
        return list(self.session.scalars(select(ImportPart).where(ImportPart.job_id == job_id).order_by(ImportPart.part_no)
                                         .execution_options(populate_existing=True)))

    def _run_parts(self, job: ImportJob, on_progress) -> ImportJob:
        job_id = job.id
        pending = [p.part_no for p in self._parts(job_id) if not p.finished]
        if not pending:  # every part ended, but not the job (its last step was lost)
            return self._roll_up(job_id, finish=True)
        if self.launcher is not None:
            self.launcher(job_id, pending)
        else:
            for no in pending:
                self.run_part(job_id, no, on_progress=on_progress)
        self.session.expire_all()
        return self.session.get(ImportJob, job_id)

    def run_part(self, job_id: int, part_no: int, *, task_id: str | None = None,
                 on_progress: Callable[[ImportJob], None] | None = None) -> ImportPart:
        """Run (or resume) one part of a job; the last part to end ends the job."""
        job = self.session.get(ImportJob, job_id)
        part = self.session.scalar(select(ImportPart).where(ImportPart.job_id == job_id, ImportPart.part_no == part_no))
        if job is None or part is None:
            raise LookupError(f"no part {part_no} of import job {job_id}")
        if part.finished or job.finished:
            self._roll_up(job_id, finish=True)
            return part
        if part.status == "running" and task_id is not None and part.task_id not in (None, task_id) and not _stale(part.heartbeat_at):
            log.info("part %s of job %s is running elsewhere; not starting it twice", part_no, job_id)
            return part
        part.status, part.attempts = "running", part.attempts + 1
        part.started_at = part.started_at or _now()
        part.heartbeat_at = _now()
        part.task_id = task_id or part.task_id
        self.session.commit()
        def work() -> bool:
            if job.cancel_requested:
                raise Cancelled()
            self.identity = self._identity_of(job)
            records = self._read(job, skip=part.committed_records)
            self._consume(job, part, records, on_progress, first_n=part.committed_records, last_n=part.last_record)
            return False

        part = self._settle(part, work, f"part {part_no} of import job {job_id}")
        self.session.commit()
        job = self._roll_up(job_id, finish=True)
        if on_progress:
            on_progress(job)
        return part

    def _roll_up(self, job_id: int, finish: bool = False) -> ImportJob:
        """The job's counts and progress from its parts' (and its end, when every part has
        ended), in a short transaction of its own that starts by writing the job's row: that
        waits for a concurrent roll-up (a row lock, SQLite's write lock), so the last part to
        end sees every other part's end."""
        def work() -> ImportJob:
            self.session.execute(update(ImportJob).where(ImportJob.id == job_id).values(heartbeat_at=_now()))
            job = self.session.get(ImportJob, job_id, populate_existing=True)
            parts = self._parts(job_id)
            for name in ("created", "updated", "unchanged", "rejected", "deleted"):
                setattr(job, name, sum(getattr(p, name) for p in parts))
            job.read = job.created + job.updated + job.unchanged + job.rejected + job.deleted
            job.committed_records = job.progress_done = sum(p.done_records for p in parts)
            if finish and not job.finished and all(p.finished for p in parts):
                self._end_of_parts(job, parts)
            self.session.commit()
            return job

        self.session.rollback()  # start from nothing (and from fresh reads)
        return retry_on_conflict(self.session, work, attempts=self.attempts, what=f"import job {job_id}")

    @staticmethod
    def _end_of_parts(job: ImportJob, parts: list[ImportPart]) -> None:
        failed = next((p for p in parts if p.status == "failed"), None)
        if failed is not None:
            job.status, job.refusal_code = "failed", failed.refusal_code
            job.message = (f"第 {failed.part_no} 段（第 {failed.first_record} 条记录起）未完成 / part {failed.part_no} "
                           f"(from record {failed.first_record}) stopped: {failed.message}")[:2000]
        elif any(p.status == "cancelled" for p in parts):
            job.status, job.message = "cancelled", _cancelled_message(job)
        else:
            job.status = "done"
        job.finished_at = _now()
        job.progress_total = job.progress_total if job.progress_total is not None else job.progress_done

    # -- the records -----------------------------------------------------------------------------
    def _consume(self, job: ImportJob, target: ImportJob | ImportPart, records: Iterator[RawRecord], on_progress,
                 first_n: int = 0, last_n: int | None = None) -> None:
        """Store ``records`` in batches; their counts and resume point move on ``target``, the
        job or one of its parts. ``first_n`` records were passed over by the reader (a part's
        start); reading stops after record ``last_n``."""
        batch: list[tuple[int, RawRecord]] = []
        n = first_n
        whole = target is job or target.part_no == 1  # who notes the file's unknown columns
        started = time.monotonic()
        for raw in records:
            n += 1
            if n == 1:
                self._note_columns(job)
            if last_n is not None and n > last_n:
                break
            if n <= target.committed_records:  # committed by an earlier run of this job
                continue
            batch.append((n, raw))
            if len(batch) >= self.batch_size:
                self._batch(job, target, batch)
                batch = []
                self._checkpoint(job, target, on_progress)
        if batch:
            self._batch(job, target, batch)
        if whole:
            self._note_columns(job)  # JSON readers learn of unknown keys as they go
        log.info("job %s: %s records in %.1fs", job.id, n - first_n, time.monotonic() - started)

    def _note_columns(self, job: ImportJob) -> None:
        """Columns the reader did not recognise are ignored, and said so on the job."""
        notes = [m for _, m in getattr(getattr(self, "_reader", None), "notes", [])]
        if notes:
            job.message = "; ".join(notes)[:2000]

    def _checkpoint(self, job: ImportJob, target: ImportJob | ImportPart, on_progress) -> None:
        cancel = self.session.scalar(select(ImportJob.cancel_requested).where(ImportJob.id == job.id))
        if cancel:
            raise Cancelled()
        target.heartbeat_at = _now()
        self.session.commit()
        if target is not job:
            job = self._roll_up(job.id)
        if on_progress:
            on_progress(job)

    # -- one batch ---------------------------------------------------------------------------------
    def _batch(self, job: ImportJob, target: ImportJob | ImportPart, batch: list[tuple[int, RawRecord]]) -> None:
        # ids read now: after a failed flush the session refuses to load anything
        job_id, where = job.id, (type(target), target.id)
        try:
            self._store_retrying(job_id, where, batch)
            return
        except SQLAlchemyError:
            # one record broke the batch's transaction (a conflict the schema could not see):
            # store the records one by one so only that one is rejected
            log.warning("job %s: batch failed as a whole; retrying record by record", job_id, exc_info=True)
        for n, raw in batch:
            try:
                self._store_retrying(job_id, where, [(n, raw)])
            except SQLAlchemyError as exc:
                job = self.session.get(ImportJob, job_id)
                reason = f"无法保存 / could not be stored: {getattr(exc, 'orig', None) or exc}"[:1000]
                self._commit_counts(self.session.get(*where), n, Outcome({"rejected": 1}, _error_rows(job, n, raw, [("_record", reason)])))

    def _store_retrying(self, job_id: int, where: tuple[type, int], batch: list[tuple[int, RawRecord]]) -> Outcome:
        """One transaction for the batch; when a concurrent job created the same institution or
        record first (a unique key, a lost update, a lock), it is rolled back and run again from
        scratch: new matcher and resolver, so the lookups find what the other job committed."""
        return retry_on_conflict(self.session, lambda: self._store(self.session.get(ImportJob, job_id), self.session.get(*where), batch),
                                 attempts=self.attempts, what=f"import job {job_id}")

    def _store(self, job: ImportJob, target: ImportJob | ImportPart, batch: list[tuple[int, RawRecord]]) -> Outcome:
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
        resolvers: dict[str, InstitutionResolver] = {}
        for record_type, items in valid.items():
            matchers[record_type] = self.services.for_type(record_type).matcher()
            with self.session.no_autoflush:
                matchers[record_type].prefetch([d for _, _, d in items])
            if not self.as_drafts:  # drafts name their institutions without resolving them
                resolvers[record_type] = self.services.for_type(record_type).resolver(d for _, _, d in items)
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
                    result = service.upsert(self.identity, data, uow, resolver=resolvers[record_type],
                                            matcher=matchers[record_type], source=self._source(job, raw))
                    counts[result.outcome] = counts.get(result.outcome, 0) + 1
            for raw in deletions:
                if self._withdraw(job, raw, uow):
                    counts["deleted"] = counts.get("deleted", 0) + 1
            self.session.add_all(errors)
            self._commit_counts(target, batch[-1][0], Outcome(counts, errors), add_errors=False)
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

    def _commit_counts(self, target: ImportJob | ImportPart, last_n: int, outcome: Outcome, add_errors: bool = True) -> None:
        """Counters and the resume point move in the same transaction as the records: on the
        job, or on a part (never the job's row, which parts running at once would all write)."""
        if add_errors:
            self.session.add_all(outcome.errors)
        c = outcome.counts
        target.created += c.get("created", 0)
        target.updated += c.get("updated", 0)
        target.unchanged += c.get("unchanged", 0)
        target.rejected += c.get("rejected", 0)
        target.deleted += c.get("deleted", 0)
        target.committed_records = max(target.committed_records, last_n)
        target.heartbeat_at = _now()
        if isinstance(target, ImportJob):
            target.read = target.created + target.updated + target.unchanged + target.rejected + target.deleted
            target.progress_done = target.committed_records
        if add_errors:
            self.session.commit()
