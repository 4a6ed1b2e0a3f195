"""Instrument bookings over JSON (the pages' ``web/views/bookings.py``, the same service):

* ``GET /bookings`` (``?side=mine|holder&status=&page=&size=``): the caller's bookings;
* ``POST /instruments/<ins id>/bookings``: ask for hours (``start_at``, ``end_at``, ``sample``,
  ``service_mode``, ``purpose``), any signed-in account;
* ``GET /instruments/<ins id>/calendar?from=&to=``: the hours taken, for anyone, with nobody's name;
* ``GET /bookings/<id>``; ``POST /bookings/<id>/approve`` | ``propose`` | ``reject`` | ``complete``
  (the instrument's holder), ``accept`` (the requester), ``cancel`` (either).

Times are RFC 3339; without an offset, China Standard Time; answered with +08:00. Someone else's
booking is 404, as one that does not exist; a party that may not take a step gets 403. Hours
already held: 409 naming them (``double_booking``); a step the booking's state does not allow, or
an instrument that takes no bookings: 409 with the reason; a missing or wrong field: 422 with
``details``. Each step is mailed to the other side (``web/booking_mail.py``)."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from flask import jsonify, request

from .. import booking_mail
from ..booking_actions import is_holder, is_requester, unbookable
from ..booking_times import ZONE_LABEL, span, to_utc, today
from ..models import Instrument, InstrumentBooking
from ..proxies import current_services
from ..security import require_signed_in
from ..services.bookings import BookingConflict, BookingError
from ..services.identity import Identity, anonymous_identity
from ..services.records import RecordNotFound
from . import bp
from .booking_schemas import (
    DEFAULT_WINDOW_DAYS, BookingCreateSchema, BookingListArgsSchema, CalendarArgsSchema, CompleteSchema, NoteSchema, ProposeSchema,
    booking_body, calendar_body,
)
from .common import json_object
from .errors import error_response

BOOKING_ID = "<int:booking_id>"  # 0 or beyond the id column: the service answers 404
list_args, calendar_args, create_schema = BookingListArgsSchema(), CalendarArgsSchema(), BookingCreateSchema()
note_schema, propose_schema, complete_schema = NoteSchema(), ProposeSchema(), CompleteSchema()
NOT_FOUND = "预约不存在，或您不是其当事方 / no such booking, or you are not a party to it"
NO_INSTRUMENT = "仪器不存在 / no such instrument"
HOLDER_ONLY = "只有仪器的持有单位可以处理 / only the instrument's holder may do this"
REQUESTER_ONLY = "只有申请人可以接受新时段 / only the requester may accept other hours"
CONFLICT_CODES = ("double_booking", "invalid_state", "not_started", "not_shared", "not_running")


@bp.errorhandler(BookingError)
def booking_refused(exc: BookingError):
    """A field the service refused: 422 naming it; hours already held, a state or an instrument
    that does not allow the step: 409."""
    if isinstance(exc, BookingConflict):
        hours = span(exc.start_at, exc.end_at)
        message = f"该时段已被预约（{hours}，{ZONE_LABEL}）/ those hours are already booked ({hours}, {ZONE_LABEL})"
        return error_response(409, exc.code, message, [{"field": exc.field or "start_at", "message": message}])
    if exc.code in CONFLICT_CODES:
        return error_response(409, exc.code, str(exc))
    return error_response(422, exc.code, str(exc), [{"field": exc.field or "_schema", "message": str(exc)}])


def _not_found():
    return error_response(404, "not_found", NOT_FOUND)


def _instrument(public_id: str) -> Instrument | None:
    """A published instrument, else None (404): another kind of record, a draft, a number nobody has."""
    number = Instrument.parse_public_id(public_id)
    if number is None or number > 2**31 - 1:
        return None
    try:
        return current_services.for_type("instrument").get(anonymous_identity, public_id)  # the published version only
    except RecordNotFound:
        return None


def _booking(identity: Identity, booking_id: int) -> InstrumentBooking | None:
    try:
        return current_services.bookings.get(identity, booking_id)
    except LookupError:
        return None


def _body() -> dict[str, Any]:
    """The JSON body; none at all counts as ``{}`` (the steps that need nothing)."""
    return json_object() if request.get_data() else {}


@bp.get("/bookings")
def list_bookings():
    identity = require_signed_in()
    args = list_args.load(request.args)
    listing = current_services.bookings.listing(identity, args["side"], args["status"], page=args["page"], size=args["size"])
    return jsonify({"items": [booking_body(identity, b) for b in listing.items], "total": listing.total, "page": listing.page,
                    "size": listing.per_page, "pages": listing.pages})


@bp.post("/instruments/<public_id>/bookings")
def create_booking(public_id: str):
    identity = require_signed_in()
    instrument = _instrument(public_id)
    if instrument is None:
        return error_response(404, "not_found", NO_INSTRUMENT)
    data = create_schema.load(json_object())
    try:
        booking = current_services.bookings.request(identity, instrument.id, data)
    except LookupError:
        return error_response(404, "not_found", NO_INSTRUMENT)
    booking_mail.tell_holders(booking, "request")
    body = booking_body(identity, booking)
    return jsonify(body), 201, {"Location": body["links"]["self"]}


@bp.get("/instruments/<public_id>/calendar")
def instrument_calendar(public_id: str):
    instrument = _instrument(public_id)
    if instrument is None:
        return error_response(404, "not_found", NO_INSTRUMENT)
    args = calendar_args.load(request.args)
    start = args["from_"] or to_utc(datetime.combine(today(), time(0)))
    end = args["to"] or start + timedelta(days=DEFAULT_WINDOW_DAYS)
    if end <= start:  # only `to` was given, before today
        start = end - timedelta(days=DEFAULT_WINDOW_DAYS)
    taken = current_services.bookings.calendar(instrument.id, start, end)
    return jsonify(calendar_body(instrument, unbookable(instrument) is None, start, end, taken))


@bp.get(f"/bookings/{BOOKING_ID}")
def get_booking(booking_id: int):
    identity = require_signed_in()
    booking = _booking(identity, booking_id)
    return jsonify(booking_body(identity, booking)) if booking is not None else _not_found()


def _step(booking_id: int, holder: bool = False, requester: bool = False) -> tuple[Identity, InstrumentBooking | None, Any]:
    """(caller, booking, refusal): the refusal is the answer to give instead (404, 403)."""
    identity = require_signed_in()
    booking = _booking(identity, booking_id)
    if booking is None:
        return identity, None, _not_found()
    if holder and not is_holder(identity, booking):
        return identity, booking, error_response(403, "forbidden", HOLDER_ONLY)
    if requester and not is_requester(identity, booking):
        return identity, booking, error_response(403, "forbidden", REQUESTER_ONLY)
    return identity, booking, None


def _answer(identity: Identity, booking: InstrumentBooking):
    return jsonify(booking_body(identity, booking))


def _decide(booking_id: int, step: str):
    """The holder approves or rejects, with an optional note; the requester is told."""
    identity, booking, refusal = _step(booking_id, holder=True)
    if refusal is not None:
        return refusal
    note = note_schema.load(_body())["note"]
    booking = getattr(current_services.bookings, step)(identity, booking_id, (note or "").strip() or None)
    booking_mail.tell_requester(booking, step)
    return _answer(identity, booking)


@bp.post(f"/bookings/{BOOKING_ID}/approve")
def approve_booking(booking_id: int):
    return _decide(booking_id, "approve")


@bp.post(f"/bookings/{BOOKING_ID}/propose")
def propose_booking(booking_id: int):
    identity, booking, refusal = _step(booking_id, holder=True)
    if refusal is not None:
        return refusal
    data = propose_schema.load(json_object())
    booking = current_services.bookings.propose(identity, booking_id, data["start_at"], data["end_at"], (data["note"] or "").strip() or None)
    booking_mail.tell_requester(booking, "propose")
    return _answer(identity, booking)


@bp.post(f"/bookings/{BOOKING_ID}/reject")
def reject_booking(booking_id: int):
    return _decide(booking_id, "reject")


@bp.post(f"/bookings/{BOOKING_ID}/accept")
def accept_booking(booking_id: int):
    identity, booking, refusal = _step(booking_id, requester=True)
    if refusal is not None:
        return refusal
    _body()  # nothing to read; a body that is not JSON is still refused
    booking = current_services.bookings.accept_proposal(identity, booking_id)
    booking_mail.tell_holders(booking, "accept")
    return _answer(identity, booking)


@bp.post(f"/bookings/{BOOKING_ID}/cancel")
def cancel_booking(booking_id: int):
    identity, booking, refusal = _step(booking_id)
    if refusal is not None:
        return refusal
    _body()
    booking = current_services.bookings.cancel(identity, booking_id)
    booking_mail.tell_other_side(identity, booking, "cancel")
    return _answer(identity, booking)


@bp.post(f"/bookings/{BOOKING_ID}/complete")
def complete_booking(booking_id: int):
    identity, booking, refusal = _step(booking_id, holder=True)
    if refusal is not None:
        return refusal
    data = complete_schema.load(json_object())
    booking = current_services.bookings.complete(identity, booking_id, data["hours_used"], data["fee"])
    booking_mail.tell_requester(booking, "complete")
    return _answer(identity, booking)


__all__ = ["booking_refused"]
