"""An institution's dashboard for its publishers: its records by type and status, and what
people did with them over a period: record page views, file downloads, the search results pages
that showed them ("reach") and the words of those searches.

Everything comes from the store: the records and open drafts the institution holds, and the
anonymous daily counts of ``UsageLog`` (``UsageCount``; no person is in them). A record counts
for the institution it is held by now (an achievement's 完成单位, a patent's applicants, an
instrument's institution; the institution's own page is its own), so an institution that took
over a merged duplicate's records sees their views; the reach counted under the duplicate's old
id (``InstitutionRedirect.merged_id``) is added too.

A publisher sees their own institution only; administrators any institution."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import String, cast, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from .. import vocabularies
from ..models import (BY_PREFIX, OPEN_DRAFT_STATES, Achievement, AchievementInstitution, Institution, InstitutionRedirect, Instrument,
                      Patent, PatentApplicant, RecordDraft, UsageCount)
from .holdings import title_of
from .identity import Identity
from .records import PermissionDenied, RecordNotFound
from .usage import Top

PERIODS = (7, 30, 90, 365)  # days, today included
DEFAULT_PERIOD = 30
TYPES = ("achievement", "patent", "instrument")  # the records an institution holds (its own page aside)
TOP = 20


@dataclass(frozen=True)
class RecordUse:
    """One record and how often it was used; ``title`` None: the record is gone."""

    public_id: str
    record_type: str | None
    title: str | None
    status: str | None
    count: int


@dataclass(frozen=True)
class Day:
    day: date
    views: int = 0
    downloads: int = 0
    reach: int = 0


@dataclass(frozen=True)
class Span:
    """A bar of the chart: one day, or (for longer periods) a week or a month of days."""

    start: date
    end: date
    unit: str  # "day" | "week" | "month"
    views: int
    downloads: int
    reach: int


@dataclass
class HolderDashboard:
    institution: Institution
    days: int
    since: date
    today: date
    # status -> record type -> how many (records, and new records still drafts); statuses in vocabulary order
    by_status: dict[str, dict[str, int]] = field(default_factory=dict)
    open_edits: int = 0  # changes of published records waiting in drafts (the records are counted above)
    views: int = 0
    downloads: int = 0
    reach: int = 0
    top_viewed: list[RecordUse] = field(default_factory=list)
    top_downloaded: list[RecordUse] = field(default_factory=list)
    top_queries: list[Top] = field(default_factory=list)
    daily: list[Day] = field(default_factory=list)  # every day of the period, oldest first

    @property
    def type_totals(self) -> dict[str, int]:
        return {t: sum(row.get(t, 0) for row in self.by_status.values()) for t in TYPES}

    @property
    def records(self) -> int:
        return sum(self.type_totals.values())

    @property
    def peak(self) -> int:
        """The largest bar of the chart (for scaling; at least 1)."""
        return max([1] + [max(s.views, s.reach) for s in self.series()])

    def series(self) -> list[Span]:
        """The daily counts as a short chart: days up to a month, then weeks (90 days) or months."""
        if self.days <= 31:
            return [Span(d.day, d.day, "day", d.views, d.downloads, d.reach) for d in self.daily]
        groups: dict[Any, list[Day]] = {}
        for d in self.daily:
            if self.days <= 120:  # weeks ending today: the first one may be short
                key = (self.today - d.day).days // 7
            else:
                key = (d.day.year, d.day.month)
            groups.setdefault(key, []).append(d)
        unit = "week" if self.days <= 120 else "month"
        return [Span(ds[0].day, ds[-1].day, unit, sum(d.views for d in ds), sum(d.downloads for d in ds), sum(d.reach for d in ds))
                for ds in sorted(groups.values(), key=lambda ds: ds[0].day)]


def period(days: Any) -> int:
    """One of ``PERIODS`` (anything else: the default)."""
    return days if days in PERIODS else DEFAULT_PERIOD


class HolderStats:
    def __init__(self, session: Session):
        self.session = session

    # -- whose dashboard -------------------------------------------------------------------------
    def institution(self, identity: Identity, public_id: str | None = None) -> Institution | None:
        """The institution whose dashboard ``identity`` asks for: a publisher's own (naming
        another is refused), any one an administrator names (a merged one: where it went).
        None: an administrator without an institution who named none."""
        if not (identity.is_admin or identity.is_publisher):
            raise PermissionDenied("需要单位发布者或管理员账号 / for institution publishers and administrators")
        if public_id:
            number = Institution.parse_public_id(public_id.strip())
            if number is None:
                raise RecordNotFound(public_id)
        else:
            number = identity.institution_id
            if number is None:
                return None
        if not identity.is_admin and number != identity.institution_id:
            raise PermissionDenied("只能查看本单位的统计 / a publisher sees their own institution's figures only")
        inst = self.session.get(Institution, number)
        if inst is None and identity.is_admin:
            inst = self.session.scalar(select(Institution).join(InstitutionRedirect, InstitutionRedirect.institution_id == Institution.id)
                                       .where(InstitutionRedirect.merged_id == number).limit(1))
        if inst is None:
            raise RecordNotFound(public_id or f"{Institution.PREFIX}-{number}")
        return inst

    # -- the figures -----------------------------------------------------------------------------
    def dashboard(self, identity: Identity, institution_id: int, days: int = DEFAULT_PERIOD, today: date | None = None) -> HolderDashboard:
        if not (identity.is_admin or (identity.is_publisher and identity.institution_id == institution_id)):
            raise PermissionDenied("只能查看本单位的统计 / a publisher sees their own institution's figures only")
        inst = self.session.get(Institution, institution_id)
        if inst is None:
            raise RecordNotFound(f"{Institution.PREFIX}-{institution_id}")
        days = period(days)
        today = today or date.today()
        since = today - timedelta(days=days - 1)
        board = HolderDashboard(inst, days, since, today)
        board.by_status, board.open_edits = self._by_status(inst.id)

        held = self._held_keys(inst.id)
        own = [inst.public_id] + [f"{Institution.PREFIX}-{n}" for n in self.session.scalars(
            select(InstitutionRedirect.merged_id).where(InstitutionRedirect.institution_id == inst.id))]
        in_period = UsageCount.day.between(since, today)
        total = func.sum(UsageCount.count)

        per_day: dict[date, Counter] = {}
        for kind, keys in (("view", held), ("download", held), ("reach", own)):
            rows = self.session.execute(select(UsageCount.day, total).where(UsageCount.kind == kind, in_period, UsageCount.key.in_(keys))
                                        .group_by(UsageCount.day))
            for day, n in rows:
                per_day.setdefault(day, Counter())[kind] += int(n)
        for offset in range(days):
            d = since + timedelta(days=offset)
            c = per_day.get(d, Counter())
            board.daily.append(Day(d, c["view"], c["download"], c["reach"]))
        board.views, board.downloads, board.reach = (sum(getattr(d, f) for d in board.daily) for f in ("views", "downloads", "reach"))

        def top(kind: str) -> list[RecordUse]:
            rows = self.session.execute(select(UsageCount.key, total).where(UsageCount.kind == kind, in_period, UsageCount.key.in_(held))
                                        .group_by(UsageCount.key).order_by(total.desc(), UsageCount.key).limit(TOP))
            return self._records([(key, int(n)) for key, n in rows])

        board.top_viewed, board.top_downloaded = top("view"), top("download")
        board.top_queries = self._queries(own, in_period)
        return board

    def _by_status(self, institution_id: int) -> tuple[dict[str, dict[str, int]], int]:
        counts: dict[str, Counter] = {}
        for record_type, cls, ids in self._held_ids(institution_id):
            for status, n in self.session.execute(select(cls.status, func.count()).where(cls.id.in_(ids)).group_by(cls.status)):
                counts.setdefault(status, Counter())[record_type] += n
        # a new record waiting for approval is a draft only (an edit's record is counted above)
        drafts = select(RecordDraft.status, RecordDraft.record_type, func.count()).where(
            RecordDraft.institution_id == institution_id, RecordDraft.record_id.is_(None), RecordDraft.status.in_(OPEN_DRAFT_STATES),
            RecordDraft.record_type.in_(TYPES)).group_by(RecordDraft.status, RecordDraft.record_type)
        for status, record_type, n in self.session.execute(drafts):
            counts.setdefault(status, Counter())[record_type] += n
        edits = self.session.scalar(select(func.count()).select_from(RecordDraft).where(
            RecordDraft.institution_id == institution_id, RecordDraft.record_id.is_not(None), RecordDraft.status.in_(OPEN_DRAFT_STATES)))
        order = vocabularies.get("record_status").codes
        ranked = sorted(counts, key=lambda s: (order.index(s) if s in order else len(order), s))
        return {s: {t: counts[s][t] for t in TYPES} for s in ranked}, int(edits or 0)

    @staticmethod
    def _held_ids(institution_id: int) -> list[tuple[str, Any, Any]]:
        """(record type, model, a SELECT of the ids of the records ``institution_id`` holds)."""
        return [
            ("achievement", Achievement,
             select(AchievementInstitution.achievement_id).where(AchievementInstitution.institution_id == institution_id)),
            ("patent", Patent, select(PatentApplicant.patent_id).where(PatentApplicant.institution_id == institution_id)),
            ("instrument", Instrument, select(Instrument.id).where(Instrument.institution_id == institution_id)),
        ]

    def _held_keys(self, institution_id: int):
        """A SELECT of the public ids (usage keys) of the records the institution holds, its own included."""
        parts = [ids.with_only_columns((literal(cls.PREFIX + "-") + cast(ids.selected_columns[0], String)).label("key"))
                 for _, cls, ids in self._held_ids(institution_id)]
        parts.append(select(literal(f"{Institution.PREFIX}-{institution_id}", String).label("key")))
        return union_all(*parts)

    def _records(self, used: list[tuple[str, int]]) -> list[RecordUse]:
        """The records behind usage keys, with their titles (one query per record type)."""
        wanted: dict[Any, list[int]] = {}
        for key, _ in used:
            cls = BY_PREFIX.get(key.split("-", 1)[0])
            number = cls.parse_public_id(key) if cls else None
            if number is not None:
                wanted.setdefault(cls, []).append(number)
        found = {rec.public_id: rec for cls, ids in wanted.items() for rec in self.session.scalars(select(cls).where(cls.id.in_(ids)))}
        out = []
        for key, n in used:
            rec = found.get(key)
            out.append(RecordUse(key, rec.RECORD_TYPE if rec else None, title_of(rec) if rec else None, rec.status if rec else None, n))
        return out

    def _queries(self, own: list[str], in_period) -> list[Top]:
        """The words of the searches whose first page showed the institution's records, most frequent first."""
        total = func.sum(UsageCount.count)
        prefixes = [f"{key}|" for key in own]
        rows = self.session.execute(select(UsageCount.key, total).where(
            UsageCount.kind == "reachq", in_period, or_(*(UsageCount.key.startswith(p, autoescape=True) for p in prefixes)))
            .group_by(UsageCount.key))
        words: Counter = Counter()
        for key, n in rows:
            words[key.partition("|")[2]] += int(n)
        return [Top(word, n) for word, n in sorted(words.items(), key=lambda item: (-item[1], item[0]))[:TOP]]


__all__ = ["HolderStats", "HolderDashboard", "RecordUse", "Day", "Span", "PERIODS", "DEFAULT_PERIOD", "TYPES", "period"]
