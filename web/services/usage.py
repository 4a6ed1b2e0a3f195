"""Usage statistics without personal data: a count per day, kind and key, added to in its own
short transaction (the request's work is never held up or rolled back by it, and a failed count
is logged and forgotten). Requests from robots are not counted: their user agent says so.

What is counted (``UsageCount``): searches by their normalised text (page 1 only, so paging is
not a new search), searches that found nothing, record page views, exports by format, file
downloads by the record they belong to, and for each institution whose records a first results
page showed, that it did ("reach") and with which words ("reachq"): the holder's dashboard
(``holder_stats``) reads them."""
from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Callable, Iterable

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..models import USAGE_KINDS, UsageCount

log = logging.getLogger(__name__)

# crawlers, link checkers, monitors and scripted clients say who they are; people's browsers do not
ROBOT = re.compile(r"bot\b|bot/|crawl|spider|slurp|baiduspider|yandex|bingpreview|facebookexternalhit|headless|python-requests|"
                   r"curl/|wget/|go-http-client|scrapy|httpclient|okhttp|uptime|monitor|pingdom|lighthouse|phantomjs", re.I)
MAX_KEY = 100
KEY_COLUMN = UsageCount.__table__.c.key.type.length  # 200: a reachq key is an institution's id, "|" and a query key


def is_robot(user_agent: str | None) -> bool:
    """No user agent at all, or one that names a robot or a scripting library."""
    return not user_agent or bool(ROBOT.search(user_agent))


def query_key(text: str | None) -> str:
    """A query as it is counted: width-folded (ＮＦＫＣ), lower-case, single spaces, at most 100
    characters; "" when there is nothing to count."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return " ".join(text.split())[:MAX_KEY]


def reached(hits: Iterable[dict[str, Any]]) -> list[str]:
    """The institutions (public ids, in order, once each) whose records are among search hits
    (``SearchService`` hits: the index document's ``holder_ids``; an institution's own hit is its own)."""
    found: dict[str, None] = {}
    for hit in hits:
        source = hit.get("source") or {}
        ids = [hit.get("id")] if hit.get("record_type") == "institution" else source.get("holder_ids") or []
        found.update((i, None) for i in ids if i)
    return list(found)


@dataclass(frozen=True)
class Top:
    key: str
    count: int


class UsageLog:
    def __init__(self, engine: Callable[[], Engine], session: Session, enabled: bool = True):
        self._engine, self.session, self.enabled = engine, session, enabled

    def count(self, kind: str, key: str, user_agent: str | None, n: int = 1) -> None:
        """Add ``n`` to today's count of ``kind``/``key``, unless a robot asked or there is no key."""
        self.count_many([(kind, (key or "")[:MAX_KEY])], user_agent, n)

    def count_many(self, kind_keys: Iterable[tuple[str, str]], user_agent: str | None, n: int = 1) -> None:
        """Add ``n`` to today's count of each (kind, key), in one statement and one short
        transaction; nothing when a robot asked. Unknown kinds and empty keys are left out."""
        if not self.enabled or is_robot(user_agent):
            return
        wanted = Counter((kind, key[:KEY_COLUMN]) for kind, key in kind_keys if key and kind in USAGE_KINDS)
        if not wanted:
            return
        engine = self._engine()
        insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
        today = date.today()  # one row per (kind, key) in the statement: PostgreSQL refuses to update a row twice in one
        statement = insert(UsageCount).values([{"day": today, "kind": kind, "key": key, "count": n * times}
                                               for (kind, key), times in wanted.items()])
        statement = statement.on_conflict_do_update(index_elements=["day", "kind", "key"],
                                                    set_={"count": UsageCount.count + statement.excluded.count})
        try:
            with engine.begin() as conn:
                conn.execute(statement)
        except Exception:  # noqa: BLE001 - a count is never worth a failed page
            log.warning("usage counts %s not recorded", sorted(wanted)[:5], exc_info=True)

    def search(self, text: str | None, total: int, page: int, user_agent: str | None, hits: Iterable[dict[str, Any]] = ()) -> None:
        """A search as people typed it: counted once (page 1), and again as zero-result when it
        found nothing; with its ``hits``, a reach of each institution whose records the page
        shows, with the query when there is one. All in one transaction."""
        if page != 1:
            return
        key = query_key(text)
        counts = [("search", key)] + ([("zero", key)] if total == 0 else [])
        for institution in reached(hits):
            counts += [("reach", institution), ("reachq", f"{institution}|{key}" if key else "")]
        self.count_many(counts, user_agent)

    def top(self, kind: str, days: int = 30, limit: int = 50, today: date | None = None) -> list[Top]:
        """The most frequent keys of ``kind`` over the last ``days`` days (today included)."""
        since = (today or date.today()) - timedelta(days=days - 1)
        total = func.sum(UsageCount.count).label("total")
        rows = self.session.execute(select(UsageCount.key, total).where(UsageCount.kind == kind, UsageCount.day >= since)
                                    .group_by(UsageCount.key).order_by(total.desc(), UsageCount.key).limit(limit))
        return [Top(key, int(n)) for key, n in rows]

    def totals(self, days: int = 30, today: date | None = None) -> dict[str, int]:
        """How many of each kind over the last ``days`` days."""
        since = (today or date.today()) - timedelta(days=days - 1)
        rows = self.session.execute(select(UsageCount.kind, func.sum(UsageCount.count)).where(UsageCount.day >= since)
                                    .group_by(UsageCount.kind))
        return {kind: int(n) for kind, n in rows}


__all__ = ["UsageLog", "Top", "is_robot", "query_key", "reached", "ROBOT"]
