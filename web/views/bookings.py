"""Instrument bookings (仪器共享预约): the pages.

Signed in: the list of one's bookings (``/bookings``: those one asked for and, for an
instrument's holder, those to decide, with a state filter), one booking's page with the steps
open to the reader (approve, propose other hours, reject with a note, accept the proposal,
cancel, complete with the hours used and the fee), and the request form reached from an
instrument's page (``/bookings/new/<ins id>``). No sign-in: an instrument's calendar
(``booking_calendar.py``), busy hours only. The record page's panel is ``booking_panel.py``.

Times are typed and shown in China Standard Time (UTC+08:00) and kept in UTC
(``web/booking_times.py``). Only the two parties see a booking: anyone else gets the same 404
as for a number nobody has. The rules are the booking service's; a refusal comes back beside
the field it names, or as a message on the booking's page. Every step tells the other side by
e-mail (``web/booking_mail.py``).

The endpoint names (``bookings.index``, ``bookings.detail``, ``bookings.calendar``) are used by
the tabs of "my exchanges", the e-mails and the API's links; keep them."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from .. import booking_mail
from ..booking_actions import allowed_actions, is_holder, is_requester, started, unbookable
from ..booking_times import ZONE_LABEL, local, span
from ..forms.bookings import ActionForm, CompleteForm, NoteForm, ProposeForm, RequestForm, duration
from ..models import BOOKING_STATES, Instrument, InstrumentBooking
from ..proxies import current_services
from ..security import require_signed_in
from ..services.bookings import BookingConflict, BookingError, offered_modes
from ..services.identity import Identity
from ..services.records import PermissionDenied
from ..templating import label
from .search import page_window
from .selection import say

bp = Blueprint("bookings", __name__, url_prefix="/bookings")
BOOKING_ID = "<int:booking_id>"  # 0 or beyond the id column: the service answers 404
PAGE_SIZE = 20
SIDES = ("mine", "holder")
HOLDER_STEPS = ("approve", "propose", "reject", "complete")


@bp.app_template_global("booking_span")
def booking_span(start: datetime, end: datetime) -> str:
    """Hours as the booking pages show them (China Standard Time), for templates of other pages
    (the record page's panel)."""
    return span(start, end)


# -- finding things ------------------------------------------------------------------------------------
def instrument_of(identity: Identity, public_id: str) -> Instrument:
    """A published instrument (404 for anything else: another type, a draft, a number nobody has)."""
    number = Instrument.parse_public_id(public_id)
    if number is None or number > 2**31 - 1:
        abort(404)
    rec = current_services.for_type("instrument").get(identity, public_id)
    if rec.status != "published":
        abort(404)
    return rec


def _booking(identity: Identity, booking_id: int) -> InstrumentBooking:
    try:
        return current_services.bookings.get(identity, booking_id)
    except LookupError:
        abort(404)


def conflict_text(exc: BookingConflict) -> str:
    """The clash, in China Standard Time (the service's own message gives UTC)."""
    return gettext("该时段已被预约（%(hours)s，%(zone)s），请另选时间。", hours=span(exc.start_at, exc.end_at), zone=ZONE_LABEL)


def refusal_text(exc: BookingError) -> str:
    return conflict_text(exc) if isinstance(exc, BookingConflict) else say(exc)


# -- the list ------------------------------------------------------------------------------------------
def _list_args(identity: Identity) -> tuple[str, str | None, int]:
    holder = identity.is_admin or identity.is_publisher
    side = request.args.get("side")
    if side not in SIDES or (side == "holder" and not holder):
        side = "holder" if holder and side is None else "mine"
    status = request.args.get("status")
    try:
        page = min(max(int(request.args.get("page", "1")), 1), 10_000)
    except ValueError:
        page = 1
    return side, status if status in BOOKING_STATES else None, page


@bp.get("")
def index():
    identity = require_signed_in()
    side, status, page = _list_args(identity)
    listing = current_services.bookings.listing(identity, side, status, page=page, size=PAGE_SIZE)

    def list_url(**changes: Any) -> str:
        args = {"side": side, "status": status, "page": page if page > 1 else None, **changes}
        return url_for("bookings.index", **{k: v for k, v in args.items() if v not in (None, "")})

    return render_template("bookings/index.html", listing=listing, side=side, status=status, states=BOOKING_STATES,
                           holder=identity.is_admin or identity.is_publisher, list_url=list_url,
                           window=page_window(min(page, listing.pages), listing.pages), span=span)


# -- one booking ---------------------------------------------------------------------------------------
HISTORY_LIMIT = 100


def _history(booking: InstrumentBooking) -> list[dict[str, Any]]:
    """The booking's state changes from the audit log, oldest first; who is named by side only."""
    events = current_services.audit.events(target=f"booking:{booking.id}", limit=HISTORY_LIMIT)
    rows = []
    for e in reversed(events):
        details = e.details or {}
        start = _parse(details.get("start_at"))
        rows.append({"at": local(e.at), "action": e.action.removeprefix("booking."),
                     "by_requester": e.actor_id is not None and e.actor_id == booking.requester_id,
                     "start": local(start) if start else None, "hours": details.get("hours"), "fee": details.get("fee")})
    return rows


def _parse(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def _forms(booking: InstrumentBooking) -> dict[str, Any]:
    """The step forms of the booking's page, each with its own prefix (one page, several forms)."""
    propose = ProposeForm(prefix="propose")
    complete = CompleteForm(prefix="complete")
    if request.method == "GET":
        propose.fill(local(booking.proposed_start_at or booking.start_at), local(booking.proposed_end_at or booking.end_at))
        complete.hours_used.data = duration(booking.start_at, booking.end_at)
    return {"approve_form": NoteForm(prefix="approve"), "propose_form": propose, "reject_form": NoteForm(prefix="reject"),
            "complete_form": complete, "action_form": ActionForm()}


def detail_page(identity: Identity, booking: InstrumentBooking, status: int = 200, **forms: Any):
    context = {**_forms(booking), **forms}
    return render_template("bookings/detail.html", booking=booking, instrument=booking.instrument,
                           actions=allowed_actions(identity, booking), holder=is_holder(identity, booking),
                           requester=is_requester(identity, booking), started=started(booking), history=_history(booking),
                           start=local(booking.start_at), end=local(booking.end_at), span=span, zone=ZONE_LABEL,
                           booked_hours=duration(booking.start_at, booking.end_at),
                           mode=label("service_mode", booking.service_mode), **context), status


@bp.get(f"/{BOOKING_ID}")
def detail(booking_id: int):
    identity = require_signed_in()
    return detail_page(identity, _booking(identity, booking_id))


def _acting(booking_id: int, step: str) -> tuple[Identity, InstrumentBooking]:
    """The caller and the booking, when the caller is the side that takes this step: the holder
    decides and completes, the requester accepts, either side cancels (403 to the other side;
    404 to anyone else)."""
    identity = require_signed_in()
    booking = _booking(identity, booking_id)
    if step in HOLDER_STEPS and not is_holder(identity, booking):
        raise PermissionDenied("只有仪器的持有单位可以处理 / only the instrument's holder may do this")
    if step == "accept" and not is_requester(identity, booking):
        raise PermissionDenied("只有申请人可以接受新时段 / only the requester may accept other hours")
    return identity, booking


def _done(booking_id: int, message: str) -> Response:
    flash(message, "ok")
    return redirect(url_for("bookings.detail", booking_id=booking_id), code=303)


def _refused(booking_id: int, exc: BookingError) -> Response:
    flash(refusal_text(exc), "error")
    return redirect(url_for("bookings.detail", booking_id=booking_id), code=303)


def _decide(booking_id: int, step: str, done: str) -> Response:
    """Approve or reject with an optional note: the same form, the same refusals, the requester told."""
    identity, booking = _acting(booking_id, step)
    form = NoteForm(prefix=step)
    if not form.validate_on_submit():
        return detail_page(identity, booking, 422, **{f"{step}_form": form})
    try:
        booking = getattr(current_services.bookings, step)(identity, booking_id, (form.note.data or "").strip() or None)
    except BookingError as exc:
        return _refused(booking_id, exc)
    booking_mail.tell_requester(booking, step)
    return _done(booking_id, done)


@bp.post(f"/{BOOKING_ID}/approve")
def approve(booking_id: int):
    return _decide(booking_id, "approve", gettext("已批准预约，已通知申请人。"))


@bp.post(f"/{BOOKING_ID}/propose")
def propose(booking_id: int):
    identity, booking = _acting(booking_id, "propose")
    form = ProposeForm(prefix="propose")
    if form.validate_on_submit():
        start, end = form.hours()
        try:
            booking = current_services.bookings.propose(identity, booking_id, start, end, (form.note.data or "").strip() or None)
        except BookingError as exc:
            if exc.code != "invalid_booking":
                return _refused(booking_id, exc)
            target = {"end_at": form.end}.get(exc.field or "", form.start)
            target.errors = [*list(target.errors or []), say(exc)]
        else:
            booking_mail.tell_requester(booking, "propose")
            return _done(booking_id, gettext("已向申请人建议新的时段。"))
    return detail_page(identity, booking, 422, propose_form=form)


@bp.post(f"/{BOOKING_ID}/reject")
def reject(booking_id: int):
    return _decide(booking_id, "reject", gettext("已拒绝预约，已通知申请人。"))


@bp.post(f"/{BOOKING_ID}/accept")
def accept(booking_id: int):
    identity, booking = _acting(booking_id, "accept")
    ActionForm().validate_on_submit()  # the CSRF token was checked before the view (web.auth)
    try:
        booking = current_services.bookings.accept_proposal(identity, booking_id)
    except BookingError as exc:
        return _refused(booking_id, exc)
    booking_mail.tell_holders(booking, "accept")
    return _done(booking_id, gettext("已接受新的时段，预约已确认。"))


@bp.post(f"/{BOOKING_ID}/cancel")
def cancel(booking_id: int):
    identity, booking = _acting(booking_id, "cancel")
    ActionForm().validate_on_submit()
    try:
        booking = current_services.bookings.cancel(identity, booking_id)
    except BookingError as exc:
        return _refused(booking_id, exc)
    booking_mail.tell_other_side(identity, booking, "cancel")
    return _done(booking_id, gettext("已取消预约。"))


@bp.post(f"/{BOOKING_ID}/complete")
def complete(booking_id: int):
    identity, booking = _acting(booking_id, "complete")
    form = CompleteForm(prefix="complete")
    if not form.validate_on_submit():
        return detail_page(identity, booking, 422, complete_form=form)
    try:
        booking = current_services.bookings.complete(identity, booking_id, float(form.hours_used.data), float(form.fee.data))
    except BookingError as exc:
        if exc.field in ("hours_used", "fee"):
            field = form.hours_used if exc.field == "hours_used" else form.fee
            field.errors = [*list(field.errors or []), say(exc)]
            return detail_page(identity, booking, 422, complete_form=form)
        return _refused(booking_id, exc)
    booking_mail.tell_requester(booking, "complete")
    return _done(booking_id, gettext("已登记完成：机时和费用已计入该仪器的年度开放共享数据。"))


# -- asking for time -------------------------------------------------------------------------------------
def _show_refusal(form: RequestForm, exc: BookingError) -> None:
    """A refusal beside the field it names; a clash or the instrument's state above the form."""
    fields = {"start_at": form.start, "end_at": form.end, "service_mode": form.service_mode, "sample": form.sample}
    target = fields.get(exc.field or "") if exc.code == "invalid_booking" else None
    if target is None:
        form.form_errors.append(refusal_text(exc))
    else:
        target.errors = [*list(target.errors or []), say(exc)]


@bp.route("/new/<public_id>", methods=["GET", "POST"])
def new(public_id: str):
    identity = require_signed_in()
    instrument = instrument_of(identity, public_id)
    modes = offered_modes(instrument)
    form = RequestForm()
    form.service_mode.choices = [(m, label("service_mode", m)) for m in modes]
    if request.method == "GET":
        form.service_mode.data = modes[0]
    if form.validate_on_submit():
        try:
            booking = current_services.bookings.request(identity, instrument.id, form.data_for_service())
        except LookupError:
            abort(404)
        except BookingError as exc:
            _show_refusal(form, exc)
        else:
            booking_mail.tell_holders(booking, "request")
            flash(gettext("预约申请已提交，持有单位确认后会通知您。"), "ok")
            return redirect(url_for("bookings.detail", booking_id=booking.id), code=303)
    from .booking_calendar import upcoming_slots  # it joins this module's blueprint: imported at the end

    return render_template("bookings/request.html", instrument=instrument, form=form, reason=unbookable(instrument),
                           upcoming=upcoming_slots(identity, instrument), span=span, zone=ZONE_LABEL), \
        422 if request.method == "POST" else 200


from . import booking_calendar, booking_panel  # noqa: E402,F401 - their routes and the record panel join the blueprint

__all__ = ["bp", "instrument_of"]
