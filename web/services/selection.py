"""The annual selection: a round per year, from nominations to the published list.

Who does what (the views only check that someone is signed in; these rules are here):

* administrators open and set up a round, add candidates, start the scoring (which checks every
  candidate again, computes the pre-scores and assigns experts), reassign, close the scoring,
  exclude or reinstate a candidate (with a reason), finalise (publish revision 1) and publish
  corrections (later revisions, with a note);
* publishers nominate their institution's published achievements and withdraw them while
  nominations are open;
* experts (the reviewer role) score what they are assigned, never a candidate held by their own
  institution, and see no other expert's score and no total until the round is closed.

Every change goes to the audit log in the same transaction. A published list is frozen
(``SelectionList``): the store refuses to change it, and a correction is a new revision."""
from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import (Achievement, AchievementInstitution, ExpertAssignment, SelectionCandidate, SelectionEntry, SelectionList,
                      SelectionRound, User)
from ..models.common import utcnow
from . import selection_scoring as scoring
from .audit import AuditLog
from .holdings import holder_ids, visible
from .identity import Identity
from .records import PermissionDenied, RecordNotFound
from .uow import IndexOp, UnitOfWork

REQUIRED_FIELDS = ("summary", "field", "trl", "level", "keywords")
SETTINGS_BEFORE_SCORING = ("quota", "auto_weight", "auto_weights", "rubric", "experts_per_candidate", "min_scores", "outlier_gap",
                           "window_start", "window_end", "nomination_opens", "nomination_closes")


class SelectionNotFound(RecordNotFound):
    """No such round, candidate or assignment, or not one this identity may see (404)."""


class SelectionError(ValueError):
    """A step the round's rules refuse; the message is for people (中文 / English), ``details``
    says more (the failed eligibility checks, the candidates short of experts)."""

    def __init__(self, code: str, message: str, details: Any = None):
        super().__init__(message)
        self.code, self.details = code, details


@dataclass(frozen=True)
class Check:
    rule: str  # published | window | required | not_selected
    ok: bool
    zh: str
    en: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "ok": self.ok, "zh": self.zh, "en": self.en}


@dataclass
class Ranked:
    """One candidate's standing once the scores are in."""

    candidate: SelectionCandidate
    auto: float
    totals: list[float]
    kept: list[bool]
    expert: float | None
    combined: float | None
    rank: int | None = None  # None: not ranked (too few expert scores)

    @property
    def ranked(self) -> bool:
        return self.rank is not None


@dataclass
class StartReport:
    checked: int = 0
    ineligible: list[int] = field(default_factory=list)
    assignments: int = 0
    experts: int = 0


def _zh_en(zh: str, en: str) -> str:
    return f"{zh} / {en}"


FIELD_NAMES = {"summary": ("成果简介", "summary"), "field": ("技术领域", "technology field"), "trl": ("技术就绪度", "TRL"),
               "level": ("成果水平", "level"), "keywords": ("关键词", "keywords")}


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def list_digest(formula: dict[str, Any], entries: list[dict[str, Any]]) -> str:
    return hashlib.sha256(canonical_json({"formula": formula, "entries": entries}).encode("utf-8")).hexdigest()


def selected_years(session: Session, achievement_ids: Iterable[int]) -> dict[int, list[int]]:
    """The years whose current (newest) list names each achievement: the search badge."""
    ids = list(achievement_ids)
    if not ids:
        return {}
    newest = select(SelectionList.year, func.max(SelectionList.revision).label("revision")).group_by(SelectionList.year).subquery()
    rows = session.execute(
        select(SelectionEntry.achievement_id, SelectionEntry.year)
        .join(SelectionList, SelectionList.id == SelectionEntry.list_id)
        .join(newest, (newest.c.year == SelectionList.year) & (newest.c.revision == SelectionList.revision))
        .where(SelectionEntry.achievement_id.in_(ids)))
    out: dict[int, list[int]] = defaultdict(list)
    for ach_id, year in rows:
        out[ach_id].append(year)
    return {k: sorted(v) for k, v in out.items()}


