"""The people and things the authorisation tests act on: one account (a session client and an
API token) per role, two institutions (the publisher's and another's), and factories that make a
fresh record, draft, file, access request, token or account for every request that uses one up;
and a selection round in each of its states (and a new one of a new year for a call that moves one on)."""
from __future__ import annotations

import hashlib
import io
import itertools
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterator

from flask import Flask
from sqlalchemy import select

from tests import filesamples
from tests.apps import PASSWORD, add_user, csrf_token_of
from web.extensions import db
from web.models import AlertMatch, ExpertAssignment, Institution, SelectionCandidate, SelectionRound, StatsReport, Subscription, User
from web.models import InstrumentBooking
from web.models import Patent
from web.models.selection import RUBRIC
from web.proxies import current_search, current_services
from web.schemas.selection import RoundSchema
from web.services.accounts import identity_of
from web.services.identity import system_identity

# "other" is a publisher of another institution: what is not public about the first one must be
# invisible to them
ROLES = ("anonymous", "admin", "reviewer", "publisher", "other", "intermediary", "investor")
_serial = itertools.count(1)
HIDDEN = "授权测试不公开"  # the title of what only the home institution (and reviewers) may see


@dataclass
class Account:
    role: str
    user_id: int | None = None
    email: str | None = None
    token: str | None = None
    client: Any = None  # a test client signed in with a session cookie
    csrf: str | None = None


def round_dates() -> dict[str, str]:
    """A selection round's dates: nominations open today, the records made today inside its window
    (a past year's default dates would close nominations before they open)."""
    today = date.today()
    return {"window_start": (today - timedelta(days=365)).isoformat(), "window_end": (today + timedelta(days=365)).isoformat(),
            "nomination_opens": today.isoformat(), "nomination_closes": (today + timedelta(days=30)).isoformat(),
            "scoring_closes": (today + timedelta(days=60)).isoformat()}


@dataclass(frozen=True)
class Round:
    """A selection round the world made: its year, its one candidate (a published achievement of
    ``home``, nominated by an administrator) and the world's expert's assignment to it."""

    year: int
    candidate: int = 0
    assignment: int = 0  # the "reviewer" account's (from scoring on)


