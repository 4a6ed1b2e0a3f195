"""Usage counts: how often records are viewed, what people search for (and do not find), how
often results are exported. One row per day, kind and key with a count, and nothing about who:
no IP address, no account, no session, no user agent is stored with a count."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

# search: a query's text · zero: a query that found nothing · view: a record page (its public id)
# · export: a search exported (its format) · download: a file of a record (the record's public id)
# · reach: a first results page showing an institution's records (its public id) · reachq: the
# same with its query ("<institution public id>|<query>": at most 23 + 100 characters, within 200)
USAGE_KINDS = ("search", "zero", "view", "export", "download", "reach", "reachq")


class UsageCount(db.Model):
    __tablename__ = "usage_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