class SelectionService:
    def __init__(self, session: Session, audit: AuditLog, unit_of_work: Callable[[], AbstractContextManager[UnitOfWork]],
                 min_quota: int = 200, today: Callable[[], date] = date.today):
        self.session, self.audit, self.unit_of_work = session, audit, unit_of_work
        self.min_quota, self.today = min_quota, today

    # -- rounds -----------------------------------------------------------------------------
    def rounds(self) -> list[SelectionRound]:
        return list(self.session.scalars(select(SelectionRound).order_by(SelectionRound.year.desc())))

    def get_round(self, identity: Identity, year: int) -> SelectionRound:
        """A round, for those who take part in it (administrators, publishers, experts)."""
        if not (identity.is_admin or identity.is_publisher or identity.is_reviewer):
            raise SelectionNotFound(f"selection round {year}")
        rnd = self.session.scalar(select(SelectionRound).where(SelectionRound.year == year)) if 2000 <= year <= 2100 else None
        if rnd is None:
            raise SelectionNotFound(f"selection round {year}")
        return rnd

    def _admin(self, identity: Identity) -> None:
        if not identity.is_admin:
            raise PermissionDenied("只有管理员可以进行此操作 / administrators only")

    def open_round(self, identity: Identity, settings: dict[str, Any]) -> SelectionRound:
        """``settings``: what ``RoundSchema`` loaded (defaults filled in)."""
        self._admin(identity)
        if self.session.scalar(select(SelectionRound.id).where(SelectionRound.year == settings["year"])):
            raise SelectionError("round_exists", _zh_en(f"{settings['year']} 年度的遴选已经开启", f"the {settings['year']} round exists"))
        self._check_quota(settings["quota"])
        with self.unit_of_work():
            rnd = SelectionRound(**settings, status="nominating", created_by=identity.user_id)
            self.session.add(rnd)
            self.session.flush()
            self.audit.record(identity, "selection.open", f"selection:{rnd.year}", {"quota": rnd.quota})
        return rnd

    def _check_quota(self, quota: int) -> None:
        if quota < self.min_quota:
            raise SelectionError("quota_too_small", _zh_en(f"每年入选数量不少于 {self.min_quota} 项（省科技创新规划）",
                                                           f"the plan requires at least {self.min_quota} achievements a year"))

    def update_round(self, identity: Identity, year: int, changes: dict[str, Any]) -> SelectionRound:
        """Change a round's texts and dates (until it is published); its scoring rules and
        eligibility window only while nominations are open, so no score was given under others."""
        self._admin(identity)
        rnd = self.get_round(identity, year)
        if rnd.status == "published":
            raise SelectionError("published", _zh_en("榜单已发布，设置不能再改（更正请发布新版本）",
                                                     "the list is published: publish a correction instead"))
        frozen = [k for k in changes if k in SETTINGS_BEFORE_SCORING and getattr(rnd, k) != changes[k]]
        if rnd.status != "nominating" and frozen:
            raise SelectionError("settings_frozen", _zh_en(f"评分已开始，不能再改：{', '.join(frozen)}",
                                                           f"scoring has started; these can no longer change: {', '.join(frozen)}"))
        if "year" in changes and changes["year"] != rnd.year:
            raise SelectionError("year_fixed", _zh_en("年度不能修改", "a round's year cannot change"))
        if "quota" in changes:
            self._check_quota(changes["quota"])
        merged = {k: getattr(rnd, k) for k in ("window_start", "window_end", "nomination_opens", "nomination_closes", "scoring_closes",
                                              "min_scores", "experts_per_candidate")} | changes
        if not (merged["window_start"] <= merged["window_end"] and merged["nomination_opens"] <= merged["nomination_closes"]
                <= merged["scoring_closes"]):
            raise SelectionError("dates", _zh_en("日期顺序有误：提名开始 ≤ 提名截止 ≤ 评分截止，年度范围起 ≤ 止",
                                                 "dates out of order: nominations open ≤ close ≤ scoring closes; window start ≤ end"))
        if merged["min_scores"] > merged["experts_per_candidate"]:
            raise SelectionError("min_scores", _zh_en("最少评分数不能多于每项成果的专家数", "min_scores exceeds experts_per_candidate"))
        with self.unit_of_work():
            before = {k: getattr(rnd, k) for k in changes}
            for key, value in changes.items():
                if key != "year":
                    setattr(rnd, key, value)
            self.audit.record(identity, "selection.update", f"selection:{rnd.year}", {"before": before, "after": changes})
        return rnd

    # -- eligibility and nominations -----------------------------------------------------------
    def checks(self, rnd: SelectionRound, rec: Achievement) -> list[Check]:
        """The eligibility rules, each with what it found. All must pass."""
        out = [Check("published", rec.status == "published",
                     "成果已发布" if rec.status == "published" else f"成果未发布（状态：{rec.status}）",
                     "published" if rec.status == "published" else f"not published (status: {rec.status})")]
        when = rec.registered_at or (rec.published_at.date() if rec.published_at else None)
        span = f"{rnd.window_start.isoformat()} – {rnd.window_end.isoformat()}"
        if when is None:
            out.append(Check("window", False, f"没有登记日期，无法判断是否在本轮年度范围 {span} 内", f"no registration date to compare with {span}"))
        else:
            inside = rnd.window_start <= when <= rnd.window_end
            out.append(Check("window", inside, f"登记日期 {when.isoformat()} {'在' if inside else '不在'}本轮年度范围 {span} 内",
                             f"registered {when.isoformat()}, {'inside' if inside else 'outside'} {span}"))
        missing = [name for name in REQUIRED_FIELDS if getattr(rec, name) in (None, "", [])]
        if not rec.holders:
            missing.append("holders")
        names = {**FIELD_NAMES, "holders": ("完成单位", "holder")}
        out.append(Check("required", not missing,
                         "必填项齐全" if not missing else "缺少必填项：" + "、".join(names[m][0] for m in missing),
                         "required fields present" if not missing else "missing: " + ", ".join(names[m][1] for m in missing)))
        earlier = [y for y in selected_years(self.session, [rec.id]).get(rec.id, []) if y != rnd.year]
        out.append(Check("not_selected", not earlier,
                         "此前未入选" if not earlier else f"已入选 {'、'.join(map(str, earlier))} 年度榜单",
                         "not selected before" if not earlier else f"already on the {', '.join(map(str, earlier))} list"))
        return out

    def _nominated(self, rnd: SelectionRound, achievement_id: int) -> SelectionCandidate | None:
        return self.session.scalar(select(SelectionCandidate).where(SelectionCandidate.round_id == rnd.id,
                                                                    SelectionCandidate.achievement_id == achievement_id))

    def _achievement(self, public_id: str) -> Achievement:
        number = Achievement.parse_public_id(public_id)
        rec = self.session.get(Achievement, number) if number is not None else None
        if rec is None:
            raise RecordNotFound(public_id)
        return rec

    def check_achievement(self, identity: Identity, year: int, public_id: str) -> tuple[Achievement, list[Check]]:
        rnd = self.get_round(identity, year)
        rec = self._achievement(public_id)
        if not (identity.is_admin or identity.institution_id in holder_ids(rec)):
            raise RecordNotFound(public_id)
        return rec, self.checks(rnd, rec)

    def nomination_options(self, identity: Identity, year: int, limit: int = 500) -> list[tuple[Achievement, list[Check],
                                                                                                   SelectionCandidate | None]]:
        """A publisher's institution's published achievements, newest first, each with its checks
        and its candidacy in this round (if any)."""
        rnd = self.get_round(identity, year)
        if not identity.is_publisher:
            return []
        recs = self.session.scalars(
            select(Achievement).join(AchievementInstitution, AchievementInstitution.achievement_id == Achievement.id)
            .where(AchievementInstitution.institution_id == identity.institution_id, Achievement.status == "published")
            .order_by(Achievement.registered_at.desc().nulls_last(), Achievement.id.desc()).limit(limit)).unique().all()
        mine = {c.achievement_id: c for c in self.session.scalars(
            select(SelectionCandidate).where(SelectionCandidate.round_id == rnd.id,
                                             SelectionCandidate.achievement_id.in_([r.id for r in recs])))}
        return [(rec, self.checks(rnd, rec), mine.get(rec.id)) for rec in recs]

    def nominate(self, identity: Identity, year: int, public_id: str, statement: str = "") -> SelectionCandidate:
        rnd = self.get_round(identity, year)
        rec = self._achievement(public_id)
        if not visible(identity, rec):  # an unpublished record of another institution: as if there were none
            raise RecordNotFound(public_id)
        if identity.is_admin:
            source = "admin"
        elif identity.is_publisher and identity.institution_id in holder_ids(rec):
            source = "institution"
        else:
            raise PermissionDenied("只能推荐本单位的成果 / you may nominate your own institution's achievements only")
        if rnd.status != "nominating":
            raise SelectionError("nominations_closed", _zh_en("提名已结束", "nominations are closed"))
        today = self.today()
        if not identity.is_admin and not (rnd.nomination_opens <= today <= rnd.nomination_closes):
            raise SelectionError("nominations_closed", _zh_en(
                f"提名时间为 {rnd.nomination_opens.isoformat()} 至 {rnd.nomination_closes.isoformat()}",
                f"nominations run from {rnd.nomination_opens.isoformat()} to {rnd.nomination_closes.isoformat()}"))
        existing = self._nominated(rnd, rec.id)
        if existing is not None and existing.status == "nominated":
            raise SelectionError("already_nominated", _zh_en("该成果已是本轮候选成果", "already a candidate in this round"))
        checks = self.checks(rnd, rec)
        failed = [c for c in checks if not c.ok]
        if failed:
            raise SelectionError("ineligible", _zh_en("不符合推荐条件：" + "；".join(c.zh for c in failed),
                                                      "not eligible: " + "; ".join(c.en for c in failed)),
                                 [c.to_dict() for c in checks])
        statement = (statement or "").strip()[:2000]
        with self.unit_of_work():
            candidate = existing or SelectionCandidate(round_id=rnd.id, achievement_id=rec.id)
            lead = rec.lead_institution
            candidate.institution_id = identity.institution_id if source == "institution" else (lead.id if lead else None)
            candidate.source, candidate.statement, candidate.status, candidate.status_reason = source, statement, "nominated", None
            candidate.checks = [c.to_dict() for c in checks]
            candidate.auto_parts = scoring.auto_parts(rec)
            candidate.auto_score = scoring.auto_score(candidate.auto_parts, rnd.auto_weights)
            candidate.nominated_by, candidate.nominated_at = identity.user_id, utcnow()
            if existing is None:
                self.session.add(candidate)
            self.session.flush()
            self.audit.record(identity, "selection.nominate", rec.public_id, {"year": rnd.year, "candidate": candidate.id, "source": source})
        return candidate

    def get_candidate(self, identity: Identity, year: int, candidate_id: int) -> SelectionCandidate:
        rnd = self.get_round(identity, year)
        candidate = self.session.get(SelectionCandidate, candidate_id) if 0 < candidate_id < 2**31 else None
        if candidate is None or candidate.round_id != rnd.id or not self._may_see(identity, candidate):
            raise SelectionNotFound(f"candidate {candidate_id}")
        return candidate

    def _may_see(self, identity: Identity, candidate: SelectionCandidate) -> bool:
        if identity.is_admin:
            return True
        if identity.is_publisher and identity.institution_id in holder_ids(candidate.achievement):
            return True
        return any(a.expert_id == identity.user_id for a in candidate.assignments)

    def withdraw(self, identity: Identity, year: int, candidate_id: int, reason: str = "") -> SelectionCandidate:
        candidate = self.get_candidate(identity, year, candidate_id)
        if not (identity.is_admin or (identity.is_publisher and identity.institution_id in holder_ids(candidate.achievement))):
            raise SelectionNotFound(f"candidate {candidate_id}")
        if candidate.round.status != "nominating":
            raise SelectionError("nominations_closed", _zh_en("提名已结束，不能撤回（可请管理员排除）",
                                                              "nominations are closed; ask an administrator to exclude it"))
        with self.unit_of_work():
            candidate.status, candidate.status_reason = "withdrawn", (reason or "").strip()[:1000] or None
            self.audit.record(identity, "selection.withdraw", candidate.achievement.public_id, {"year": year, "candidate": candidate.id})
        return candidate

    def candidates(self, identity: Identity, year: int, status: str | None = None) -> list[SelectionCandidate]:
        """Administrators: every candidate; publishers: their institution's."""
        rnd = self.get_round(identity, year)
        query = select(SelectionCandidate).where(SelectionCandidate.round_id == rnd.id)
        if not identity.is_admin:
            if not identity.is_publisher:
                return []
            query = query.where(SelectionCandidate.achievement_id.in_(
                select(AchievementInstitution.achievement_id).where(AchievementInstitution.institution_id == identity.institution_id)))
        if status:
            query = query.where(SelectionCandidate.status == status)
        return list(self.session.scalars(query.order_by(SelectionCandidate.id)).unique())

    # -- experts ----------------------------------------------------------------------------
    def experts(self) -> list[User]:
        return list(self.session.scalars(select(User).where(User.role == "reviewer", User.active.is_(True)).order_by(User.id)))

    @staticmethod
    def conflicted(expert: User, candidate: SelectionCandidate) -> bool:
        """An expert whose institution holds the achievement (any of its 完成单位) or nominated it."""
        if expert.institution_id is None:
            return False
        return expert.institution_id in holder_ids(candidate.achievement) or expert.institution_id == candidate.institution_id

    def start_scoring(self, identity: Identity, year: int) -> StartReport:
        """Close nominations: check every candidate again (a record may have changed), compute
        the pre-scores with the round's weights, and give each eligible candidate
        ``experts_per_candidate`` experts from outside its holders, the least-loaded first."""
        self._admin(identity)
        rnd = self.get_round(identity, year)
        if rnd.status != "nominating":
            raise SelectionError("wrong_state", _zh_en("评分已经开始", "scoring has already started"))
        report = StartReport()
        experts = self.experts()
        load: Counter[int] = Counter()
        short: list[str] = []
        plan: list[tuple[SelectionCandidate, list[User]]] = []
        live = [c for c in rnd.candidates if c.status == "nominated"]
        for candidate in live:
            report.checked += 1
            checks = self.checks(rnd, candidate.achievement)
            candidate.checks = [c.to_dict() for c in checks]
            failed = [c for c in checks if not c.ok]
            if failed:
                report.ineligible.append(candidate.id)
                continue
            free = [e for e in experts if not self.conflicted(e, candidate)]
            free.sort(key=lambda e: (load[e.id], e.id))
            chosen = free[: rnd.experts_per_candidate]
            if len(chosen) < rnd.min_scores:
                short.append(candidate.achievement.public_id)
            for e in chosen:
                load[e.id] += 1
            plan.append((candidate, chosen))
        if short:
            self.session.rollback()
            raise SelectionError("too_few_experts", _zh_en(
                f"{len(short)} 项候选成果找不到 {rnd.min_scores} 位无利益冲突的专家，请先增加专家账号",
                f"{len(short)} candidates lack {rnd.min_scores} experts without a conflict of interest: add experts first"), short)
        with self.unit_of_work():
            for candidate in live:
                if candidate.id in report.ineligible:
                    failed = [c for c in candidate.checks if not c["ok"]]
                    candidate.status = "ineligible"
                    candidate.status_reason = _zh_en("；".join(c["zh"] for c in failed), "; ".join(c["en"] for c in failed))
                else:
                    candidate.auto_parts = scoring.auto_parts(candidate.achievement)
                    candidate.auto_score = scoring.auto_score(candidate.auto_parts, rnd.auto_weights)
            for candidate, chosen in plan:
                for expert in chosen:
                    self.session.add(ExpertAssignment(round_id=rnd.id, candidate_id=candidate.id, expert_id=expert.id))
                    report.assignments += 1
            report.experts = len(load)
            rnd.status, rnd.scoring_started_at = "scoring", utcnow()
            self.audit.record(identity, "selection.start_scoring", f"selection:{rnd.year}",
                              {"candidates": report.checked, "ineligible": len(report.ineligible), "assignments": report.assignments})
        return report

    def assign(self, identity: Identity, year: int, candidate_id: int, expert_id: int) -> ExpertAssignment:
        self._admin(identity)
        candidate = self.get_candidate(identity, year, candidate_id)
        if candidate.round.status != "scoring" or candidate.status != "nominated":
            raise SelectionError("wrong_state", _zh_en("只能在评分阶段为有效候选成果指派专家", "assign experts to live candidates while scoring"))
        expert = self.session.get(User, expert_id) if 0 < expert_id < 2**31 else None
        if expert is None or expert.role != "reviewer" or not expert.active:
            raise SelectionError("not_an_expert", _zh_en("该账号不是在用的评审专家", "not an active expert account"))
        if self.conflicted(expert, candidate):
            raise SelectionError("conflict_of_interest", _zh_en("该专家所在单位是成果的完成单位或推荐单位，须回避",
                                                                "the expert's institution holds or nominated this achievement"))
        if any(a.expert_id == expert.id for a in candidate.assignments):
            raise SelectionError("already_assigned", _zh_en("该专家已被指派", "already assigned"))
        with self.unit_of_work():
            assignment = ExpertAssignment(round_id=candidate.round_id, candidate_id=candidate.id, expert_id=expert.id)
            self.session.add(assignment)
            self.session.flush()
            self.audit.record(identity, "selection.assign", candidate.achievement.public_id, {"year": year, "expert": expert.id})
        return assignment

    def unassign(self, identity: Identity, year: int, assignment_id: int) -> None:
        self._admin(identity)
        rnd = self.get_round(identity, year)
        assignment = self.session.get(ExpertAssignment, assignment_id) if 0 < assignment_id < 2**31 else None
        if assignment is None or assignment.round_id != rnd.id:
            raise SelectionNotFound(f"assignment {assignment_id}")
        if rnd.status != "scoring":
            raise SelectionError("wrong_state", _zh_en("只能在评分阶段调整", "only while scoring"))
        with self.unit_of_work():
            self.audit.record(identity, "selection.unassign", assignment.candidate.achievement.public_id,
                              {"year": year, "expert": assignment.expert_id, "had_score": assignment.total is not None})
            self.session.delete(assignment)

    def assignments(self, identity: Identity, year: int) -> list[ExpertAssignment]:
        """An expert's own assignments in a round."""
        rnd = self.get_round(identity, year)
        return list(self.session.scalars(select(ExpertAssignment).where(ExpertAssignment.round_id == rnd.id,
                                                                        ExpertAssignment.expert_id == identity.user_id)
                                         .order_by(ExpertAssignment.id)))

    def get_assignment(self, identity: Identity, year: int, assignment_id: int) -> ExpertAssignment:
        rnd = self.get_round(identity, year)
        assignment = self.session.get(ExpertAssignment, assignment_id) if 0 < assignment_id < 2**31 else None
        if assignment is None or assignment.round_id != rnd.id or not (assignment.expert_id == identity.user_id or identity.is_admin):
            raise SelectionNotFound(f"assignment {assignment_id}")
        return assignment

    def score(self, identity: Identity, year: int, assignment_id: int, scores: dict[str, float], comment: str | None = None) -> ExpertAssignment:
        """An expert's rubric scores (``ScoreSchema`` checked them), changeable until scoring closes."""
        assignment = self.get_assignment(identity, year, assignment_id)
        if assignment.expert_id != identity.user_id:
            raise PermissionDenied("只有被指派的专家可以评分 / only the assigned expert scores")
        rnd = assignment.candidate.round
        if rnd.status != "scoring" or self.today() > rnd.scoring_closes:
            raise SelectionError("scoring_closed", _zh_en("评分已结束", "scoring is closed"))
        expert = self.session.get(User, identity.user_id)
        if expert is None or self.conflicted(expert, assignment.candidate):
            raise SelectionError("conflict_of_interest", _zh_en("您所在单位是该成果的完成单位或推荐单位，须回避",
                                                                "your institution holds or nominated this achievement"))
        if assignment.candidate.status != "nominated":
            raise SelectionError("not_a_candidate", _zh_en("该成果已不在候选之列", "no longer a candidate"))
        with self.unit_of_work():
            assignment.scores = {code: float(scores[code]) for code in scoring.RUBRIC}
            assignment.total = scoring.expert_total(assignment.scores, rnd.rubric)
            assignment.comment = (comment or "").strip() or None
            assignment.submitted_at = utcnow()
            self.audit.record(identity, "selection.score", assignment.candidate.achievement.public_id, {"year": year, "assignment": assignment.id})
        return assignment

    def progress(self, identity: Identity, year: int) -> dict[str, int]:
        """Counts only (no scores): what the administrator watches while experts work."""
        rnd = self.get_round(identity, year)
        by_status = dict(self.session.execute(select(SelectionCandidate.status, func.count()).where(SelectionCandidate.round_id == rnd.id)
                                              .group_by(SelectionCandidate.status)).all())
        assigned = self.session.scalar(select(func.count()).select_from(ExpertAssignment).where(ExpertAssignment.round_id == rnd.id)) or 0
        scored = self.session.scalar(select(func.count()).select_from(ExpertAssignment).where(
            ExpertAssignment.round_id == rnd.id, ExpertAssignment.submitted_at.is_not(None))) or 0
        return {"candidates": sum(by_status.values()), **{f"candidates_{k}": v for k, v in by_status.items()},
                "assignments": assigned, "scored": scored}

    def close(self, identity: Identity, year: int) -> SelectionRound:
        self._admin(identity)
        rnd = self.get_round(identity, year)
        if rnd.status != "scoring":
            raise SelectionError("wrong_state", _zh_en("只有评分中的遴选可以结束评分", "only a round in scoring can close"))
        with self.unit_of_work():
            rnd.status, rnd.closed_at = "closed", utcnow()
            self.audit.record(identity, "selection.close", f"selection:{rnd.year}", self.progress(identity, year))
        return rnd

    # -- ranking, finalisation, corrections --------------------------------------------------
    def formula(self, rnd: SelectionRound) -> scoring.Formula:
        return scoring.Formula(rnd.auto_weight, dict(rnd.auto_weights), dict(rnd.rubric), rnd.outlier_gap, rnd.min_scores)

    def ranking(self, identity: Identity, year: int) -> list[Ranked]:
        """Every live candidate with its scores, ranked ones first in rank order. Administrators
        only, and only once the round is closed (before that, nobody sees totals)."""
        self._admin(identity)
        rnd = self.get_round(identity, year)
        if rnd.status not in ("closed", "published"):
            raise SelectionError("not_closed", _zh_en("评分结束后才能查看排名", "the ranking is shown once scoring closes"))
        return self._rank(rnd)

    def _rank(self, rnd: SelectionRound) -> list[Ranked]:
        f = self.formula(rnd)
        out: list[Ranked] = []
        for candidate in rnd.candidates:
            # a record withdrawn by its holder after scoring began is not ranked (nor listed)
            if candidate.status != "nominated" or candidate.achievement.status != "published":
                continue
            totals = [a.total for a in candidate.assignments if a.total is not None]
            kept = scoring.kept_totals(totals, f.outlier_gap)
            auto = candidate.auto_score or 0.0
            expert = scoring.expert_score(totals, f.outlier_gap) if len(totals) >= f.min_scores else None
            combined = scoring.combined_score(auto, expert, f.auto_weight) if expert is not None else None
            out.append(Ranked(candidate, auto, totals, kept, expert, combined))
        ranked = sorted((r for r in out if r.combined is not None),
                        key=lambda r: scoring.order_key(r.combined, r.expert, r.auto, r.candidate.achievement_id))  # type: ignore[arg-type]
        for i, r in enumerate(ranked, 1):
            r.rank = i
        return ranked + sorted((r for r in out if r.combined is None), key=lambda r: r.candidate.id)

    def exclude(self, identity: Identity, year: int, candidate_id: int, reason: str, reinstate: bool = False) -> SelectionCandidate:
        """Take a candidate off the ranking (or put it back), with a reason everyone will read
        when a correction is published."""
        self._admin(identity)
        candidate = self.get_candidate(identity, year, candidate_id)
        reason = (reason or "").strip()
        if not reason:
            raise SelectionError("reason_required", _zh_en("请说明原因", "say why"))
        if candidate.round.status not in ("closed", "published"):
            raise SelectionError("wrong_state", _zh_en("评分结束后才能排除或恢复候选成果", "exclude or reinstate once scoring closes"))
        if candidate.status != ("excluded" if reinstate else "nominated"):
            raise SelectionError("wrong_state", _zh_en("该候选成果的状态不允许此操作", "not possible in the candidate's state"))
        with self.unit_of_work():
            candidate.status, candidate.status_reason = ("nominated", None) if reinstate else ("excluded", reason[:1000])
            self.audit.record(identity, "selection.reinstate" if reinstate else "selection.exclude", candidate.achievement.public_id,
                              {"year": year, "candidate": candidate.id, "reason": reason[:1000]})
        return candidate

    def _entries(self, rnd: SelectionRound, ranked: list[Ranked]) -> list[dict[str, Any]]:
        entries = []
        for r in ranked:
            c, rec = r.candidate, r.candidate.achievement
            lead = rec.lead_institution
            scored = [a for a in c.assignments if a.total is not None]
            entries.append({
                "rank": r.rank, "achievement": rec.public_id, "achievement_id": rec.id, "title": rec.title, "title_en": rec.title_en,
                "holders": [{"id": i.public_id, "name": i.name} for i in rec.institutions],
                "nominated_by": c.institution.name if c.institution else None, "source": c.source,
                "city": lead.city if lead else None, "field": rec.field, "level": rec.level, "trl": rec.trl,
                "registered_at": rec.registered_at.isoformat() if rec.registered_at else None,
                "statement": c.statement, "highlights": highlights(rec, c.auto_parts),
                "auto_parts": c.auto_parts, "auto": r.auto,
                # experts are not named on a public list; their scores are, in a fixed order
                "expert_scores": [{"scores": a.scores, "total": a.total, "kept": keep}
                                  for a, keep in zip(scored, scoring.kept_totals([a.total for a in scored], rnd.outlier_gap))],
                "expert": r.expert, "combined": r.combined,
            })
        return entries

    def _publish(self, identity: Identity, rnd: SelectionRound, note: str | None) -> SelectionList:
        ranked = [r for r in self._rank(rnd) if r.ranked]
        if len(ranked) < rnd.quota:
            raise SelectionError("below_quota", _zh_en(
                f"只有 {len(ranked)} 项候选成果获得足够的专家评分（至少 {rnd.min_scores} 份），少于入选名额 {rnd.quota} 项，不能定稿",
                f"only {len(ranked)} candidates have enough expert scores (at least {rnd.min_scores}); the quota is {rnd.quota}: "
                "the list cannot be finalised"), {"ranked": len(ranked), "quota": rnd.quota})
        chosen = ranked[: rnd.quota]
        formula = self.formula(rnd).to_dict()
        entries = self._entries(rnd, chosen)
        revision = (self.session.scalar(select(func.max(SelectionList.revision)).where(SelectionList.year == rnd.year)) or 0) + 1
        previous = {e.achievement_id for e in self._current_entries(rnd.year)} if revision > 1 else set()
        with self.unit_of_work() as uow:
            listing = SelectionList(round_id=rnd.id, year=rnd.year, revision=revision, title=rnd.title, title_en=rnd.title_en, note=note,
                                    formula=formula, entries=entries, entry_count=len(entries), digest=list_digest(formula, entries),
                                    published_by=identity.label[:254])
            self.session.add(listing)
            self.session.flush()
            for e in entries:
                self.session.add(SelectionEntry(list_id=listing.id, rank=e["rank"], achievement_id=e["achievement_id"], year=rnd.year,
                                                combined=e["combined"]))
            if revision == 1:
                rnd.status, rnd.published_at = "published", listing.published_at
            self.audit.record(identity, "selection.publish", f"selection:{rnd.year}",
                              {"revision": revision, "entries": len(entries), "digest": listing.digest, "note": note})
            # the badge in search: every achievement that joined or left the list is indexed again
            changed = {e["achievement_id"] for e in entries} ^ previous
            uow.register(IndexOp(list(self.session.scalars(select(Achievement).where(Achievement.id.in_(changed))))))
        return listing

    def finalise(self, identity: Identity, year: int) -> SelectionList:
        """Publish the list: the top ``quota`` of the ranking. Refused below the quota."""
        self._admin(identity)
        rnd = self.get_round(identity, year)
        if rnd.status != "closed":
            raise SelectionError("wrong_state", _zh_en("评分结束后才能定稿；已发布的榜单只能发布更正版本",
                                                       "finalise once scoring is closed; a published list takes corrections"))
        return self._publish(identity, rnd, None)

    def correct(self, identity: Identity, year: int, note: str) -> SelectionList:
        """A new revision from today's ranking (after exclusions or reinstatements), with a note
        that says why. Earlier revisions stay as they were, and public."""
        self._admin(identity)
        rnd = self.get_round(identity, year)
        note = (note or "").strip()
        if rnd.status != "published":
            raise SelectionError("wrong_state", _zh_en("榜单发布后才能更正", "only a published list takes corrections"))
        if not note:
            raise SelectionError("note_required", _zh_en("请说明更正的原因，它会与新版本一起公开", "say why: the note is published with it"))
        return self._publish(identity, rnd, note[:2000])

    # -- published lists (public) -------------------------------------------------------------
    def latest(self) -> SelectionList | None:
        """The newest revision of the newest year's list: what the home page features."""
        return self.session.scalars(select(SelectionList).order_by(SelectionList.year.desc(), SelectionList.revision.desc())
                                    .limit(1)).first()

    def lists(self) -> list[SelectionList]:
        """The newest revision of every year's list, newest year first."""
        newest = select(SelectionList.year, func.max(SelectionList.revision).label("revision")).group_by(SelectionList.year).subquery()
        return list(self.session.scalars(select(SelectionList).join(
            newest, (newest.c.year == SelectionList.year) & (newest.c.revision == SelectionList.revision)).order_by(SelectionList.year.desc())))

    def published(self, year: int, revision: int | None = None) -> SelectionList:
        query = select(SelectionList).where(SelectionList.year == year)
        query = query.where(SelectionList.revision == revision) if revision else query.order_by(SelectionList.revision.desc())
        listing = self.session.scalars(query.limit(1)).first() if 2000 <= year <= 2100 and (revision is None or 0 < revision < 10_000) else None
        if listing is None:
            raise SelectionNotFound(f"selection list {year}" + (f" r{revision}" if revision else ""))
        return listing

    def recent_revisions(self, limit: int = 50) -> list[SelectionList]:
        """Every revision of every list, newest first: the feed."""
        return list(self.session.scalars(select(SelectionList).order_by(SelectionList.published_at.desc(), SelectionList.id.desc())
                                         .limit(limit)))

    def revisions(self, year: int) -> list[SelectionList]:
        return list(self.session.scalars(select(SelectionList).where(SelectionList.year == year).order_by(SelectionList.revision)))

    def _current_entries(self, year: int) -> list[SelectionEntry]:
        try:
            listing = self.published(year)
        except SelectionNotFound:
            return []
        return list(self.session.scalars(select(SelectionEntry).where(SelectionEntry.list_id == listing.id)))


def highlights(rec: Achievement, parts: dict[str, float]) -> list[dict[str, Any]]:
    """Why the record stands out, as data the pages phrase in either language."""
    out: list[dict[str, Any]] = []
    if rec.level in ("intl_leading", "intl_advanced", "domestic_leading"):
        out.append({"code": "level", "value": rec.level})
    if rec.trl and rec.trl >= 6:
        out.append({"code": "trl", "value": rec.trl})
    inventions = sum(1 for i in rec.ip or [] if (i or {}).get("type") == "invention_patent")
    if inventions:
        out.append({"code": "invention_patents", "value": inventions})
    if rec.transfer_modes:
        out.append({"code": "transfer_modes", "value": list(rec.transfer_modes)})
    if parts.get("completeness", 0) >= 90:
        out.append({"code": "complete", "value": parts["completeness"]})
    return out


__all__ = ["SelectionService", "SelectionError", "SelectionNotFound", "Check", "Ranked", "StartReport", "selected_years",
           "list_digest", "canonical_json", "highlights"]
