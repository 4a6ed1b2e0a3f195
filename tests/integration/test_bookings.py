"""Instrument bookings in the store (SQLite and PostgreSQL): request, approve, propose, accept,
reject, cancel, complete; who may do what; and the calendar rule under concurrent approvals: of
overlapping requests approved at the same moment, exactly one holds the hours."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.apps import add_user, close_app, make_app, store_config
from web.extensions import db
from web.models import Instrument, InstrumentBooking
from web.proxies import current_search, current_services
from web.services.bookings import BookingConflict, BookingError
from web.services.identity import Identity

pytestmark = pytest.mark.integration

DEMO = ("demo", "load", "--achievements", "5", "--patents", "5", "--instruments", "15")
TOMORROW = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def app(request, tmp_path):
    app = make_app(tmp_path, *DEMO, **store_config(request))
    yield app
    close_app(app)


def who(app, role: str, institution_id: int | None = None) -> Identity:
    uid = add_user(app, role, institution_id=institution_id)
    return Identity(str(uid), frozenset({role}), institution_id=institution_id if role == "publisher" else None)


def shared_instrument(app) -> tuple[int, int]:
    with app.app_context():
        inst = db.session.scalars(select(Instrument).where(Instrument.status == "published", Instrument.shared.is_(True),
                                                           Instrument.institution_id.is_not(None)).order_by(Instrument.id)).first()
        inst.run_status = "normal"
        db.session.commit()
        return inst.id, inst.institution_id


def ask(app, requester: Identity, instrument_id: int, start: datetime, hours: int = 3, **extra) -> int:
    with app.app_context():
        booking = current_services.bookings.request(requester, instrument_id, {
            "start_at": start, "end_at": start + timedelta(hours=hours), "service_mode": "commissioned_testing",
            "sample": "粉末样品 5 个，SEM 形貌观察", **extra})
        return booking.id


def test_request_approve_and_complete(app):
    instrument_id, holder_inst = shared_instrument(app)
    company, holder = who(app, "investor"), who(app, "publisher", holder_inst)
    booking_id = ask(app, company, instrument_id, TOMORROW)
    with app.app_context():
        svc = current_services.bookings
        assert svc.approve(holder, booking_id, "请提前 10 分钟到").status == "approved"
        assert [b.id for b in svc.calendar(instrument_id, TOMORROW, TOMORROW + timedelta(days=1))] == [booking_id]
        with pytest.raises(BookingError) as err:  # not started yet
            svc.complete(holder, booking_id, 2.5, 600)
        assert err.value.code == "not_started"
        inst = db.session.get(Instrument, instrument_id)
        year = TOMORROW.year
        before = (inst.external_hours_per_year or 0.0, inst.external_income_per_year or 0.0) if inst.stats_year == year else (0.0, 0.0)
        done = svc.complete(holder, booking_id, 2.5, 600, now=TOMORROW + timedelta(hours=4))
        assert (done.status, done.hours_used, done.fee) == ("completed", 2.5, 600)
        # the hours and the fee count in the instrument's yearly openness figures, and in its index document
        inst = db.session.get(Instrument, instrument_id)
        assert inst.stats_year == year
        assert (inst.external_hours_per_year, inst.external_income_per_year) == (before[0] + 2.5, before[1] + 600)
        current_search.refresh("instruments")
        doc = current_search.get_document("instruments", inst.public_id)
        assert (doc["external_hours"], doc["external_income"]) == (before[0] + 2.5, before[1] + 600)


def test_the_holder_proposes_other_hours_and_the_requester_accepts(app):
    instrument_id, holder_inst = shared_instrument(app)
    company, holder = who(app, "investor"), who(app, "publisher", holder_inst)
    booking_id = ask(app, company, instrument_id, TOMORROW)
    later = TOMORROW + timedelta(days=2)
    with app.app_context():
        svc = current_services.bookings
        assert svc.propose(holder, booking_id, later, later + timedelta(hours=3), "当天仪器检修").status == "proposed"
        with pytest.raises(BookingError):  # only the requester accepts
            svc.accept_proposal(holder, booking_id)
        accepted = svc.accept_proposal(company, booking_id)
        assert (accepted.status, accepted.start_at.replace(tzinfo=timezone.utc) if accepted.start_at.tzinfo is None else accepted.start_at) == ("approved", later)


def test_who_may_see_and_decide(app):
    instrument_id, holder_inst = shared_instrument(app)
    company, other, holder = who(app, "investor"), who(app, "intermediary"), who(app, "publisher", holder_inst)
    booking_id = ask(app, company, instrument_id, TOMORROW)
    with app.app_context():
        svc = current_services.bookings
        with pytest.raises(LookupError):
            svc.get(other, booking_id)  # another company never sees it
        with pytest.raises(PermissionError):
            svc.approve(company, booking_id)  # the requester does not approve their own
        assert svc.get(holder, booking_id).id == booking_id
        with pytest.raises(PermissionError):
            svc.request(Identity(None), instrument_id, {})


def test_bad_requests_are_refused(app):
    instrument_id, _ = shared_instrument(app)
    company = who(app, "investor")
    with app.app_context():
        svc = current_services.bookings
        for data, field in (
            ({"start_at": TOMORROW, "end_at": TOMORROW, "sample": "x"}, "end_at"),
            ({"start_at": TOMORROW - timedelta(days=3), "end_at": TOMORROW - timedelta(days=2), "sample": "x"}, "start_at"),
            ({"start_at": TOMORROW, "end_at": TOMORROW + timedelta(hours=1), "sample": " "}, "sample"),
            ({"start_at": TOMORROW, "end_at": TOMORROW + timedelta(hours=1), "sample": "x", "service_mode": "teleport"}, "service_mode"),
        ):
            with pytest.raises(BookingError) as err:
                svc.request(company, instrument_id, data)
            assert err.value.field == field


def test_overlapping_approvals_at_the_same_moment_hold_the_hours_once(app):
    instrument_id, holder_inst = shared_instrument(app)
    holder = who(app, "publisher", holder_inst)
    companies = [who(app, "investor") for _ in range(6)]
    # six requests, each overlapping the others by at least an hour
    ids = [ask(app, c, instrument_id, TOMORROW + timedelta(minutes=20 * n)) for n, c in enumerate(companies)]
    barrier = threading.Barrier(len(ids))
    outcomes: dict[int, str] = {}

    def approve(booking_id: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                current_services.bookings.approve(holder, booking_id)
                outcomes[booking_id] = "approved"
            except BookingConflict:
                outcomes[booking_id] = "conflict"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=approve, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes.values()) == ["approved"] + ["conflict"] * (len(ids) - 1), outcomes
    with app.app_context():
        held = db.session.scalars(select(InstrumentBooking).where(InstrumentBooking.status == "approved")).all()
        assert len(held) == 1
        # hours that touch but do not overlap are fine
        end = held[0].end_at if held[0].end_at.tzinfo else held[0].end_at.replace(tzinfo=timezone.utc)
    after = ask(app, companies[0], instrument_id, end)
    with app.app_context():
        assert current_services.bookings.approve(holder, after).status == "approved"


def test_the_openness_figures_are_of_one_year():
    from web.models import Instrument as Model
    from web.services.bookings import add_to_openness

    inst = Model(stats_year=2025, external_hours_per_year=100.0, external_income_per_year=5000.0)
    assert add_to_openness(inst, 2025, 3.0, 300.0) and (inst.external_hours_per_year, inst.external_income_per_year) == (103.0, 5300.0)
    assert not add_to_openness(inst, 2024, 8.0, 800.0)  # an earlier year's booking leaves this year's figures
    assert add_to_openness(inst, 2026, 2.0, 150.0)  # a new year starts its own figures
    assert (inst.stats_year, inst.external_hours_per_year, inst.external_income_per_year) == (2026, 2.0, 150.0)


def test_an_instrument_with_bookings_is_withdrawn_not_deleted(app):
    from web.services.identity import system_identity
    from web.services.records import RecordInUse

    instrument_id, _ = shared_instrument(app)
    ask(app, who(app, "investor"), instrument_id, TOMORROW)
    with app.app_context():
        public_id = db.session.get(Instrument, instrument_id).public_id
        with pytest.raises(RecordInUse):
            current_services.for_type("instrument").delete(system_identity, public_id)
