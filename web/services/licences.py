"""Open-licence applications: apply on the declared terms, the holder grants or refuses, the
applicant may withdraw. Identity first; every state change audited.

A patent can be applied for only while it is published, in force (or pending) and under an
open-licence declaration that has not been withdrawn; otherwise the refusal names the reason."""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import LicenceApplication, Patent, PatentApplicant, User
from ..models.common import utcnow
from .audit import AuditLog
from .identity import Identity
from .records import holder_ids

APPLICABLE_STATUS = (None, "in_force", "pending")
OWN_PATENT = "不能申请本单位专利的许可 / a patent your institution holds cannot be licensed to you"
MAX_YEARS = 20  # an invention patent's whole term


class LicenceError(ValueError):
    """An application that cannot be made or changed; the message says why (zh / en)."""

    def __init__(self, message: str, code: str = "invalid_application", field: str | None = None):
        super().__init__(message)
        self.code, self.field = code, field


def why_not_applicable(patent: Patent) -> LicenceError | None:
    """Why this patent cannot be licensed on the platform now, or None."""
    ol = patent.open_licence or {}
    if patent.status != "published":
        return LicenceError("该专利未发布 / this patent is not published", "not_published")
    if not ol.get("declared_at"):
        return LicenceError("该专利没有开放许可声明 / this patent has no open-licence declaration", "no_declaration")
    if ol.get("withdrawn_at"):
        return LicenceError(f"开放许可声明已于 {ol['withdrawn_at']} 撤回 / the open-licence declaration was withdrawn on {ol['withdrawn_at']}",
                            "declaration_withdrawn")
    if patent.legal_status not in APPLICABLE_STATUS:
        return LicenceError(f"专利权已不在有效状态（{patent.legal_status}）/ the patent is no longer in force ({patent.legal_status})",
                            "patent_not_in_force")
    return None


