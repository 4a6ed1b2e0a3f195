"""Exchange statistics: what the parties did on the platform, counted from the store.

The other statistics count published records through the search engine; these count the
exchanges between parties (the real transfers the province reports): inquiries by status,
agreements by mode, technology field and city, open licences granted, instrument bookings
completed. None of these is in the search index, so they are SQL ``GROUP BY`` over the store.

* A year is a calendar year (UTC, as the store keeps its times) of the date a state was reached:
  an inquiry counts in the year it reached the status it is in now, an agreement in the year it
  was agreed, a licence in the year it was granted, a booking in the year it was completed.
* Public figures only: counts, sums and the published records most used; never the companies or
  people. Booking fees are one instrument's external service income, which the record pages and
  the instrument statistics show to signed-in members only, so they are given to members only.
  The agreements' amounts are given summed per mode, field and city, with no record named."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from .. import vocabularies
from ..exchange_stats_options import TOP, UNKNOWN, VOCABULARY, group_label
from ..models import INQUIRY_STATES, Inquiry, Instrument, InstrumentBooking, LicenceApplication, Patent
from .identity import Identity
from .inquiries import AGREEMENT_MODES

MIN_YEAR, MAX_YEAR = 2000, 2100  # the years one may ask for


@dataclass(frozen=True)
class Group:
    """Inquiries of one status, or agreements of one mode, field or city (``UNKNOWN``: not stated)."""

    key: str
    count: int
    amount: float = 0.0  # the agreements' amounts added up (an agreement without one adds nothing)


@dataclass(frozen=True)
class TopPatent:
    public_id: str
    title: str
    licences: int
    fees: float


@dataclass(frozen=True)
class TopInstrument:
    public_id: str
    name: str
    hours: float
    bookings: int
    fees: float | None  # members only


@dataclass(frozen=True)
class ExchangeFigures:
    year: int | None
    inquiries: list[Group]  # every status, in the order an inquiry goes through them
    agreements: int
    agreement_amount: float
    by_mode: list[Group]
    by_field: list[Group]
    by_city: list[Group]
    licences: int
    licence_fees: float
    top_patents: list[TopPatent]
    bookings: int
    booking_hours: float
    booking_fees: float | None  # members only
    top_instruments: list[TopInstrument]

    @property
    def inquiry_total(self) -> int:
        return sum(g.count for g in self.inquiries)

    def to_dict(self, locale: str) -> dict[str, Any]:
        """The figures as the API answers them, names in ``locale``."""
        def groups(dimension: str, items: list[Group], amounts: bool = True) -> list[dict[str, Any]]:
            return [{"key": g.key, "label": group_label(dimension, g.key, locale), "count": g.count,
                     **({"amount": g.amount} if amounts else {})} for g in items]

        return {
            "year": self.year,
            "inquiries": {"total": self.inquiry_total, "by_status": groups("status", self.inquiries, amounts=False)},
            "agreements": {"count": self.agreements, "amount": self.agreement_amount, "by_mode": groups("mode", self.by_mode),
                           "by_field": groups("field", self.by_field), "by_city": groups("city", self.by_city)},
            "licences": {"count": self.licences, "fees": self.licence_fees,
                         "top_patents": [{"id": p.public_id, "title": p.title, "licences": p.licences, "fees": p.fees}
                                         for p in self.top_patents]},
            "bookings": {"count": self.bookings, "hours": self.booking_hours, "fees": self.booking_fees,
                         "top_instruments": [{"id": i.public_id, "name": i.name, "hours": i.hours, "bookings": i.bookings,
                                              "fees": i.fees} for i in self.top_instruments]},
        }


def in_year(column: InstrumentedAttribute, year: int | None) -> ColumnElement[bool]:
    """``column`` falls in ``year`` (UTC; every year when None). A range, not EXTRACT, so that an
    index on the date serves it and both stores cut the year at the same instant."""
    if year is None:
        return true()
    return and_(column >= datetime(year, 1, 1, tzinfo=timezone.utc), column < datetime(year + 1, 1, 1, tzinfo=timezone.utc))


def _money(value: Any) -> float:
    return round(float(value or 0.0), 2)


def _ordered(found: dict[str, Group], first: list[str]) -> list[Group]:
    """``first`` in its order (zeros included), then whatever else was found, largest first,
    "not stated" last: a vocabulary's whole list reads the same every year."""
    rest = sorted((g for k, g in found.items() if k not in first and k != UNKNOWN), key=lambda g: (-g.count, g.key))
    return [found.get(k, Group(k, 0)) for k in first] + rest + ([found[UNKNOWN]] if UNKNOWN in found else [])


