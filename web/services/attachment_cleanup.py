"""A deleted record takes its attachments with it: their rows (and access requests) in the
same flush, their files once the deletion is committed. Hooked to the models, so every way of
deleting a record (the API, the command line, a worker) does it; a rolled-back deletion
removes nothing."""
from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session, object_session

from ..models import RECORD_CLASSES, AccessRequest, Attachment

PENDING = "attachment_files_to_remove"


def _record_deleted(mapper: Any, connection: Any, target: Any) -> None:
    rows = connection.execute(select(Attachment.id, Attachment.storage_key).where(
        Attachment.record_type == target.RECORD_TYPE, Attachment.record_id == target.id)).all()
    if not rows:
        return
    ids = [r.id for r in rows]
    connection.execute(delete(AccessRequest).where(AccessRequest.attachment_id.in_(ids)))
    connection.execute(delete(Attachment).where(Attachment.id.in_(ids)))
    session = object_session(target)
    store = current_app.extensions["services"].attachments.store
    if session is not None:
        session.info.setdefault(PENDING, []).extend((store, r.storage_key) for r in rows)


def _committed(session: Session) -> None:
    for store, key in session.info.pop(PENDING, []):
        store.remove(key)


def _rolled_back(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint within it
        session.info.pop(PENDING, None)


def install() -> None:
    """Once per process (the listeners are global; they find each app's store when they run)."""
    for cls in RECORD_CLASSES.values():
        if not event.contains(cls, "after_delete", _record_deleted):
            event.listen(cls, "after_delete", _record_deleted)
    if not event.contains(Session, "after_commit", _committed):
        event.listen(Session, "after_commit", _committed)
        event.listen(Session, "after_soft_rollback", _rolled_back)