PATENT_YEARS = {"invention": 20, "utility": 10, "design": 15}  # the terms of protection (Patent Law art. 42)
TERM_YEARS = re.compile(r"(\d{1,2})\s*(?:年|years?)", re.I)
TERM_MONTHS = re.compile(r"(\d{1,3})\s*(?:个月|months?)", re.I)


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def term_end(patent: Patent, start: date) -> date:
    """The last day of a licence from ``start`` on the declared term ("3年", "18个月"); "until the
    patent expires" (or no term) ends with the patent's protection, at most ``MAX_YEARS`` away.
    The apply form and the API start from it; the company may shorten it."""
    term = str((patent.open_licence or {}).get("term") or "")
    longest = _years_later(start, MAX_YEARS) - timedelta(days=1)
    if m := TERM_YEARS.search(term):
        return min(_years_later(start, max(1, int(m.group(1)))) - timedelta(days=1), longest)
    if m := TERM_MONTHS.search(term):
        months = start.month - 1 + max(1, int(m.group(1)))
        later = _years_later(start.replace(day=min(start.day, 28)), months // 12).replace(month=months % 12 + 1)
        return min(later - timedelta(days=1), longest)
    if patent.filed_at is not None:
        expiry = _years_later(patent.filed_at, PATENT_YEARS.get(patent.kind or "", 20)) - timedelta(days=1)
        if expiry > start:
            return min(expiry, longest)
    return _years_later(start, 1) - timedelta(days=1)


class LicenceService:
    def __init__(self, session: Session, audit: AuditLog):
        self.session = session
        self.audit = audit

    def get(self, identity: Identity, application_id: int) -> LicenceApplication:
        """The applicant's or the patent holder's application; anyone else: LookupError."""
        app = self.session.get(LicenceApplication, application_id) if 1 <= application_id <= 2**31 - 1 else None
        if app is None or not (self._is_applicant(identity, app) or self._is_holder(identity, app)):
            raise LookupError(f"no application {application_id}")
        return app

    def granted_count(self, patent_ids: list[int]) -> dict[int, int]:
        """Licences granted on the platform, per patent (the record pages show it)."""
        rows = self.session.execute(select(LicenceApplication.patent_id, func.count()).where(
            LicenceApplication.patent_id.in_(patent_ids), LicenceApplication.status == "granted").group_by(LicenceApplication.patent_id))
        return {pid: n for pid, n in rows}

    def apply(self, identity: Identity, patent_id: int, data: dict[str, Any], today: date | None = None) -> LicenceApplication:
        uid = self._uid(identity)
        patent = self.session.get(Patent, patent_id)
        if patent is None:
            raise LookupError(f"no patent {patent_id}")
        if self.holds(identity, patent):  # a licence is taken from the holder, not by it
            raise PermissionError(OWN_PATENT)
        if (refusal := why_not_applicable(patent)) is not None:
            raise refusal
        licensee = str(data.get("licensee") or "").strip()
        if not licensee:
            raise LicenceError("请填写被许可单位 / name the company that takes the licence", field="licensee")
        today = today or date.today()
        start, end = data.get("start_date") or today, data.get("end_date")
        if not isinstance(start, date) or not isinstance(end, date):
            raise LicenceError("请填写许可期限 / give the licence's start and end dates", field="end_date")
        if start < today:
            raise LicenceError("许可不能从过去开始 / a licence cannot start in the past", field="start_date")
        if end <= start or end > start + timedelta(days=366 * MAX_YEARS):
            raise LicenceError(f"许可期限须在一天到 {MAX_YEARS} 年之间 / the term must be a day to {MAX_YEARS} years", field="end_date")
        pending = self.session.scalar(select(func.count()).select_from(LicenceApplication).where(
            LicenceApplication.patent_id == patent.id, LicenceApplication.applicant_id == uid, LicenceApplication.status == "applied"))
        if pending:
            raise LicenceError("您已申请过此专利的许可，正在等待确认 / you have an application for this patent waiting",
                               "duplicate_application")
        ol = patent.open_licence or {}
        terms = {k: ol.get(k) for k in ("declared_at", "payment", "fee", "royalty_rate", "terms", "term") if ol.get(k) not in (None, "")}
        app = LicenceApplication(patent_id=patent.id, applicant_id=uid, licensee=licensee[:200], scope=(str(data.get("scope") or "")[:4000] or None),
                                 start_date=start, end_date=end, terms={k: str(v) if isinstance(v, date) else v for k, v in terms.items()},
                                 fee=ol.get("fee"), status="applied")
        self.session.add(app)
        self.session.flush()
        self.audit.record(identity, "licence.apply", f"licence:{app.id}", {"patent": patent.public_id, "licensee": app.licensee})
        self.session.commit()
        return app

    def grant(self, identity: Identity, application_id: int, note: str | None = None) -> LicenceApplication:
        app = self._as_holder(identity, application_id)
        if (refusal := why_not_applicable(app.patent)) is not None:  # withdrawn since the application
            raise refusal
        return self._decide(identity, app, "granted", "licence.grant", note)

    def refuse(self, identity: Identity, application_id: int, note: str) -> LicenceApplication:
        if not (note or "").strip():
            raise LicenceError("请说明理由 / say why", field="note")
        return self._decide(identity, self._as_holder(identity, application_id), "refused", "licence.refuse", note)

    def withdraw(self, identity: Identity, application_id: int) -> LicenceApplication:
        app = self.get(identity, application_id)
        if not self._is_applicant(identity, app) or app.status != "applied":
            raise LicenceError("只能撤回待确认的申请 / only a waiting application can be withdrawn", "invalid_state")
        app.status = "withdrawn"
        self.audit.record(identity, "licence.withdraw", f"licence:{app.id}")
        self.session.commit()
        return app

    # -- what the pages, the API and the mails ask (reads only) -------------------------------------
    def mine(self, identity: Identity, status: str | None = None, limit: int = 200) -> list[LicenceApplication]:
        """The applications ``identity`` made, newest first."""
        if identity.user_id is None:
            return []
        query = select(LicenceApplication).where(LicenceApplication.applicant_id == identity.user_id)
        if status:
            query = query.where(LicenceApplication.status == status)
        return list(self.session.scalars(query.order_by(LicenceApplication.id.desc()).limit(limit)))

    def incoming(self, identity: Identity, status: str | None = None, limit: int = 200) -> list[LicenceApplication]:
        """Applications for patents ``identity`` decides on (its institution's; every one for
        administrators), waiting ones first, then newest first."""
        if not (identity.is_admin or identity.is_publisher):
            return []
        query = select(LicenceApplication)
        if not identity.is_admin:
            query = query.where(LicenceApplication.patent_id.in_(
                select(PatentApplicant.patent_id).where(PatentApplicant.institution_id == identity.institution_id)))
        if status:
            query = query.where(LicenceApplication.status == status)
        query = query.order_by((LicenceApplication.status == "applied").desc(), LicenceApplication.id.desc()).limit(limit)
        return list(self.session.scalars(query))

    def waiting(self, identity: Identity, patent_id: int) -> LicenceApplication | None:
        """The caller's application for this patent that waits for the holder, if any."""
        if identity.user_id is None:
            return None
        return self.session.scalar(select(LicenceApplication).where(
            LicenceApplication.patent_id == patent_id, LicenceApplication.applicant_id == identity.user_id,
            LicenceApplication.status == "applied").limit(1))

    def waiting_count(self, patent_id: int) -> int:
        """Applications for this patent that wait for the holder (the holder's panel shows it)."""
        return self.session.scalar(select(func.count()).select_from(LicenceApplication).where(
            LicenceApplication.patent_id == patent_id, LicenceApplication.status == "applied")) or 0

    @staticmethod
    def holds(identity: Identity, patent: Patent) -> bool:
        """Whether ``identity`` decides on this patent's applications (its holder's publishers, administrators)."""
        return identity.acts_for_any(holder_ids(patent))

    def publishers_of(self, patent: Patent) -> list[User]:
        """The active publishers of the patent's holder institutions: whom a new application is mailed to."""
        holders = holder_ids(patent)
        if not holders:
            return []
        return list(self.session.scalars(select(User).where(User.role == "publisher", User.active.is_(True),
                                                            User.institution_id.in_(holders)).order_by(User.id)))

    def _decide(self, identity: Identity, app: LicenceApplication, status: str, action: str, note: str | None) -> LicenceApplication:
        app.status, app.decided_by, app.decided_at = status, identity.user_id, utcnow()
        app.holder_note = (note or "")[:4000] or None
        self.audit.record(identity, action, f"licence:{app.id}", {"patent": app.patent.public_id})
        self.session.commit()
        return app

    def _as_holder(self, identity: Identity, application_id: int) -> LicenceApplication:
        app = self.get(identity, application_id)
        if not self._is_holder(identity, app):
            raise PermissionError("只有专利的持有单位可以处理申请 / only the patent's holder decides")
        if app.status != "applied":
            raise LicenceError(f"申请状态为“{app.status}”，不能再处理 / the application is already {app.status}", "invalid_state")
        return app

    @staticmethod
    def _is_applicant(identity: Identity, app: LicenceApplication) -> bool:
        return identity.user_id is not None and identity.user_id == app.applicant_id

    @staticmethod
    def _is_holder(identity: Identity, app: LicenceApplication) -> bool:
        return identity.acts_for_any(holder_ids(app.patent))

    @staticmethod
    def _uid(identity: Identity) -> int:
        if identity.user_id is None:
            raise PermissionError("sign in to apply for a licence")
        return identity.user_id
