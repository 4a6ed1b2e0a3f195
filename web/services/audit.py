"""The audit log: administrative and security-relevant actions, written in the same
transaction as the change they describe (so there is no change without its entry)."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select
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

    def events(self, *, action: str | None = None, target: str | None = None, actor_id: int | None = None,
               before_id: int | None = None, limit: int = 100) -> list[AuditEvent]:
        query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
        if action:
            query = query.where(AuditEvent.action.startswith(action))
        if target:
            query = query.where(AuditEvent.target == target)
        if actor_id:
            query = query.where(AuditEvent.actor_id == actor_id)
        if before_id:
            query = query.where(AuditEvent.id < before_id)
        return list(self.session.scalars(query))

    def iter_all(self, **filters: Any) -> Iterator[AuditEvent]:
        before = None
        while True:
            batch = self.events(before_id=before, limit=1000, **filters)
            if not batch:
                return
            yield from batch
            before = batch[-1].id

    def to_csv(self, **filters: Any) -> bytes:
        """Every matching event, newest first; opens in Excel (UTF-8 BOM) without running formulas."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["时间 time", "操作者 actor", "操作 action", "对象 target", "说明 summary", "详情 details"])
        for e in self.iter_all(**filters):
            row = [e.at.isoformat() if e.at else "", e.actor, e.action, e.target or "", e.summary or "", _json(e.details)]
            writer.writerow(["'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else v for v in row])
        return "\ufeff".encode() + out.getvalue().encode("utf-8")


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, sort_keys=True)
