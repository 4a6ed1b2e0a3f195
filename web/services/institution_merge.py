"""Merging a duplicate institution into another, with everything that refers to it.

``plan`` says what would move (the preview an administrator confirms); ``merge`` does it in one
transaction (a unit of work), recomputing the plan inside it, so what is audited is what moved:

* achievements: the duplicate's holder rows (完成单位) point at the target and keep their
  positions; where both were holders of one achievement, the target keeps the earlier of the
  two places (so a lead holder stays the lead) and the other row goes: one holder, never two.
  Keys built from the lead holder's name (title + holder) are rebuilt with the target's name;
* patents: applicant rows likewise (their name becomes the target's);
* instruments: their institution, and their natural key (institution + asset number);
* accounts: publishers of the duplicate now publish for the target; drafts follow too;
* any other column that references ``institutions.id`` (found in the models' metadata, so a
  table added later is not forgotten) is pointed at the target;
* the duplicate's name becomes an alias of the target and an ``InstitutionRedirect`` (as do the
  names merged into the duplicate earlier), so later imports under that name land on the target
  (``institution_redirects``); the target's empty fields are filled from the duplicate's;
* the duplicate's row is deleted; it leaves the index, and the target (its record counts) and
  every moved record (their holders) are indexed again through the unit of work's outbox;
* one ``institution.merge`` event lists every moved record, account and draft, and each moved
  account gets its own ``user.update`` event.

A merge that cannot be done cleanly is refused with the reasons (``MergeRefused``): the two are
one institution, two instruments would share an asset number, two achievements without
identifiers would share title and lead holder, or the duplicate itself has an edit under review."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, delete, func, select, tuple_, update
from sqlalchemy.orm import Session

from .. import normalize
from ..extensions import db
from ..models import (
    OPEN_DRAFT_STATES, Achievement, AchievementInstitution, Institution, InstitutionRedirect, Instrument, Patent, PatentApplicant,
    Inquiry, ListingFeedback, NeedMatch, RecordDraft, SelectionCandidate, User,
)
from ..models.common import utcnow
from .audit import AuditLog
from .identity import Identity
from .records import PermissionDenied, RecordNotFound
from .uow import DeleteFromIndexOp, IndexOp, UnitOfWork

# the target's empty fields are filled from the duplicate's
FILLED_FIELDS = ("name_en", "type", "city", "credit_code", "address", "description", "website", "contact_name", "contact_phone",
                 "contact_email")
# columns referencing institutions.id that the merge moves itself, each in its own way
HANDLED = frozenset({
    ("achievement_institutions", "institution_id"), ("patent_applicants", "institution_id"), ("instruments", "institution_id"),
    ("users", "institution_id"), ("record_drafts", "institution_id"), ("institution_redirects", "institution_id"),
    # the institution that nominated a candidate of the annual selection: the merged one nominated
    # it (conflicts of interest follow); the names frozen in published lists stay as they were
    ("selection_candidates", "institution_id"),
    # inquiries and feedback addressed to the duplicate belong to the merged institution: its
    # publishers now answer them (neither table has a constraint the move could break)
    ("inquiries", "holder_institution_id"), ("listing_feedback", "holder_institution_id"),
    # needs matched to the duplicate's records are the merged institution's; a match both had once
    # (a record they held together) is kept once
    ("need_matches", "institution_id"),
})


class MergeRefused(Exception):
    """The merge cannot be done as asked; ``reasons`` say why (中文 / English)."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass
class MergePlan:
    source: Institution  # the duplicate: it goes
    target: Institution  # it stays and takes everything
    achievements: list[Achievement] = field(default_factory=list)  # held by the source
    shared_achievements: list[int] = field(default_factory=list)  # of those, also held by the target
    patents: list[Patent] = field(default_factory=list)
    shared_patents: list[int] = field(default_factory=list)
    instruments: list[Instrument] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    drafts: list[RecordDraft] = field(default_factory=list)
    redirects: list[InstitutionRedirect] = field(default_factory=list)  # names merged into the source before
    other: dict[str, int] = field(default_factory=dict)  # "table.column" -> rows, for columns not in HANDLED
    filled: dict[str, Any] = field(default_factory=dict)  # target fields that take the source's value
    problems: list[str] = field(default_factory=list)  # why the merge cannot go ahead
    warnings: list[str] = field(default_factory=list)  # worth a second look, but no obstacle

    @property
    def counts(self) -> dict[str, int]:
        return {"achievements": len(self.achievements), "patents": len(self.patents), "instruments": len(self.instruments),
                "users": len(self.users), "drafts": len(self.drafts)}

    def moved(self) -> dict[str, Any]:
        """What moved, by id: the audit event's details."""
        return {
            "achievements": [r.public_id for r in self.achievements],
            "patents": [r.public_id for r in self.patents],
            "instruments": [r.public_id for r in self.instruments],
            "users": [u.id for u in self.users],
            "drafts": [d.id for d in self.drafts],
            "names": [r.name for r in self.redirects],
            **({"other": self.other} if self.other else {}),
        }


def referencing_columns() -> list[Column]:
    """Every column of the models that references ``institutions.id``."""
    return [fk.parent for table in db.metadata.sorted_tables for fk in table.foreign_keys
            if fk.column.table.name == "institutions" and fk.column.name == "id"]


def _earlier_first(rows: Iterable[Any]) -> list[Any]:
    return sorted(rows, key=lambda r: r.position)


