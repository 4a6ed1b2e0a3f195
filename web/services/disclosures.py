"""The disclosure log: which member was shown which record's contact details, full description
or confidential files, and when; read by the holder of the record (and administrators).

``show`` is the one place a record meets the disclosure policy (``web/disclosure.py``): the
record page and the JSON API both go through it, so they withhold the same fields and log the
same events. A member reading the same record twenty times in a day is one event per kind
(a unique key on user, record, kind, file and day); the holder's own publishers and the
administrators, who maintain the record, are not logged."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import disclosure, vocabularies
from ..models import Attachment, DisclosureEvent, User
from .holdings import held_by, holds, title_of
from .identity import Identity
from .imports import spreadsheet_safe
from .records import PermissionDenied
from .uow import UnitOfWork

CHINA_TIME = timezone(timedelta(hours=8), "UTC+08:00")  # "per day" is a day in Jilin


def can_read_log(identity: Identity) -> bool:
    return identity.is_admin or identity.is_publisher


class DisclosureLog:
    def __init__(self, session: Session, unit_of_work: Callable[[], AbstractContextManager[UnitOfWork]]):
        self.session, self.unit_of_work = session, unit_of_work

    # -- writing ------------------------------------------------------------------------------
    def show(self, identity: Identity, rec: Any, data: dict[str, Any], channel: str) -> disclosure.Shown:
        """``data`` (the record as its schema dumps it) as ``identity`` may see it, with the
        disclosure logged (and committed) when member-only data was shown."""
        shown = disclosure.show(rec.RECORD_TYPE, data, identity.is_member)
        if shown.disclosed and identity.user_id is not None and not holds(identity, rec):
            with self.unit_of_work():
                for kind in sorted(shown.disclosed):
                    self.note(identity, rec, kind, channel)
        return shown

    def note(self, identity: Identity, rec: Any, kind: str, channel: str, attachment: Attachment | None = None) -> bool:
        """Log that ``identity`` was shown ``kind`` of ``rec`` (True), unless it was logged today
        already or the reader maintains the record (False). Written in the caller's transaction."""
        if identity.user_id is None or holds(identity, rec):
            return False
        day = datetime.now(CHINA_TIME).date()
        subject = str(attachment.id) if attachment is not None else ""
        key = (DisclosureEvent.user_id == identity.user_id, DisclosureEvent.record_type == rec.RECORD_TYPE,
               DisclosureEvent.record_id == rec.id, DisclosureEvent.kind == kind, DisclosureEvent.subject == subject,
               DisclosureEvent.day == day)
        if self.session.scalar(select(DisclosureEvent.id).where(*key)) is not None:
            return False
        user = self.session.get(User, identity.user_id)
        if user is None:
            return False
        event = DisclosureEvent(
            day=day, user_id=user.id, user_email=user.email, user_name=user.name, user_role=user.role,
            user_organisation=user.organisation or (user.institution.name if user.institution else None),
            record_type=rec.RECORD_TYPE, record_id=rec.id, record_title=title_of(rec)[:500], kind=kind, subject=subject,
            detail=attachment.filename[:255] if attachment is not None else None, channel=channel,
        )
        try:
            with self.session.begin_nested():  # a concurrent request may have written the same event
                self.session.add(event)
        except IntegrityError:
            return False
        return True

    # -- reading ------------------------------------------------------------------------------
    def _query(self, identity: Identity, record: tuple[str, int] | None):
        if not can_read_log(identity):
            raise PermissionDenied("披露记录仅对记录的持有单位和管理员开放 / the disclosure log is for the record's holder and administrators")
        query = select(DisclosureEvent).order_by(DisclosureEvent.id.desc())
        if not identity.is_admin:
            query = query.where(held_by(identity.institution_id, DisclosureEvent.record_type, DisclosureEvent.record_id))
        if record is not None:
            query = query.where(DisclosureEvent.record_type == record[0], DisclosureEvent.record_id == record[1])
        return query

    def events(self, identity: Identity, record: tuple[str, int] | None = None, *, before_id: int | None = None,
               limit: int = 100) -> list[DisclosureEvent]:
        """The events on records ``identity`` holds (all of them for administrators), newest
        first; ``record`` = (type, id) narrows them to one record."""
        query = self._query(identity, record).limit(limit)
        if before_id:
            query = query.where(DisclosureEvent.id < before_id)
        return list(self.session.scalars(query))

    def iter_events(self, identity: Identity, record: tuple[str, int] | None = None) -> Iterator[DisclosureEvent]:
        before = None
        while batch := self.events(identity, record, before_id=before, limit=1000):
            yield from batch
            before = batch[-1].id

    def to_csv(self, identity: Identity, record: tuple[str, int] | None = None, locale: str = "zh") -> bytes:
        """Every event ``identity`` may read, newest first, as CSV that opens in Excel (UTF-8
        with BOM) and runs no formulas."""
        en = locale == "en"
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["时间 time", "姓名 name", "邮箱 e-mail", "角色 role", "单位 organisation", "记录 record",
                         "名称 title", "内容 disclosed", "附件 file", "途径 channel"])
        kinds, roles, channels = (vocabularies.get(name) for name in ("disclosure_kind", "user_role", "disclosure_channel"))
        for e in self.iter_events(identity, record):
            at = e.at.replace(tzinfo=e.at.tzinfo or timezone.utc).astimezone(CHINA_TIME)
            row = [at.strftime("%Y-%m-%d %H:%M:%S"), e.user_name, e.user_email, roles.label(e.user_role, "en" if en else "zh"),
                   e.user_organisation or "", e.record_public_id, e.record_title, kinds.label(e.kind, "en" if en else "zh"),
                   e.detail or "", channels.label(e.channel, "en" if en else "zh")]
            writer.writerow([spreadsheet_safe(v) for v in row])
        return "\ufeff".encode() + out.getvalue().encode("utf-8")


__all__ = ["DisclosureLog", "CHINA_TIME", "can_read_log"]
