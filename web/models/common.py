"""Columns and helpers shared by every record table."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


# The one rule for public ids, pages and API alike: a prefix, a hyphen and the row number in
# ASCII digits with no leading zero, at most 18 of them (always fits a 64-bit key). Anything
# else ("ach-01", a full-width "ach-１") names no record; one record has exactly one id.
PUBLIC_ID = re.compile(r"([a-z]+)-([1-9][0-9]{0,17})")
PUBLIC_ID_NUMBER = r"[1-9][0-9]{0,17}"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class RecordMixin:
    """Identity, workflow status and revision. ``revision_id`` is SQLAlchemy's version
    counter: it goes up on every update, refuses lost updates, and is the version the
    search index stores, so an older revision can never overwrite a newer one there."""

    PREFIX = "rec"
    RECORD_TYPE = "record"
    INDEX = ""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="published", index=True)
    revision_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    source: Mapped[str | None] = mapped_column(String(200))  # where the record came from (file, API, harvest)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @declared_attr.directive
    def __mapper_args__(cls):  # noqa: N805
        return {"version_id_col": cls.__table__.c.revision_id}

    @property
    def public_id(self) -> str:
        return f"{self.PREFIX}-{self.id}"

    @classmethod
    def parse_public_id(cls, value: str) -> int | None:
        """The row number of a canonical public id of this type, else None (not an id we
        could have issued, nor one a database column could hold)."""
        m = PUBLIC_ID.fullmatch(value)
        if m is None or m.group(1) != cls.PREFIX:
            return None
        return int(m.group(2))


def json_list():
    return mapped_column(JSON, default=list, nullable=False)


def json_obj():
    return mapped_column(JSON, default=dict, nullable=False)
