"""Unit of work: database changes commit first; side effects (indexing, tasks) run only after
the commit succeeded (Invenio's UnitOfWork, Warehouse's after-commit hooks)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session


class Operation:
    def on_register(self, uow: "UnitOfWork") -> None:
        """Runs inside the transaction (e.g. to write an outbox row)."""

    def on_commit(self, uow: "UnitOfWork") -> None:
        """Runs after a successful commit."""


class IndexOp(Operation):
    """Index (or re-index) records once their rows are committed."""

    def __init__(self, indexer: Any, records: list[Any]):
        self.indexer, self.records = indexer, records

    def on_commit(self, uow: "UnitOfWork") -> None:
        self.indexer.index_records(self.records)


class DeleteFromIndexOp(Operation):
    def __init__(self, indexer: Any, index: str, doc_id: str, version: int):
        self.indexer, self.index, self.doc_id, self.version = indexer, index, doc_id, version

    def on_commit(self, uow: "UnitOfWork") -> None:
        self.indexer.delete(self.index, [(self.doc_id, self.version)])


class CallbackOp(Operation):
    def __init__(self, fn: Callable[[], Any]):
        self.fn = fn

    def on_commit(self, uow: "UnitOfWork") -> None:
        self.fn()


class UnitOfWork:
    def __init__(self, session: Session):
        self.session = session
        self.ops: list[Operation] = []

    def register(self, op: Operation) -> None:
        op.on_register(self)
        self.ops.append(op)

    def commit(self) -> None:
        self.session.commit()
        ops, self.ops = self.ops, []
        # many records indexed in one bulk call per indexer, not one call per record
        batches: dict[int, IndexOp] = {}
        for op in ops:
            if isinstance(op, IndexOp):
                batch = batches.setdefault(id(op.indexer), IndexOp(op.indexer, []))
                batch.records.extend(op.records)
        for batch in batches.values():
            batch.on_commit(self)
        for op in ops:
            if not isinstance(op, IndexOp):
                op.on_commit(self)

    def rollback(self) -> None:
        self.session.rollback()
        self.ops = []


@contextmanager
def unit_of_work(session: Session) -> Iterator[UnitOfWork]:
    uow = UnitOfWork(session)
    try:
        yield uow
    except BaseException:
        uow.rollback()
        raise
    uow.commit()
