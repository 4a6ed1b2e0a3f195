"""Institutions as an administrator sees them: a searchable list with what each one holds, and
groups of institutions that are probably one and the same (candidates for a merge).

Counts here are of every record whatever its status (the index counts only published ones),
because a merge moves them all.

Likely duplicates are found by folding names further than ``normalize.institution_key`` does
(which already ignores case, width, spaces and brackets): a part in brackets is dropped
(吉林大学（中心校区） and 吉林大学), the legal forms 有限责任公司 / 股份有限公司 / 有限公司 are
one, and an institution's aliases and English name count as names too. They are suggestions:
an administrator looks at the preview before anything is merged."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from .. import normalize
from ..models import AchievementInstitution, Institution, Instrument, PatentApplicant, User
from .identity import Identity
from .paging import Page, offset
from .records import PermissionDenied

BRACKETED = re.compile(r"[（(][^（()）]*[）)]")
LEGAL_FORMS = re.compile(r"(股份有限公司|有限责任公司|有限公司)$")
ENGLISH_NOISE = re.compile(r"\b(the|of|and|co|ltd|limited|inc|corp|corporation|company)\b|[^a-z0-9]")
KINDS = ("achievements", "patents", "instruments", "users")


@dataclass(frozen=True)
class Holdings:
    achievements: int = 0
    patents: int = 0
    instruments: int = 0
    users: int = 0

    @property
    def records(self) -> int:
        return self.achievements + self.patents + self.instruments


@dataclass
class InstitutionRow:
    institution: Institution
    holdings: Holdings


@dataclass
class DuplicateGroup:
    """Institutions that look like one; ``suggested`` is the one to keep (it holds most)."""

    rows: list[InstitutionRow]
    reasons: set[str] = field(default_factory=set)  # "name" | "alias" | "english"

    @property
    def suggested(self) -> InstitutionRow:
        return max(self.rows, key=lambda r: (r.holdings.records + r.holdings.users, -len(r.institution.name), -r.institution.id))


def fold(name: str) -> str:
    """A looser key than ``normalize.institution_key``: brackets and legal forms dropped."""
    name = BRACKETED.sub("", normalize.institution_name(name or ""))
    return normalize.institution_key(LEGAL_FORMS.sub("公司", name.strip()))


def fold_english(name: str | None) -> str:
    key = ENGLISH_NOISE.sub("", (name or "").lower())
    return key if len(key) >= 6 else ""


def holdings(session: Session, ids: list[int]) -> dict[int, Holdings]:
    """What each institution holds: records of every status, and publisher accounts."""
    if not ids:
        return {}
    found: dict[int, dict[str, int]] = defaultdict(dict)
    queries = {
        "achievements": select(AchievementInstitution.institution_id, func.count(func.distinct(AchievementInstitution.achievement_id)))
        .where(AchievementInstitution.institution_id.in_(ids)).group_by(AchievementInstitution.institution_id),
        "patents": select(PatentApplicant.institution_id, func.count(func.distinct(PatentApplicant.patent_id)))
        .where(PatentApplicant.institution_id.in_(ids)).group_by(PatentApplicant.institution_id),
        "instruments": select(Instrument.institution_id, func.count()).where(Instrument.institution_id.in_(ids)).group_by(Instrument.institution_id),
        "users": select(User.institution_id, func.count()).where(User.institution_id.in_(ids)).group_by(User.institution_id),
    }
    for kind, query in queries.items():
        for inst_id, n in session.execute(query):
            found[inst_id][kind] = n
    return {i: Holdings(**found.get(i, {})) for i in ids}


class InstitutionDirectory:
    def __init__(self, session: Session):
        self.session = session

    @staticmethod
    def _require(actor: Identity) -> None:
        if not actor.is_admin:
            raise PermissionDenied("只有管理员可以管理单位 / only administrators manage institutions")

    def search(self, actor: Identity, text: str | None = None, page: int = 1, per_page: int = 50) -> Page[InstitutionRow]:
        """Institutions whose name, English name or key contains ``text``, by name."""
        self._require(actor)
        query = select(Institution)
        text = (text or "").strip()
        if text:
            query = query.where(or_(Institution.name.contains(text, autoescape=True), Institution.name_en.ilike(f"%{_escape(text)}%", escape="\\"),
                                    Institution.name_key.contains(normalize.institution_key(text), autoescape=True)))
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.scalars(query.order_by(Institution.name_key, Institution.id).limit(per_page).offset(offset(page, per_page))).all()
        counts = holdings(self.session, [r.id for r in rows])
        return Page([InstitutionRow(r, counts[r.id]) for r in rows], total, page, per_page)

    def total(self, actor: Identity) -> int:
        self._require(actor)
        return self.session.scalar(select(func.count()).select_from(Institution)) or 0

    def likely_duplicates(self, actor: Identity, limit: int = 200) -> list[DuplicateGroup]:
        """Groups of institutions sharing a folded name, alias or English name, the groups
        holding most first."""
        self._require(actor)
        parent: dict[int, int] = {}

        def root(i: int) -> int:
            while parent.setdefault(i, i) != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
        for inst_id, name, name_en, aliases in self.session.execute(
                select(Institution.id, Institution.name, Institution.name_en, Institution.aliases)):
            by_key[("name", fold(name))].append(inst_id)
            for alias in aliases or []:
                if isinstance(alias, str) and fold(alias):
                    by_key[("alias", fold(alias))].append(inst_id)
            if fold_english(name_en):
                by_key[("english", fold_english(name_en))].append(inst_id)
        # an alias matches a name (or an alias) of another institution: look up both ways
        for (kind, key), ids in list(by_key.items()):
            if kind == "alias" and ("name", key) in by_key:
                by_key[("alias", key)] = ids + by_key[("name", key)]
        reasons: dict[int, set[str]] = defaultdict(set)
        for (kind, key), ids in by_key.items():
            ids = sorted(set(ids))
            if len(ids) < 2 or not key:
                continue
            for other in ids[1:]:
                parent[root(other)] = root(ids[0])
            for i in ids:
                reasons[i].add(kind)
        groups: dict[int, list[int]] = defaultdict(list)
        for inst_id in reasons:
            groups[root(inst_id)].append(inst_id)
        members = sorted({i for ids in groups.values() for i in ids})
        rows = {r.id: r for r in self.session.scalars(select(Institution).where(Institution.id.in_(members)))} if members else {}
        counts = holdings(self.session, members)
        out = [DuplicateGroup([InstitutionRow(rows[i], counts[i]) for i in sorted(ids)], set().union(*(reasons[i] for i in ids)))
               for ids in groups.values()]
        out.sort(key=lambda g: (-sum(r.holdings.records for r in g.rows), g.rows[0].institution.name_key))
        return out[:limit]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


__all__ = ["InstitutionDirectory", "InstitutionRow", "DuplicateGroup", "Holdings", "holdings", "fold", "fold_english"]
