"""Record history: every change of a record kept as a version (the record as the API shows it),
and the difference between two versions, field by field.

Versions are written by the unit of work after its flush (``VersionOp``), so each carries the
revision the change gave the record; an approved draft's version names the draft."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..models import RecordVersion
from ..models.common import utcnow
from .identity import Identity

# fields every version has that say nothing about the record's content
# not the record's content: the workflow's own state is shown beside a version, not as a change of it
SYSTEM_FIELDS = frozenset({"id", "record_type", "revision_id", "created_at", "updated_at", "published_at", "links", "withheld", "status"})


@dataclass(frozen=True)
class FieldChange:
    path: str  # "title", "contact.email", "institutions"
    before: Any
    after: Any

    @property
    def kind(self) -> str:
        if self.before in (None, "", [], {}):
            return "added"
        if self.after in (None, "", [], {}):
            return "removed"
        return "changed"


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"contact": {"email": "x"}} -> {"contact.email": "x"}; lists stay whole (a list is one
    field to a reader: 关键词, 完成单位)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if not prefix and key in SYSTEM_FIELDS:
            continue
        if isinstance(value, dict) and value and all(isinstance(k, str) for k in value):
            out.update(flatten(value, f"{path}."))
        else:
            out[path] = value
    return out


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[FieldChange]:
    """The fields that differ, in the order of the newer record (then the ones it dropped)."""
    a, b = flatten(before or {}), flatten(after or {})
    empty = (None, "", [], {})
    changes = [FieldChange(path, a.get(path), value) for path, value in b.items()
               if a.get(path) != value and not (a.get(path) in empty and value in empty)]
    changes += [FieldChange(path, value, None) for path, value in a.items() if path not in b and value not in empty]
    return changes


class RecordVersions:
    def __init__(self, session: Session, dump: Callable[[Any], dict[str, Any]]):
        self.session = session
        self.dump = dump  # record -> the API's dump of it

    def _row(self, record: Any, change: str, *, actor: Identity | None = None, draft_id: int | None = None,
             revision: int | None = None, status: str | None = None) -> dict[str, Any]:
        return {
            "record_type": record.RECORD_TYPE, "record_id": record.id, "revision": revision or record.revision_id,
            "status": status or record.status, "data": self.dump(record), "change": change,
            "actor_id": actor.user_id if actor else None, "actor": (actor.label if actor else "system")[:254],
            "draft_id": draft_id, "created_at": utcnow(),
        }

    def write(self, record: Any, change: str, **details: Any) -> RecordVersion:
        version = RecordVersion(**self._row(record, change, **details))
        self.session.add(version)
        return version

    def write_many(self, items: list[tuple[Any, str, dict[str, Any]]]) -> None:
        """Versions of many records (an import batch) in one multi-row insert: no ORM object
        and no flush bookkeeping per record."""
        if items:
            self.session.execute(insert(RecordVersion.__table__), [self._row(rec, change, **details) for rec, change, details in items])

    def history(self, record_type: str, record_id: int) -> list[RecordVersion]:
        return list(self.session.scalars(select(RecordVersion).where(
            RecordVersion.record_type == record_type, RecordVersion.record_id == record_id).order_by(RecordVersion.revision.desc())))

    def get(self, record_type: str, record_id: int, revision: int) -> RecordVersion | None:
        return self.session.scalar(select(RecordVersion).where(
            RecordVersion.record_type == record_type, RecordVersion.record_id == record_id, RecordVersion.revision == revision))

    def of_draft(self, record_type: str, record_id: int, draft_id: int) -> RecordVersion | None:
        """The version a draft's approval made."""
        return self.session.scalar(select(RecordVersion).where(
            RecordVersion.record_type == record_type, RecordVersion.record_id == record_id,
            RecordVersion.draft_id == draft_id).order_by(RecordVersion.revision.desc()).limit(1))

    def previous(self, version: RecordVersion) -> RecordVersion | None:
        return self.session.scalar(select(RecordVersion).where(
            RecordVersion.record_type == version.record_type, RecordVersion.record_id == version.record_id,
            RecordVersion.revision < version.revision).order_by(RecordVersion.revision.desc()).limit(1))
