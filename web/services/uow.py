"""Unit of work: database changes commit first; side effects run only after the commit
succeeded (Invenio's UnitOfWork, Warehouse's after-commit hooks).

Indexing is the side effect that must never be lost, so it is not done "after commit" but
recorded *in* the commit: every record registered with an IndexOp gets an outbox row in the
same transaction (``outbox.py``). After the commit the dispatcher drains those rows, inline
or through a Celery task, and anything that fails stays in the outbox for the next try. It is
handed the committed records too: drained inline, they are indexed as they are in memory (the
state just committed; the session does not expire it) instead of being read back."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session


class Operation:
    def on_register(self, uow: "UnitOfWork") -> None:
        """Runs when registered, inside the transaction."""

    def before_commit(self, uow: "UnitOfWork") -> None:
        """Runs after the flush (new rows have ids, updated ones their new revision), inside
        the transaction, just before the commit."""

    def on_commit(self, uow: "UnitOfWork") -> None:
        """Runs after a successful commit."""


class IndexOp(Operation):
    """Index (or re-index) these records: they get outbox rows in the same transaction."""

    def __init__(self, records: list[Any]):
        self.records = records


class DeleteFromIndexOp(Operation):
    def __init__(self, index: str, doc_id: str, version: int):
        self.index, self.doc_id, self.version = index, doc_id, version


class VersionOp(Operation):
    """Keep the record as it is after this transaction as a version of its history.
    ``versions`` (``RecordVersions``) dumps the record, so it runs after the flush, when the
    revision counter has moved; the unit of work hands it all of a commit's versions at once
    (``write_all``): one multi-row insert for an import batch instead of an ORM object each."""

    def __init__(self, record: Any, change: str, versions: Any, **details: Any):
        self.record, self.change, self.versions, self.details = record, change, versions, details

    @staticmethod
    def write_all(ops: list["VersionOp"]) -> None:
        # a record changed twice in one transaction (a file holding it twice, differently) is
        # one version: its state after the commit, under the last change's name
        ops = list({id(op.record): op for op in ops}.values())
        by_store: dict[int, list[VersionOp]] = {}
        for op in ops:
            by_store.setdefault(id(op.versions), []).append(op)
        for group in by_store.values():
            group[0].versions.write_many([(op.record, op.change, op.details) for op in group])


class CallbackOp(Operation):
    def __init__(self, fn: Callable[[], Any]):
        self.fn = fn

    def on_commit(self, uow: "UnitOfWork") -> None:
        self.fn()


Dispatcher = Callable[[list[int], list[Any]], Any]  # outbox entry ids, the committed records -> index them (now or via a task)


class UnitOfWork:
    def __init__(self, session: Session, outbox: Any, dispatch: Dispatcher):
        self.session = session
        self.outbox = outbox
        self.dispatch = dispatch
        self.ops: list[Operation] = []

    def register(self, op: Operation) -> None:
        op.on_register(self)
        self.ops.append(op)

    def commit(self) -> None:
        ops, self.ops = self.ops, []
        records = [r for op in ops if isinstance(op, IndexOp) for r in op.records]
        deletes = [op for op in ops if isinstance(op, DeleteFromIndexOp)]
        entries: list[int] = []
        if records or deletes or any(isinstance(op, VersionOp) for op in ops):
            self.session.flush()  # new records get their ids, changed ones their revision
            entries = self.outbox.add(records, [(d.index, d.doc_id, d.version) for d in deletes])
        VersionOp.write_all([op for op in ops if isinstance(op, VersionOp)])
        for op in ops:
            op.before_commit(self)
        self.session.commit()
        if entries:
            self.dispatch(entries, records)
        for op in ops:
            op.on_commit(self)

    def rollback(self) -> None:
        self.session.rollback()
        self.ops = []


@contextmanager
def unit_of_work(session: Session, outbox: Any, dispatch: Dispatcher) -> Iterator[UnitOfWork]:
    uow = UnitOfWork(session, outbox, dispatch)
    try:
        yield uow
    except BaseException:
        uow.rollback()
        raise
    uow.commit()
