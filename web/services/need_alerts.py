"""Holders told of new technology needs their records could answer.

When a need is published (indexed), the matching (``need_matching``) finds the achievements,
patents and instruments most like it; each institution holding one of them gets a row per record
(``NeedMatch``: what its publishers see on their needs page) and its publishers one e-mail per
need. It runs where the alerts' matching runs (a worker after indexing, or inline), is safe to
run twice (a row exists once; a need already mailed to an institution is not mailed again), and
a need withdrawn or gone tells nobody."""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import BY_PREFIX, Institution, Need, NeedMatch, User
from ..models.common import utcnow
from .identity import system_identity
from .mail import Mailer
from .need_matching import NeedMatching
from .records import holder_ids

log = logging.getLogger(__name__)
MATCHES_PER_NEED = 10


@dataclass
class NeedAlertReport:
    needs: int = 0
    matches: int = 0
    mails: int = 0


class NeedAlerts:
    def __init__(self, session: Session, matching: NeedMatching, mailer: Mailer, site_url: str = ""):
        self.session = session
        self.matching = matching
        self.mailer = mailer
        self.site_url = site_url.rstrip("/")

    def notify(self, public_ids: list[str]) -> NeedAlertReport:
        report = NeedAlertReport()
        for pid in public_ids:
            number = Need.parse_public_id(pid)
            need = self.session.get(Need, number) if number is not None else None
            if need is None or need.status != "published":
                continue
            report.needs += 1
            fresh = self._store(need)
            report.matches += sum(len(rows) for rows in fresh.values())
            self.session.commit()
            for institution_id, rows in fresh.items():
                report.mails += self._mail(need, institution_id, rows)
            self.session.commit()
        return report

    def _store(self, need: Need) -> dict[int, list[NeedMatch]]:
        """New rows for this need, by institution (rows that exist stay as they are)."""
        seen = {(m.record_id, m.institution_id) for m in self.session.scalars(select(NeedMatch).where(NeedMatch.need_id == need.id))}
        fresh: dict[int, list[NeedMatch]] = defaultdict(list)
        for match in self.matching.results_for_need(system_identity, need.public_id, size=MATCHES_PER_NEED):
            if not match.has_reason:
                continue
            cls = BY_PREFIX.get(match.id.split("-", 1)[0])
            number = cls.parse_public_id(match.id) if cls is not None else None
            record = self.session.get(cls, number) if number is not None else None
            if record is None:
                continue
            for institution_id in sorted(holder_ids(record)):
                if (match.id, institution_id) in seen:
                    continue
                row = NeedMatch(need_id=need.id, record_id=match.id, record_title=match.title[:500], institution_id=institution_id,
                                shared=match.shared, same_field=match.same_field)
                self.session.add(row)
                seen.add((match.id, institution_id))
                fresh[institution_id].append(row)
        return fresh

    def _mail(self, need: Need, institution_id: int, rows: list[NeedMatch]) -> int:
        already = self.session.scalar(select(NeedMatch.id).where(NeedMatch.need_id == need.id, NeedMatch.institution_id == institution_id,
                                                                 NeedMatch.mailed_at.is_not(None)).limit(1))
        if already is not None:
            return 0
        institution = self.session.get(Institution, institution_id)
        publishers = list(self.session.scalars(select(User).where(User.institution_id == institution_id, User.role == "publisher",
                                                                  User.active.is_(True))))
        sent = 0
        for user in publishers:
            context: dict[str, Any] = {"need": need, "rows": rows, "institution": institution, "user": user, "site": self.site_url}
            text = render_template("needs/mail_match.txt", **context)
            subject = f"新的技术需求与贵单位成果匹配 / A new technology need matches your results: {need.title}"[:200]
            sent += bool(self.mailer.send(user.email, subject, text))
        now = utcnow()
        for row in rows:
            row.mailed_at = now
        return sent

    def for_institution(self, institution_id: int, limit: int = 100) -> list[NeedMatch]:
        """What a holder's publishers see: the newest matches of its records with needs still published."""
        return list(self.session.scalars(
            select(NeedMatch).join(Need, Need.id == NeedMatch.need_id)
            .where(NeedMatch.institution_id == institution_id, Need.status == "published")
            .order_by(NeedMatch.created_at.desc(), NeedMatch.id.desc()).limit(limit)))