class ExchangeStats:
    def __init__(self, session: Session):
        self.session = session

    def figures(self, identity: Identity, year: int | None = None) -> ExchangeFigures:
        """Every figure of ``year`` (of all years when None); booking fees for members only."""
        by_mode, by_field, by_city, agreements, amount = self._agreements(year)
        licences, licence_fees = self._licences(year)
        bookings, hours, booking_fees = self._bookings(year)
        members = identity.is_member
        return ExchangeFigures(
            year=year, inquiries=self._inquiries(year), agreements=agreements, agreement_amount=amount,
            by_mode=by_mode, by_field=by_field, by_city=by_city,
            licences=licences, licence_fees=licence_fees, top_patents=self._top_patents(year),
            bookings=bookings, booking_hours=hours, booking_fees=booking_fees if members else None,
            top_instruments=self._top_instruments(year, members),
        )

    def years(self) -> list[int]:
        """The years that have something to count, newest first (the page's year selector): from
        the first exchange to this year, or this year alone."""
        columns = [getattr(Inquiry, f"{s}_at") for s in INQUIRY_STATES] + [LicenceApplication.decided_at, InstrumentBooking.completed_at]
        found: list[datetime] = []
        for column in columns:
            found += [d for d in self.session.execute(select(func.min(column), func.max(column))).one() if d is not None]
        now = datetime.now(timezone.utc).year
        first = min((d.year for d in found), default=now)
        last = max([now, *(d.year for d in found)])
        return list(range(min(last, MAX_YEAR), max(first, MIN_YEAR) - 1, -1))

    # -- the parts --------------------------------------------------------------------------------
    def _inquiries(self, year: int | None) -> list[Group]:
        reached = or_(*(and_(Inquiry.status == s, in_year(getattr(Inquiry, f"{s}_at"), year)) for s in INQUIRY_STATES))
        rows = self.session.execute(select(Inquiry.status, func.count()).where(reached).group_by(Inquiry.status))
        counts = {status: n for status, n in rows}
        return [Group(s, counts.get(s, 0)) for s in INQUIRY_STATES]

    def _agreements(self, year: int | None) -> tuple[list[Group], list[Group], list[Group], int, float]:
        """Agreements by mode, by field and by city, their number and their amounts, from one
        grouped query (mode x field x city) added up here."""
        rows = self.session.execute(
            select(Inquiry.agreement_mode, Inquiry.record_field, Inquiry.record_city, func.count(), func.sum(Inquiry.agreement_amount))
            .where(Inquiry.status == "agreed", in_year(Inquiry.agreed_at, year))
            .group_by(Inquiry.agreement_mode, Inquiry.record_field, Inquiry.record_city)).all()
        totals: dict[str, dict[str, list[float]]] = {"mode": {}, "field": {}, "city": {}}
        count, amount = 0, 0.0
        for mode, field_, city, n, summed in rows:
            count, amount = count + int(n), amount + float(summed or 0.0)
            for dimension, key in (("mode", mode), ("field", field_), ("city", city)):
                entry = totals[dimension].setdefault(key or UNKNOWN, [0, 0.0])
                entry[0] += int(n)
                entry[1] += float(summed or 0.0)
        found = {d: {k: Group(k, int(n), _money(a)) for k, (n, a) in groups.items()} for d, groups in totals.items()}
        return (_ordered(found["mode"], list(AGREEMENT_MODES)), _ordered(found["field"], []),
                _ordered(found["city"], vocabularies.get(VOCABULARY["city"]).codes), count, _money(amount))

    def _licences(self, year: int | None) -> tuple[int, float]:
        n, fees = self.session.execute(select(func.count(), func.sum(LicenceApplication.fee)).where(
            LicenceApplication.status == "granted", in_year(LicenceApplication.decided_at, year))).one()
        return int(n), _money(fees)

    def _top_patents(self, year: int | None) -> list[TopPatent]:
        """The published patents with the most licences granted (an unpublished one is not named)."""
        count = func.count(LicenceApplication.id)
        rows = self.session.execute(
            select(Patent.id, Patent.title, count, func.sum(LicenceApplication.fee))
            .join(Patent, Patent.id == LicenceApplication.patent_id)
            .where(LicenceApplication.status == "granted", in_year(LicenceApplication.decided_at, year), Patent.status == "published")
            .group_by(Patent.id, Patent.title).order_by(count.desc(), Patent.id).limit(TOP))
        return [TopPatent(f"{Patent.PREFIX}-{pid}", title, int(n), _money(fees)) for pid, title, n, fees in rows]

    def _bookings(self, year: int | None) -> tuple[int, float, float]:
        n, hours, fees = self.session.execute(
            select(func.count(), func.sum(InstrumentBooking.hours_used), func.sum(InstrumentBooking.fee))
            .where(InstrumentBooking.status == "completed", in_year(InstrumentBooking.completed_at, year))).one()
        return int(n), round(float(hours or 0.0), 1), _money(fees)

    def _top_instruments(self, year: int | None, members: bool) -> list[TopInstrument]:
        """The published instruments with the most hours of completed bookings."""
        hours = func.coalesce(func.sum(InstrumentBooking.hours_used), 0.0)
        rows = self.session.execute(
            select(Instrument.id, Instrument.name, hours, func.count(InstrumentBooking.id), func.sum(InstrumentBooking.fee))
            .join(Instrument, Instrument.id == InstrumentBooking.instrument_id)
            .where(InstrumentBooking.status == "completed", in_year(InstrumentBooking.completed_at, year),
                   Instrument.status == "published")
            .group_by(Instrument.id, Instrument.name).order_by(hours.desc(), Instrument.id).limit(TOP))
        return [TopInstrument(f"{Instrument.PREFIX}-{iid}", name, round(float(h), 1), int(n), _money(fees) if members else None)
                for iid, name, h, n, fees in rows]
