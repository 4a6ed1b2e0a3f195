"""The times of instrument bookings, as people in Jilin read and type them.

The store keeps UTC (``web/services/bookings.py`` compares stored times, and SQLite keeps no
offset: a time given to it must already be UTC). Pages, forms, e-mails and the API's answers use
China Standard Time, UTC+08:00 all year (no daylight saving), and say so. Plain functions, no
Flask: the pages, the API and the e-mails share them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

CST = timezone(timedelta(hours=8), "UTC+08:00")
ZONE_LABEL = "UTC+08:00"
DAYS_SHOWN = 7  # the calendar shows a week, Monday first


def to_utc(value: datetime) -> datetime:
    """An aware UTC time; a time without an offset is China Standard Time (what a form types)."""
    return (value if value.tzinfo else value.replace(tzinfo=CST)).astimezone(timezone.utc)


def local(value: datetime) -> datetime:
    """A stored time in China Standard Time (the store hands back naive UTC on SQLite)."""
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(CST)


def at(day: date, clock: time) -> datetime:
    """That day and time of day in China, as UTC."""
    return datetime.combine(day, clock, tzinfo=CST).astimezone(timezone.utc)


def today() -> date:
    """Today in China (the day a week starts from, whatever the server's zone)."""
    return datetime.now(CST).date()


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def hours_between(start: datetime, end: datetime) -> float:
    return round((local(end) - local(start)).total_seconds() / 3600, 2)


def iso(value: datetime | None) -> str | None:
    """RFC 3339 with the +08:00 offset, to the second (the API's booking times)."""
    return local(value).isoformat(timespec="seconds") if value is not None else None


def span(start: datetime, end: datetime) -> str:
    """``2026-12-03 09:00–11:00``, or ``2026-12-03 22:00 – 2026-12-04 02:00`` across midnight
    (China Standard Time, digits only: the same in both languages)."""
    a, b = local(start), local(end)
    if a.date() == b.date():
        return f"{a:%Y-%m-%d %H:%M}–{b:%H:%M}"
    if b.time() == time(0) and b.date() == a.date() + timedelta(days=1):
        return f"{a:%Y-%m-%d %H:%M}–24:00"
    return f"{a:%Y-%m-%d %H:%M} – {b:%Y-%m-%d %H:%M}"


@dataclass(frozen=True)
class Slot:
    """A busy span of the calendar; ``link`` only for a party of the booking (its page)."""

    start_at: datetime
    end_at: datetime
    link: str | None = None
    own: bool = False  # the reader's own booking


@dataclass
class Week:
    """A week of an instrument's calendar: ``cells[hour][day]`` is whether that hour of that day
    is (partly) taken; ``by_day[day]`` the exact spans that touch the day."""

    monday: date
    days: list[date]
    cells: list[list[bool]]
    by_day: list[list[Slot]]
    slots: list[Slot]  # every span that touches the week, once, in order

    @property
    def previous(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def next(self) -> date:
        return self.monday + timedelta(days=7)

    @property
    def start(self) -> datetime:
        return at(self.monday, time(0))

    @property
    def end(self) -> datetime:
        return at(self.monday + timedelta(days=DAYS_SHOWN), time(0))



def week(monday: date, slots: list[Slot]) -> Week:
    """The week from ``monday`` with these busy spans laid on its hours (China Standard Time)."""
    days = [monday + timedelta(days=n) for n in range(DAYS_SHOWN)]
    cells = [[False] * DAYS_SHOWN for _ in range(24)]
    by_day: list[list[Slot]] = [[] for _ in range(DAYS_SHOWN)]
    shown: list[Slot] = []
    for slot in sorted(slots, key=lambda s: local(s.start_at)):
        start, end = local(slot.start_at), local(slot.end_at)
        for n, day in enumerate(days):
            day_start = datetime.combine(day, time(0), tzinfo=CST)
            if start >= day_start + timedelta(days=1) or end <= day_start:
                continue
            by_day[n].append(slot)
            if not shown or shown[-1] is not slot:
                shown.append(slot)
            for hour in range(24):
                h0 = day_start + timedelta(hours=hour)
                if start < h0 + timedelta(hours=1) and end > h0:
                    cells[hour][n] = True
    return Week(monday, days, cells, by_day, shown)


def parse_day(text: str | None) -> date | None:
    """A ``YYYY-MM-DD`` of a query string, or None when it is not one."""
    try:
        return date.fromisoformat((text or "")[:10]) if text else None
    except ValueError:
        return None
