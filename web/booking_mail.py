"""E-mails to the other side of an instrument booking, in Chinese and then English in one message
(as the password mails are): the holder's publishers hear of a new request, an accepted proposal
and a cancellation by the requester; the requester hears of an approval, other hours proposed,
a refusal, a completion and a cancellation by the holder.

Sent after the change is committed, through the platform's mailer (``current_services.mailer``:
SMTP, or the log when no server is configured), like the other transactional mails. A mail that
cannot be sent is logged and never undoes the change: the booking's page shows its state anyway."""
from __future__ import annotations

import logging
from typing import Any

from flask import render_template

from . import vocabularies
from .booking_actions import is_requester
from .booking_times import ZONE_LABEL, span
from .models import InstrumentBooking, User
from .proxies import current_services
from .urls import external_url

log = logging.getLogger(__name__)

SUBJECTS = {  # event → (中文, English)
    "request": ("新的仪器预约申请", "New booking request"),
    "accept": ("申请人已接受建议的时段", "Proposed hours accepted"),
    "approve": ("仪器预约已批准", "Booking approved"),
    "propose": ("持有单位建议了其他时段", "Other hours proposed"),
    "reject": ("仪器预约未获批准", "Booking declined"),
    "complete": ("仪器预约已完成", "Booking completed"),
    "cancel": ("仪器预约已取消", "Booking cancelled"),
}
TO_HOLDER = ("request", "accept", "cancel")
TO_REQUESTER = ("approve", "propose", "reject", "complete", "cancel")


def amount(value: float | None) -> str:
    """2.5, 600, 1,250.75: a number for both languages at once (a mail has no reader's locale)."""
    return "" if value is None else f"{value:,.2f}".rstrip("0").rstrip(".")


def compose(booking: InstrumentBooking, event: str, to_holder: bool) -> tuple[str, str]:
    """(subject, text) of one event's mail to one side."""
    instrument = booking.instrument
    zh, en = SUBJECTS[event]
    subject = f"{zh}：{instrument.name} / {en}: {instrument.name_en or instrument.name}"
    modes = vocabularies.get("service_mode")
    context: dict[str, Any] = {
        "event": event, "booking": booking, "instrument": instrument, "requester": booking.requester,
        "hours": span(booking.start_at, booking.end_at), "zone": ZONE_LABEL,
        "proposed": span(booking.proposed_start_at, booking.proposed_end_at) if booking.proposed_start_at and booking.proposed_end_at else None,
        "mode_zh": modes.label(booking.service_mode, "zh"), "mode_en": modes.label(booking.service_mode, "en"),
        "hours_used": amount(booking.hours_used), "fee": amount(booking.fee),
        "link": external_url("bookings.detail", booking_id=booking.id),
        "record_link": external_url("records.record", public_id=instrument.public_id),
    }
    return subject, render_template("bookings/mail_holder.txt" if to_holder else "bookings/mail_requester.txt", **context)


def _send(user: User, booking: InstrumentBooking, event: str, to_holder: bool) -> bool:
    try:
        subject, text = compose(booking, event, to_holder)
        return current_services.mailer.send(user.email, subject, text)
    except Exception:  # noqa: BLE001 - the booking changed and is committed; a mail never undoes that
        log.exception("could not send the %s mail of booking %s to %s", event, booking.id, user.email)
        return False


def tell_holders(booking: InstrumentBooking, event: str) -> int:
    """Tell the instrument's holder (its institution's active publishers); how many were sent."""
    assert event in TO_HOLDER, event
    return sum(_send(user, booking, event, True) for user in current_services.bookings.holders_to_tell(booking)
               if user.id != booking.requester_id)  # a publisher booking their own institution's instrument knows


def tell_requester(booking: InstrumentBooking, event: str) -> bool:
    assert event in TO_REQUESTER, event
    requester = booking.requester
    return bool(requester and requester.active) and _send(requester, booking, event, False)


def tell_other_side(identity: Any, booking: InstrumentBooking, event: str) -> None:
    """A step either side may take (cancelling): the side that did not take it is told."""
    if is_requester(identity, booking):
        tell_holders(booking, event)
    else:
        tell_requester(booking, event)


__all__ = ["compose", "tell_holders", "tell_requester", "tell_other_side"]
