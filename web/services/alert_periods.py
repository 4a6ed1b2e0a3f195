"""Digest periods: which daily or weekly period is due at a given moment, and its key.

A period is named by the local day it became due on (``d2026-12-01``) or its ISO week
(``w2026-W49``). The key is part of the delivery's unique (subscription, channel, period), so
however often the scheduler fires, and however many schedulers there are, a period is
delivered once. Local time is the platform's zone (``ALERTS_TIMEZONE``), not the server's."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class DigestSchedule:
    zone: str = "Asia/Shanghai"
    hour: int = 8  # local hour a period becomes due
    weekday: int = 0  # weekly digests: 0 = Monday

    def due_day(self, kind: str, now: datetime) -> date:
        """The local day of the latest ``kind`` ("daily" | "weekly") period due at ``now``."""
        local = _aware(now).astimezone(ZoneInfo(self.zone))
        day = local.date()
        if kind == "daily":
            return day if local.hour >= self.hour else day - timedelta(days=1)
        if kind == "weekly":
            back = (local.weekday() - self.weekday) % 7
            if back == 0 and local.hour < self.hour:
                back = 7
            return day - timedelta(days=back)
        raise ValueError(f"no digest period for {kind!r}")

    def due_at(self, kind: str, now: datetime) -> datetime:
        """The moment (UTC) the latest due period became due."""
        local = datetime.combine(self.due_day(kind, now), time(self.hour), ZoneInfo(self.zone))
        return local.astimezone(timezone.utc)

    def period_key(self, kind: str, now: datetime) -> str:
        """``d2026-12-01`` or ``w2026-W49``: the key of the latest period due at ``now``."""
        day = self.due_day(kind, now)
        if kind == "daily":
            return f"d{day.isoformat()}"
        year, week, _ = day.isocalendar()
        return f"w{year}-W{week:02d}"


def immediate_key(first_match_id: int) -> str:
    """An immediate alert is named by its first match: the same matches never make two."""
    return f"m{first_match_id}"


def _aware(dt: datetime) -> datetime:
    """Stored times are UTC; SQLite gives them back without a zone."""
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