@dataclass
class World:
    app: Flask
    home: Institution  # the publisher's institution
    away: Institution  # the other publisher's
    accounts: dict[str, Account] = field(default_factory=dict)
    record: str = ""  # a published achievement of ``home`` with a public and a confidential file
    withdrawn: str = ""  # an achievement of ``home`` that is not published
    draft: int = 0  # a draft of ``home``, submitted
    public_file: int = 0
    confidential_file: int = 0
    request_id: int = 0  # the investor's pending request for the confidential file
    job: int = 0  # the administrator's import job
    # the annual selection: a round in each state (quota 1, one expert a candidate), each year once
    years: Iterator[int] = field(default_factory=lambda: itertools.count(2000))
    nominating: Round | None = None
    scoring: Round | None = None
    closed: Round | None = None  # its candidate is excluded and reinstated in turn
    published: Round | None = None  # revision 1, and a correction for each one an administrator posts
    spare_expert: int = 0  # another reviewer account, for the administrator to assign
    report: int = 0  # an archived yearly statistics report (a stored row: making one is the POST row's job)
    report_year: int = 0  # the earliest year a report can be made of (the fewest records: the quickest PDF)
    subscription: int = 0  # the investor's saved search (with a webhook), and an alert of it
    match: int = 0
    inquiry: int = 0  # the investor's inquiry to ``home`` about ``record``, not answered (inquiries and feedback, issue 12)
    # open-licence applications (issue 12): a patent of ``home`` declared open, the investor's waiting application for it
    licence_patent: str = ""
    licence: int = 0
    # instrument bookings (issue 12): a shared instrument of ``home``, the investor's request for an hour of it
    instrument: str = ""
    booking: int = 0
    hours: Iterator[int] = field(default_factory=itertools.count)  # each booking its own hour: approvals never clash

    # -- accounts -----------------------------------------------------------------------------------
    def sign_in(self, role: str, email: str | None = None) -> tuple[Any, str]:
        client = self.app.test_client()
        if role != "anonymous":
            response = client.post("/account/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token_of(client)})
            assert response.status_code == 303, response.get_data(as_text=True)[:300]
        return client, csrf_token_of(client, "/account/login")

    def new_account(self, role: str) -> Account:
        """A new account of this role (the "other" role: a publisher of ``away``) with a session and a token."""
        if role == "anonymous":
            client, csrf = self.sign_in(role)
            return Account(role, client=client, csrf=csrf)
        real = "publisher" if role == "other" else role
        email = f"{role}-{uuid.uuid4().hex[:8]}@authz.test"
        institution = {"publisher": self.home.id, "other": self.away.id}.get(role)
        user_id = add_user(self.app, real, email=email, institution_id=institution)
        with self.app.app_context():
            token = current_services.accounts.create_token(db.session.get(User, user_id), "authz").secret
            db.session.commit()
        client, csrf = self.sign_in(role, email)
        return Account(role, user_id, email, token, client, csrf)

    def identity(self, role: str):
        return identity_of(db.session.get(User, self.accounts[role].user_id))

    # -- things to act on (each call makes a new one) ------------------------------------------------
    def new_record(self, status: str = "published", title: str = "授权测试成果", **fields: Any) -> str:
        with self.app.app_context():
            rec = current_services.for_type("achievement").create(system_identity, {
                "title": f"{title}{next(_serial)}号", "institutions": [self.home.name], "summary": "用于授权矩阵测试。", **fields},
                status=status)
            current_search.refresh("achievements")
            return rec.public_id

    def new_draft(self, status: str = "submitted", title: str = "授权测试草稿") -> int:
        with self.app.app_context():
            publisher = self.identity("publisher")
            draft = current_services.drafts.create(publisher, "achievement", {
                "title": f"{title}{next(_serial)}号", "summary": "用于授权矩阵测试。"})
            if status in ("submitted", "in_review"):
                current_services.drafts.submit(publisher, draft.id)
            if status == "in_review":
                current_services.drafts.take(self.identity("reviewer"), draft.id)
            db.session.commit()
            return draft.id

    def new_file(self, confidential: bool = True, record: str | None = None) -> int:
        with self.app.app_context():
            rec = current_services.attachments.record(system_identity, record or self.new_record())  # at most 20 files a record
            att = current_services.attachments.upload(system_identity, rec, io.BytesIO(filesamples.PDF), f"附件{next(_serial)}.pdf",
                                                      confidential=confidential)
            db.session.commit()
            return att.id

    def new_request(self) -> int:
        """The investor's pending request for a new confidential file of ``record``."""
        attachment_id = self.new_file()
        with self.app.app_context():
            request = current_services.access_requests.ask(self.identity("investor"), attachment_id, "评估合作")
            db.session.commit()
            return request.id

    def new_token(self, role: str) -> int:
        """A new token of this role's account (the one its session belongs to)."""
        with self.app.app_context():
            user = db.session.get(User, self.accounts[role].user_id) if role != "anonymous" else self._someone()
            new = current_services.accounts.create_token(user, "authz-extra")
            db.session.commit()
            return new.token.id

    def new_user(self, role: str = "investor") -> int:
        return add_user(self.app, role, email=f"target-{uuid.uuid4().hex[:8]}@authz.test")

    def user_email(self, user_id: int) -> str:
        with self.app.app_context():
            return db.session.get(User, user_id).email

    def new_institution(self) -> str:
        with self.app.app_context():
            inst = current_services.for_type("institution").create(system_identity, {"name": f"授权测试重复单位{next(_serial)}"})
            return inst.public_id

    def reset_token(self) -> str:
        with self.app.app_context():
            return current_services.accounts.reset_token(db.session.get(User, self.new_user()))

    # -- the annual selection --------------------------------------------------------------------
    def new_year(self) -> int:
        """A year without a round (one a year, 2000-2100)."""
        with self.app.app_context():
            taken = set(db.session.scalars(select(SelectionRound.year)))
            db.session.remove()
        year = next(y for y in self.years if y not in taken)
        assert year <= 2100, "more selection rounds than years"
        return year

    def new_eligible(self) -> str:
        """A published achievement of ``home`` that passes every eligibility check of a round."""
        return self.new_record(title="授权测试遴选成果", field="new_energy", trl=6, level="domestic_leading", keywords=["遴选"])

    def new_round(self, status: str = "nominating", candidate: bool = True) -> Round:
        """A round of a new year in this state: quota 1, one expert a candidate, nominations open
        today; from "scoring" on, the "reviewer" account is its candidate's expert (and scores it
        before the round closes)."""
        year = self.new_year()
        achievement = self.new_eligible() if candidate or status != "nominating" else None
        with self.app.app_context():
            service = current_services.selection
            settings = RoundSchema().load({"year": year, "quota": 1, "experts_per_candidate": 1, "min_scores": 1, **round_dates()})
            service.open_round(system_identity, settings)
            made = Round(year)
            if achievement:
                made = Round(year, service.nominate(system_identity, year, achievement, "授权测试推荐").id)
            if status != "nominating":
                service.start_scoring(system_identity, year)
                expert = self.accounts["reviewer"].user_id
                mine = service.assignments(self.identity("reviewer"), year)
                if not mine:  # another reviewer account was the least loaded: the world's expert joins
                    mine = [service.assign(system_identity, year, made.candidate, expert)]
                made = Round(year, made.candidate, mine[0].id)
            if status in ("closed", "published"):
                service.score(self.identity("reviewer"), year, made.assignment, {code: 80 for code in RUBRIC}, "授权测试评分")
                service.close(system_identity, year)
            if status == "published":
                service.finalise(system_identity, year)
            db.session.commit()
            db.session.remove()
        return made

    def new_candidate(self, year: int | None = None) -> int:
        """A new candidate (an eligible achievement of ``home``) in a round still taking nominations."""
        achievement = self.new_eligible()
        with self.app.app_context():
            candidate = current_services.selection.nominate(system_identity, year or self.nominating.year, achievement, "授权测试推荐")
            db.session.commit()
            return candidate.id

    def free_expert(self) -> int:
        """The spare expert, not (or no longer) assigned to the scoring round's candidate."""
        with self.app.app_context():
            for assignment in db.session.scalars(select(ExpertAssignment).where(
                    ExpertAssignment.candidate_id == self.scoring.candidate, ExpertAssignment.expert_id == self.spare_expert)).all():
                current_services.selection.unassign(system_identity, self.scoring.year, assignment.id)
            db.session.commit()
            db.session.remove()
        return self.spare_expert

    def closed_step(self) -> str:
        """What an administrator may do next to the closed round's candidate: exclude it, or
        reinstate it once excluded."""
        with self.app.app_context():
            excluded = db.session.get(SelectionCandidate, self.closed.candidate).status == "excluded"
            db.session.remove()
        return "reinstate" if excluded else "exclude"

    # -- subscriptions and alerts ------------------------------------------------------------------
    def new_subscription(self, role: str = "investor") -> int:
        """A saved search of this role's account, with a webhook (a public address literal) and its private feed."""
        with self.app.app_context():
            sub = current_services.subscriptions.create(self.identity(role), {
                "name": f"授权测试订阅{next(_serial)}", "q": "成果", "frequency": "daily", "webhook_url": "https://1.1.1.1/authz-hook"})
            db.session.remove()
            return sub.id

    def feed_token(self, sub_id: int | None = None) -> str:
        with self.app.app_context():
            token = db.session.get(Subscription, sub_id or self.subscription).feed_token
            db.session.remove()
            return token

    def unsubscribe_token(self) -> str:
        """The unsubscribe link's token of a new subscription of the investor's."""
        sub_id = self.new_subscription()
        with self.app.app_context():
            token = current_services.subscriptions.unsubscribe_token(db.session.get(Subscription, sub_id))
            db.session.remove()
            return token

    # -- instrument bookings (issue 12) ------------------------------------------------------------
    def new_instrument(self) -> str:
        """A published instrument of ``home``, shared and in working order."""
        with self.app.app_context():
            rec = current_services.for_type("instrument").create(system_identity, {
                "name": f"授权测试共享仪器{next(_serial)}号", "institution": self.home.name, "shared": True, "run_status": "normal",
                "service_modes": ["commissioned_testing", "self_operation"], "open_hours": "工作日 8:30-17:00"})
            db.session.remove()
            return rec.public_id

    def free_hour(self, past: bool = False) -> tuple[datetime, datetime]:
        """An hour of ``instrument`` no other booking of the world has (in a few days, or already begun)."""
        n = next(self.hours)
        base = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
        if past:
            start = base - timedelta(hours=2 * n + 2)
        else:  # within one day in China Standard Time (the forms' day, start and end) at any hour of the run
            china = timezone(timedelta(hours=8))
            day = datetime.now(china).date() + timedelta(days=3 + n // 6)
            start = datetime.combine(day, time(8 + 2 * (n % 6)), tzinfo=china).astimezone(timezone.utc)
        return start, start + timedelta(hours=1)

    def booking_form(self, prefix: str = "") -> dict[str, str]:
        """A free hour as the booking forms take it (China Standard Time)."""
        start, end = (t.astimezone(timezone(timedelta(hours=8))) for t in self.free_hour())
        return {f"{prefix}day": start.date().isoformat(), f"{prefix}start": f"{start:%H:%M}", f"{prefix}end": f"{end:%H:%M}",
                f"{prefix}end_day": end.date().isoformat()}

    def booking_json(self) -> dict[str, str]:
        start, end = self.free_hour()
        return {"start_at": start.isoformat(), "end_at": end.isoformat()}

    def new_booking(self, state: str = "requested") -> int:
        """The investor's booking of ``instrument`` in this state ("requested", "proposed", "approved",
        or "started": approved, its hour begun, so that it can be completed)."""
        start, end = self.free_hour()
        with self.app.app_context():
            service = current_services.bookings
            instrument_id = int(self.instrument.split("-")[1])
            booking = service.request(self.identity("investor"), instrument_id, {
                "start_at": start, "end_at": end, "service_mode": "commissioned_testing", "sample": "授权测试样品"})
            if state == "proposed":
                later, later_end = self.free_hour()
                service.propose(system_identity, booking.id, later, later_end)
            if state in ("approved", "started"):
                service.approve(system_identity, booking.id)
            if state == "started":  # as if its day had come: an hour that has begun, no other booking's
                row = db.session.get(InstrumentBooking, booking.id)
                row.start_at, row.end_at = self.free_hour(past=True)
                db.session.commit()
            booking_id = booking.id
            db.session.remove()
            return booking_id

    # -- open-licence applications (issue 12) -------------------------------------------------------
    def new_open_patent(self) -> str:
        """A published patent of ``home``, in force, under an open-licence declaration (nobody has applied)."""
        n = next(_serial)
        with self.app.app_context():
            rec = current_services.for_type("patent").create(system_identity, {
                "title": f"授权测试开放许可专利{n}号", "application_no": f"2099{uuid.uuid4().int % 10**8:08d}.{n % 10}",
                "applicants": [self.home.name], "kind": "invention", "legal_status": "in_force",
                "open_licence": {"declared_at": "2026-01-05", "payment": "lump_sum", "fee": 30000, "term": "2年"}})
            db.session.remove()
            return rec.public_id

    def new_licence(self, patent: str | None = None) -> int:
        """The investor's waiting application for ``patent`` (by default a new open patent: one waits per patent)."""
        public_id = patent or self.new_open_patent()
        with self.app.app_context():
            application = current_services.licences.apply(self.identity("investor"), Patent.parse_public_id(public_id), {
                "licensee": "授权测试被许可公司", "end_date": date.today() + timedelta(days=365)}).id
            db.session.remove()
            return application

    # -- inquiries and feedback (issue 12) ------------------------------------------------------------
    def new_inquiry(self) -> int:
        """A new inquiry of the investor's to ``home`` about ``record``, sent and not answered."""
        with self.app.app_context():
            inquiry_id = current_services.inquiries.send(self.identity("investor"), self.record, f"授权测试洽谈{next(_serial)}",
                                                         "希望了解许可条件。").id
            db.session.remove()
            return inquiry_id

    def _someone(self) -> User:
        return db.session.get(User, self.accounts["investor"].user_id)


def make_world(app: Flask) -> World:
    with app.app_context():
        first, second = db.session.scalars(select(Institution).order_by(Institution.id).limit(2)).all()
        db.session.expunge_all()
    world = World(app, first, second)
    world.accounts = {role: world.new_account(role) for role in ROLES}
    world.record = world.new_record()
    world.withdrawn = world.new_record(status="withdrawn", title=HIDDEN)
    world.draft = world.new_draft(title=HIDDEN)
    world.public_file = world.new_file(confidential=False, record=world.record)
    world.confidential_file = world.new_file(record=world.record)
    world.request_id = world.new_request()
    world.nominating, world.scoring = world.new_round(candidate=False), world.new_round("scoring")
    world.spare_expert = world.new_user("reviewer")  # made after the scoring round: the "reviewer" account is its expert
    world.closed, world.published = world.new_round("closed"), world.new_round("published")
    admin = world.accounts["admin"]
    made = admin.client.post("/api/v1/imports", data={"record_type": "achievement", "file": (io.BytesIO(
        "成果名称,完成单位\n授权测试导入成果,吉林大学\n".encode("utf-8")), "authz.csv")}, headers={"Authorization": f"Bearer {admin.token}"})
    assert made.status_code in (201, 202), made.get_data(as_text=True)[:500]
    world.job = int(re.search(r"/imports/(\d+)", made.headers["Location"]).group(1))
    with app.app_context():
        report = StatsReport(year=2020, locale="zh", filename="report-2020.pdf", size=len(filesamples.PDF), summary={},
                             sha256=hashlib.sha256(filesamples.PDF).hexdigest(), pdf=filesamples.PDF)
        db.session.add(report)
        db.session.commit()
        world.report = report.id
        world.report_year = current_services.stats_reports.years(system_identity)[-1]
        db.session.remove()
    world.subscription = world.new_subscription()
    with app.app_context():
        sub = db.session.get(Subscription, world.subscription)
        match = AlertMatch(subscription_id=sub.id, user_id=sub.user_id, record_id=world.record, record_type="achievement",
                           title="授权测试成果", why={"words": ["成果"], "snippets": {}, "filters": {}})
        db.session.add(match)
        db.session.commit()
        world.match = match.id
        db.session.remove()
    world.instrument = world.new_instrument()  # instrument bookings (issue 12)
    world.booking = world.new_booking()
    world.licence_patent = world.new_open_patent()  # open-licence applications (issue 12)
    world.licence = world.new_licence(world.licence_patent)
    world.inquiry = world.new_inquiry()  # inquiries and feedback (issue 12)
    return world
