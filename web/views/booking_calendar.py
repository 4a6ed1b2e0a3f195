"""An instrument's booking calendar (``/bookings/calendar/<ins id>?week=YYYY-MM-DD``): a week,
Monday first, in China Standard Time, as a plain HTML table (hours down, days across) with the
exact busy spans listed under it; no script, so it works in any browser and on a phone (the
table scrolls in its own box).

Anyone may look: the calendar says only when the instrument is taken, never by whom or for
what. A party of a booking (its requester, the holder's people) gets a link to its page."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from flask import render_template, request, url_for
from flask_babel import format_date

from ..booking_actions import is_holder, is_requester, unbookable
from ..booking_times import ZONE_LABEL, Slot, monday_of, parse_day, span, today, week
from ..models import Instrument, InstrumentBooking
from ..proxies import current_services
from ..security import current_identity
from ..services.identity import Identity
from .bookings import bp, instrument_of

YEARS_BACK, YEARS_AHEAD = 5, 2  # the weeks one may page to
UPCOMING_DAYS, UPCOMING_SHOWN = 60, 8


def slot_of(identity: Identity, booking: InstrumentBooking) -> Slot:
    """A busy span, linked for the booking's parties only."""
    own = is_requester(identity, booking)
    party = own or is_holder(identity, booking)
    return Slot(booking.start_at, booking.end_at, url_for("bookings.detail", booking_id=booking.id) if party else None, own)


def upcoming_slots(identity: Identity, instrument: Instrument, limit: int = UPCOMING_SHOWN) -> list[Slot]:
    """The next busy spans (from now, for two months)."""
    now = datetime.now(timezone.utc)
    taken = current_services.bookings.calendar(instrument.id, now, now + timedelta(days=UPCOMING_DAYS))
    return [slot_of(identity, b) for b in taken[:limit]]


def _monday() -> date:
    """The week asked for (any day of it), within the years one may page to; else this week."""
    this = today()
    asked = parse_day(request.args.get("week"))
    if asked is None or not (this - timedelta(days=366 * YEARS_BACK) <= asked <= this + timedelta(days=366 * YEARS_AHEAD)):
        asked = this
    return monday_of(asked)


@bp.app_template_filter("booking_weekday")
def weekday_name(day: date) -> str:
    """The day of the week in the reader's language (周一 / Mon)."""
    return format_date(day, "EEE")


@bp.get("/calendar/<public_id>")
def calendar(public_id: str):
    identity = current_identity()
    instrument = instrument_of(identity, public_id)
    monday = _monday()
    shown = week(monday, [])
    taken = current_services.bookings.calendar(instrument.id, shown.start, shown.end)
    shown = week(monday, [slot_of(identity, b) for b in taken])
    return render_template("bookings/calendar.html", instrument=instrument, week=shown, this_week=monday_of(today()), this_day=today(),
                           reason=unbookable(instrument), span=span, zone=ZONE_LABEL,
                           may_book=identity.is_authenticated, hours=range(24))


__all__ = ["calendar", "upcoming_slots", "slot_of"]
