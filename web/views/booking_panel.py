"""The booking panel of an instrument's record page: when it is next taken, a link to its
calendar, a "book time" button for a signed-in reader and, for its holder, how many requests
wait. An instrument that cannot be booked (not shared, or not in working order) says why
instead, as the booking service would refuse it."""
from __future__ import annotations

from typing import Any

from ..booking_actions import unbookable
from ..models import Instrument
from ..proxies import current_services
from ..services.identity import Identity
from .booking_calendar import upcoming_slots
from .record_panels import record_panel

PANEL_SHOWN = 5


@record_panel("bookings/_record_panel.html", place="main", order=40)
def booking_panel(identity: Identity, rec: Any) -> dict[str, Any] | None:
    if not isinstance(rec, Instrument) or rec.status != "published":
        return None
    reason = unbookable(rec)
    if reason is not None:
        return {"instrument": rec, "reason": reason}
    return {"instrument": rec, "reason": None, "upcoming": upcoming_slots(identity, rec, PANEL_SHOWN),
            "waiting": current_services.bookings.waiting_count(identity, rec), "signed_in": identity.is_authenticated}


__all__ = ["booking_panel"]
