"""What each party may do next with a booking, so that pages show only the buttons that work and
the API lists the same steps (``actions``). The rules themselves are the booking service's
(``web/services/bookings.py``), which refuses anything else; this only mirrors them."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from .booking_times import local

ACTIONS = ("approve", "propose", "reject", "accept", "cancel", "complete")
OPEN_STATES = ("requested", "proposed", "approved")  # a booking that can still be cancelled


def is_requester(identity: Any, booking: Any) -> bool:
    return identity.user_id is not None and identity.user_id == booking.requester_id


def is_holder(identity: Any, booking: Any) -> bool:
    """The instrument's institution's publishers, and administrators."""
    return bool(identity.acts_for(booking.instrument.institution_id))


def started(booking: Any, now: datetime | None = None) -> bool:
    return local(booking.start_at) <= (now or datetime.now(timezone.utc))


def allowed_actions(identity: Any, booking: Any, now: datetime | None = None) -> list[str]:
    """The steps open to this identity now, in ``ACTIONS`` order."""
    holder, requester, status = is_holder(identity, booking), is_requester(identity, booking), booking.status
    allowed = {
        "approve": holder and status == "requested",
        "propose": holder and status in ("requested", "proposed"),
        "reject": holder and status in ("requested", "proposed"),
        "accept": requester and status == "proposed",
        "cancel": (holder or requester) and status in OPEN_STATES,
        "complete": holder and status == "approved" and started(booking, now),
    }
    return [a for a in ACTIONS if allowed[a]]


def unbookable(instrument: Any) -> str | None:
    """Why this instrument takes no bookings ("not_shared", "not_running"), or None when it does
    (the booking service's own conditions, for pages that say so before anyone asks)."""
    if not instrument.shared:
        return "not_shared"
    if instrument.run_status not in (None, "normal"):
        return "not_running"
    return None
