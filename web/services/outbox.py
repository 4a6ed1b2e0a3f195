"""The indexing outbox: nothing committed to the store is lost on its way to the index.

Records are written to the store and an outbox row per record is written *in the same
transaction* (see ``uow.py``). Draining reads due rows, re-reads the records (or takes them
from memory, when the commit that wrote them drains its own rows at once), indexes them with
their revision as the version, and deletes the rows only once the engine accepted the writes.
While the engine is unreachable the rows stay, with an exponential back-off; the periodic
``drain_outbox`` task (or the next commit) tries again. Because writes carry versions,
draining twice, late or concurrently is harmless.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, func, insert, inspect, or_, select, update
from sqlalchemy.orm import Session

from indexer import BackendUnavailable, BulkReport, SearchError

from ..models.common import utcnow
from ..models.ingest import OutboxEntry
from .indexing import RecordIndexer

log = logging.getLogger(__name__)

CLAIM_SECONDS = 120  # a drain that dies leaves its rows claimed this long, then others take them
MAX_BACKOFF_SECONDS = 300


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _naive(dt: datetime) -> datetime:
    return dt.replace(tzinfo=None) if dt.tzinfo else dt


def unreachable(bulk: BulkReport) -> str | None:
    """Why the engine stopped answering part-way through a bulk write (its ``"*"`` error), else
    None. Then no entry of the write counts as done, whatever else the report holds: the
    documents after the break were never sent, even when an earlier document was refused for a
    reason of its own (a mix that once let those unsent entries leave the outbox unindexed)."""
    return next((e.reason for e in bulk.errors if e.id == "*"), None)


def in_session(records: Iterable[Any]) -> dict[str, Any]:
    """Public id -> record, for the records still persistent in their session: what a commit
    just wrote, as it wrote it. A record the same commit deleted (detached since) is left to
    the read-back, which finds its row gone and takes it out of the index."""
    out: dict[str, Any] = {}
    for rec in records:
        state = inspect(rec)
        if state.persistent and not state.expired_attributes:
            out[rec.public_id] = rec
    return out


@dataclass
class DrainReport:
    indexed: int = 0
    deleted: int = 0
    failed: int = 0  # entries that failed and wait for their next attempt
    remaining: int = 0  # entries still in the outbox (due now or later)
    retry_in: float | None = None  # seconds until the earliest retry, when some failed
    error: str | None = None

    def merge(self, other: "DrainReport") -> "DrainReport":
        self.indexed += other.indexed
        self.deleted += other.deleted
        self.failed += other.failed
        self.remaining = other.remaining
        self.retry_in = other.retry_in if other.retry_in is not None else self.retry_in
        self.error = other.error or self.error
        return self


class OutboxService:
    def __init__(self, session: Session, indexer: RecordIndexer, claim_seconds: int = CLAIM_SECONDS,
                 on_indexed: Callable[[list[str]], object] | None = None):
        self.session = session
        self.indexer = indexer
        self.claim_seconds = claim_seconds
        self.on_indexed = on_indexed  # told the public ids just indexed (the alerts' matching); never raises here

    # -- writing (inside the caller's transaction) ------------------------------------------
    def add(self, records: Iterable[Any], deletes: Iterable[tuple[str, str, int]] = ()) -> list[int]:
        """Entries for ``records`` (each once) and for ``deletes`` ((index, public id, tombstone
        version)), in one multi-row insert: an import batch's thousand entries are rows, not ORM
        objects for the session to flush. Their ids, for the dispatcher."""
        now = utcnow()
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        for rec in records:
            rows.setdefault(("index", rec.public_id), {"record_id": rec.public_id, "op": "index", "index": rec.INDEX, "version": None})
        items = list(rows.values()) + [{"record_id": public_id, "op": "delete", "index": index, "version": version}
                                       for index, public_id, version in deletes]
        if not items:
            return []
        table = OutboxEntry.__table__
        for item in items:
            item.update(attempts=0, next_attempt_at=now, created_at=now)
        return list(self.session.scalars(insert(table).returning(table.c.id), items))

    # -- draining -----------------------------------------------------------------------------
    def pending(self) -> int:
        return int(self.session.scalar(select(func.count(OutboxEntry.id))) or 0)

    def _claim(self, limit: int, ids: list[int] | None) -> list[OutboxEntry]:
        now = _naive(_now())
        query = select(OutboxEntry).where(
            OutboxEntry.next_attempt_at <= now,
            or_(OutboxEntry.claimed_until.is_(None), OutboxEntry.claimed_until < now),
        )
        if ids is not None:
            query = query.where(OutboxEntry.id.in_(ids))
        entries = list(self.session.scalars(query.order_by(OutboxEntry.id).limit(limit)))
        if not entries:
            return []
        # claim them, so a concurrent drain takes other rows (harmless if it does not: versions)
        self.session.execute(
            update(OutboxEntry).where(OutboxEntry.id.in_([e.id for e in entries])).values(claimed_until=now + timedelta(seconds=self.claim_seconds))
        )
        self.session.commit()
        return entries

    def drain(self, limit: int = 1000, *, ids: list[int] | None = None, max_batches: int | None = None,
              committed: Iterable[Any] = ()) -> DrainReport:
        """Index due entries in batches until none are left (or ``max_batches``).
        ``committed``: records as the commit that wrote these entries left them in the session,
        indexed from memory instead of read back (an import batch's thousand records: the
        read-back was a tenth of its indexing)."""
        report = DrainReport()
        batches = 0
        in_memory = in_session(committed)
        while max_batches is None or batches < max_batches:
            entries = self._claim(limit, ids)
            if not entries:
                break
            batches += 1
            report.merge(self._process(entries, in_memory))
            if report.error:  # the engine is down: stop, the back-off decides when to retry
                break
        report.remaining = self.pending()
        if report.retry_in is None and report.remaining:
            earliest = self.session.scalar(select(func.min(OutboxEntry.next_attempt_at)))
            if earliest is not None:
                # PostgreSQL reads the column with its offset, SQLite without: compare both naive
                report.retry_in = max(0.0, (_naive(earliest) - _naive(_now())).total_seconds())
        return report

    def _process(self, entries: list[OutboxEntry], in_memory: dict[str, Any] | None = None) -> DrainReport:
        report = DrainReport()
        in_memory = in_memory or {}
        index_ids = list(dict.fromkeys(e.record_id for e in entries if e.op == "index"))
        deletes = [e for e in entries if e.op == "delete"]
        failed_ids: set[str] = set()
        error: str | None = None
        try:
            if index_ids:
                held = [in_memory[pid] for pid in index_ids if pid in in_memory]
                bulk = self.indexer.index_records(held) if held else BulkReport()
                read_back = [pid for pid in index_ids if pid not in in_memory]
                if read_back:
                    bulk.merge(self.indexer.index_ids(read_back))
                report.indexed += bulk.indexed + bulk.skipped_stale
                report.deleted += bulk.deleted
                failed_ids |= {e.id for e in bulk.errors}
                error = unreachable(bulk) or error
            by_index: dict[str, list[tuple[str, int]]] = {}
            for e in deletes:
                by_index.setdefault(e.index, []).append((e.record_id, e.version or 0))
            for index, items in by_index.items():
                bulk = self.indexer.delete(index, items)
                report.deleted += bulk.deleted
                failed_ids |= {e.id for e in bulk.errors}
                error = unreachable(bulk) or error
        except (BackendUnavailable, SearchError) as exc:
            error = str(exc)
        if error is not None:
            failed = entries  # the engine did not answer: every entry waits for a retry
        else:
            failed = [e for e in entries if e.record_id in failed_ids]
        done = [e.id for e in entries if e not in failed]
        if done:
            self.session.execute(delete(OutboxEntry).where(OutboxEntry.id.in_(done)))
        now = _naive(_now())
        retry_in = None
        for e in failed:
            attempts = e.attempts + 1
            wait = min(2 ** attempts, MAX_BACKOFF_SECONDS)
            retry_in = wait if retry_in is None else min(retry_in, wait)
            self.session.execute(
                update(OutboxEntry).where(OutboxEntry.id == e.id).values(
                    attempts=attempts, next_attempt_at=now + timedelta(seconds=wait), claimed_until=None,
                    last_error=(error or "the engine refused the document")[:2000],
                )
            )
        self.session.commit()
        indexed = [e.record_id for e in entries if e.op == "index" and e not in failed]
        if indexed and self.on_indexed is not None:
            try:
                self.on_indexed(list(dict.fromkeys(indexed)))
            except Exception:  # noqa: BLE001 - the records are indexed; matching is best effort
                log.exception("could not hand %d indexed records to the alerts", len(indexed))
        report.failed = len(failed)
        report.retry_in = retry_in
        report.error = error
        return report
