"""The audit log: administrative and security-relevant actions, written in the same
transaction as the change they describe (so there is no change without its entry)."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from ..models import AuditEvent
from .identity import Identity

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _plain(value: Any) -> Any:
    """JSON-safe details (dates as ISO text)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


class AuditLog:
    def __init__(self, session: Session):
        self.session = session

    def record(self, actor: Identity | None, action: str, target: str | None = None, details: dict[str, Any] | None = None,
               summary: str | None = None) -> AuditEvent:
        event = AuditEvent(actor_id=actor.user_id if actor else None, actor=(actor.label if actor else "anonymous")[:254],
                           action=action[:64], target=(target or None) and target[:100], details=_plain(details or {}), summary=summary)
        self.session.add(event)
        return event

    @staticmethod
    def _filtered(query: Select, *, action: str | None = None, target: str | None = None, actor_id: int | None = None,
                  actor: str | None = None, involving: int | None = None, since: datetime | None = None,
                  until: datetime | None = None, before_id: int | None = None) -> Select:
        """``action``: a prefix ("user." or "institution.merge"); ``target``: exact ("user:5",
        "org-3"); ``actor``: part of the actor's e-mail; ``involving``: a user id, events by or
        about that account; ``since`` inclusive, ``until`` exclusive."""
        if action:
            query = query.where(AuditEvent.action.startswith(action, autoescape=True))
        if target:
            query = query.where(AuditEvent.target == target)
        if actor_id:
            query = query.where(AuditEvent.actor_id == actor_id)
        if actor:
            query = query.where(AuditEvent.actor.contains(actor.strip().lower(), autoescape=True))
        if involving:
            query = query.where(or_(AuditEvent.actor_id == involving, AuditEvent.target == f"user:{involving}"))
        if since:
            query = query.where(AuditEvent.at >= _utc(since))
        if until:
            query = query.where(AuditEvent.at < _utc(until))
        if before_id:
            query = query.where(AuditEvent.id < before_id)
        return query

    def events(self, *, limit: int = 100, offset: int = 0, **filters: Any) -> list[AuditEvent]:
        """Matching events, newest first (the filters: ``_filtered``)."""
        query = self._filtered(select(AuditEvent), **filters).order_by(AuditEvent.id.desc()).limit(limit).offset(offset)
        return list(self.session.scalars(query))

    def count(self, **filters: Any) -> int:
        return self.session.scalar(self._filtered(select(func.count()).select_from(AuditEvent), **filters)) or 0

    def actions(self) -> list[str]:
        """Every action name the log holds (for the filter's suggestions)."""
        return list(self.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))

    def iter_all(self, **filters: Any) -> Iterator[AuditEvent]:
        before = None
        while True:
            batch = self.events(before_id=before, limit=1000, **filters)
            if not batch:
                return
            yield from batch
            before = batch[-1].id

    def to_csv(self, **filters: Any) -> bytes:
        """Every matching event (the filters of ``events``), newest first, times in UTC; opens in
        Excel (UTF-8 BOM) without running formulas."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["时间 time", "操作者 actor", "操作 action", "对象 target", "说明 summary", "详情 details"])
        for e in self.iter_all(**filters):
            row = [_utc(e.at).isoformat() if e.at else "", e.actor, e.action, e.target or "", e.summary or "", _json(e.details)]
            writer.writerow(["'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else v for v in row])
        return "\ufeff".encode() + out.getvalue().encode("utf-8")


def _utc(value: datetime) -> datetime:
    """Times are kept in UTC (SQLite keeps them without their offset): compare in UTC."""
    return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, sort_keys=True)