class InstitutionMerge:
    def __init__(self, session: Session, audit: AuditLog, unit_of_work: Callable[[], AbstractContextManager[UnitOfWork]]):
        self.session, self.audit, self.unit_of_work = session, audit, unit_of_work

    def institution(self, public_id: str) -> Institution:
        number = Institution.parse_public_id(public_id or "")
        inst = self.session.get(Institution, number) if number is not None and number < 2**31 else None
        if inst is None:
            raise RecordNotFound(public_id)
        return inst

    # -- the preview --------------------------------------------------------------------------
    def plan(self, actor: Identity, source: Institution, target: Institution) -> MergePlan:
        if not actor.is_admin:
            raise PermissionDenied("只有管理员可以合并单位 / only administrators merge institutions")
        plan = MergePlan(source, target)
        if source.id == target.id:
            plan.problems.append("不能把单位合并到它自己 / an institution cannot be merged into itself")
            return plan
        s = self.session
        with s.no_autoflush:
            held = select(AchievementInstitution.achievement_id).where(AchievementInstitution.institution_id == source.id)
            plan.achievements = list(s.scalars(select(Achievement).where(Achievement.id.in_(held)).order_by(Achievement.id)))
            applied = select(PatentApplicant.patent_id).where(PatentApplicant.institution_id == source.id)
            plan.patents = list(s.scalars(select(Patent).where(Patent.id.in_(applied)).order_by(Patent.id)))
            plan.instruments = list(s.scalars(select(Instrument).where(Instrument.institution_id == source.id).order_by(Instrument.id)))
            plan.users = list(s.scalars(select(User).where(User.institution_id == source.id).order_by(User.id)))
            plan.drafts = list(s.scalars(select(RecordDraft).where(RecordDraft.institution_id == source.id).order_by(RecordDraft.id)))
            plan.redirects = list(s.scalars(select(InstitutionRedirect).where(InstitutionRedirect.institution_id == source.id)))
            plan.shared_achievements = [r.id for r in plan.achievements if any(h.institution_id == target.id for h in r.holders)]
            plan.shared_patents = [r.id for r in plan.patents if any(a.institution_id == target.id for a in r.applicants)]
            for column in referencing_columns():
                if (column.table.name, column.name) not in HANDLED:
                    n = s.scalar(select(func.count()).select_from(column.table).where(column == source.id)) or 0
                    if n:
                        plan.other[f"{column.table.name}.{column.name}"] = n
            plan.filled = {name: getattr(source, name) for name in FILLED_FIELDS
                           if getattr(source, name) not in (None, "") and getattr(target, name) in (None, "")}
            self._find_problems(plan)
        return plan

    def _find_problems(self, plan: MergePlan) -> None:
        source, target = plan.source, plan.target
        if source.credit_code and target.credit_code and source.credit_code != target.credit_code:
            plan.warnings.append(f"两个单位的统一社会信用代码不同（{source.credit_code} / {target.credit_code}），可能并非同一单位 / the "
                                 "two have different credit codes and may be different organisations")
        assets = {i.asset_no for i in plan.instruments if i.asset_no}
        if assets:
            clashes = self.session.scalars(select(Instrument).where(Instrument.institution_id == target.id, Instrument.asset_no.in_(assets)))
            for ins in clashes:
                plan.problems.append(f"两个单位都有资产编号为 {ins.asset_no} 的仪器（{ins.public_id}），请先删除重复的一条 / both hold an "
                                     f"instrument with asset number {ins.asset_no} ({ins.public_id}): delete the duplicate first")
        for ach, other in self._achievement_clashes(plan):
            plan.problems.append(f"成果 {ach.public_id} 与 {other.public_id} 名称相同、均无登记号，合并后将成为重复记录，请先删除其一 / "
                                 f"{ach.public_id} and {other.public_id} share a title and have no identifiers: they would be "
                                 "duplicates, so delete one first")
        open_edits = self.session.scalars(select(RecordDraft.id).where(
            RecordDraft.record_type == "institution", RecordDraft.record_id == source.id, RecordDraft.status.in_(OPEN_DRAFT_STATES))).all()
        if open_edits:
            plan.problems.append(f"该单位自身有未完成的修改稿（{', '.join(f'#{d}' for d in open_edits)}），请先审核或放弃 / the "
                                 "institution itself has an edit in the review workflow: approve or discard it first")

    def _achievement_clashes(self, plan: MergePlan) -> list[tuple[Achievement, Achievement]]:
        """Achievements without identifiers led by the source whose rebuilt key (title + the
        target's name) is taken: the store keeps one row per such key."""
        rekeyed = {}
        for ach in plan.achievements:
            if ach.registration_no is None and ach.external_id is None and self._lead_after(ach, plan) is plan.target:
                rekeyed[normalize.title_key(ach.title, plan.target.name)] = ach
        if not rekeyed:
            return []
        moving = {a.id for a in plan.achievements}
        taken = self.session.scalars(select(Achievement).where(
            Achievement.natural_key.in_(list(rekeyed)), Achievement.registration_no.is_(None), Achievement.external_id.is_(None)))
        return [(rekeyed[o.natural_key], o) for o in taken if o.id not in moving]

    @staticmethod
    def _lead_after(ach: Achievement, plan: MergePlan) -> Institution | None:
        holders = _earlier_first(ach.holders)
        if not holders:
            return None
        first = holders[0].institution
        return plan.target if first is plan.source or first.id == plan.source.id else first

    # -- the merge ------------------------------------------------------------------------------
    def merge(self, actor: Identity, source_id: str, target_id: str) -> MergePlan:
        """Merge ``source_id`` into ``target_id`` (public ids), in one transaction."""
        with self.unit_of_work() as uow:
            source, target = self.institution(source_id), self.institution(target_id)
            plan = self.plan(actor, source, target)
            if plan.problems:
                raise MergeRefused(plan.problems)
            now = utcnow()
            with self.session.no_autoflush:
                for ach in plan.achievements:
                    self._move_holders(ach.holders, source, target, lambda row: None)
                    if self._lead_after(ach, plan) is target:
                        ach.natural_key = normalize.title_key(ach.title, target.name)
                    ach.updated_at = now  # a new revision: the index takes the new holders
                for pat in plan.patents:
                    self._move_holders(pat.applicants, source, target, lambda row: setattr(row, "name", target.name))
                    pat.updated_at = now
                for ins in plan.instruments:
                    ins.institution = target
                    if ins.natural_key:
                        ins.natural_key = f"{target.name_key}|{ins.natural_key.partition('|')[2]}"
                    ins.updated_at = now
                for user in plan.users:
                    user.institution = target
                    self.audit.record(actor, "user.update", f"user:{user.id}", {
                        "before": {"institution_id": source.id}, "after": {"institution_id": target.id}, "reason": "institution.merge"})
                for draft in plan.drafts:
                    draft.institution_id = target.id
                for redirect in plan.redirects:
                    redirect.institution_id = target.id
                self.session.execute(update(SelectionCandidate).where(SelectionCandidate.institution_id == source.id)
                                     .values(institution_id=target.id))
                for model in (Inquiry, ListingFeedback):
                    self.session.execute(update(model).where(model.holder_institution_id == source.id)
                                         .values(holder_institution_id=target.id))
                kept = select(NeedMatch.need_id, NeedMatch.record_id).where(NeedMatch.institution_id == target.id)
                self.session.execute(delete(NeedMatch).where(NeedMatch.institution_id == source.id,
                                                             tuple_(NeedMatch.need_id, NeedMatch.record_id).in_(kept)))
                self.session.execute(update(NeedMatch).where(NeedMatch.institution_id == source.id).values(institution_id=target.id))
            for column in referencing_columns():
                if (column.table.name, column.name) not in HANDLED:
                    self.session.execute(update(column.table).where(column == source.id).values({column.name: target.id}))
            self._take_over(plan, now)
            uow.register(IndexOp([target, *plan.achievements, *plan.patents, *plan.instruments]))
            uow.register(DeleteFromIndexOp(source.INDEX, source.public_id, source.revision_id + 1))
            self.audit.record(actor, "institution.merge", target.public_id, {
                "source": {"id": source.public_id, "name": source.name}, "target": {"id": target.public_id, "name": target.name},
                "moved": plan.moved(), "duplicate_holders_dropped": {
                    "achievements": [f"ach-{i}" for i in plan.shared_achievements], "patents": [f"pat-{i}" for i in plan.shared_patents]},
                "filled": plan.filled,
            }, summary=f"{source.public_id} {source.name} → {target.public_id} {target.name}")
        return plan

    def _move_holders(self, rows: list[Any], source: Institution, target: Institution, rename: Callable[[Any], None]) -> None:
        """Holder (or applicant) rows of one record: the source's become the target's; if the
        target was there too, it keeps the earliest place and the others go."""
        mine = [r for r in rows if r.institution_id == source.id]
        theirs = [r for r in rows if r.institution_id == target.id]
        keep = _earlier_first(mine + theirs)[0]
        for row in mine + theirs:
            if row is not keep:
                rows.remove(row)  # delete-orphan: the row goes
        keep.institution = target
        rename(keep)

    def _take_over(self, plan: MergePlan, now: Any) -> None:
        """The target takes the source's name (as an alias and a redirect) and fills its empty
        fields from the source; then the source's row goes."""
        source, target, s = plan.source, plan.target, self.session
        names = [source.name, *(source.aliases or []), *(r.name for r in plan.redirects)]
        target.aliases = list(dict.fromkeys(a for a in [*(target.aliases or []), *names] if a and a != target.name))
        credit_code = plan.filled.get("credit_code")
        source.credit_code = None  # unique: free it before the target takes it
        s.flush()  # the moves, and the freed credit code, before the source's row goes
        for name, value in plan.filled.items():
            setattr(target, name, value if name != "credit_code" else credit_code)
        target.updated_at = now
        existing = s.get(InstitutionRedirect, source.name_key)  # a name once merged away and used again
        if existing is not None:
            existing.institution_id, existing.name, existing.merged_id = target.id, source.name, source.id
        else:
            s.add(InstitutionRedirect(name_key=source.name_key, name=source.name, institution_id=target.id, merged_id=source.id))
        s.delete(source)


__all__ = ["InstitutionMerge", "MergePlan", "MergeRefused", "referencing_columns", "HANDLED"]
