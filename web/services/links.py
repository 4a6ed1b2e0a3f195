"""Links across record types for record pages: an achievement's patents, the achievements
that quote a patent, the instruments at an institution, an institution's other records."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from indexer import Page, SearchBackend, SearchRequest, Sort, Term, Terms

from .. import normalize
from ..models import Achievement, Institution, Instrument, Patent
from .identity import Identity


def N_(message: str) -> str:
    """Marks a message id for extraction; record pages translate it when they show it."""
    return message


@dataclass
class Related:
    title: str  # message id, translated by the page
    items: list[dict[str, Any]] = field(default_factory=list)  # {id, title, record_type}
    total: int = 0
    more_url_args: dict[str, Any] | None = None  # search parameters listing them all


def _items(result) -> list[dict[str, Any]]:
    return [{"id": h.id, "title": h.source.get("title"), "record_type": h.source.get("record_type")} for h in result.hits]


class LinkService:
    def __init__(self, session: Session, backend: SearchBackend):
        self.session = session
        self.backend = backend

    def _visible(self, identity: Identity) -> tuple:
        return () if identity.can_see_unpublished() else (Term("status", "published"),)

    def _holder_search(self, identity: Identity, index: str, inst_ids: list[str], exclude: str | None = None, size: int = 6):
        filters = [*self._visible(identity), Terms("holder_ids", tuple(inst_ids))]
        if exclude:
            from indexer import NoneOf

            filters.append(NoneOf((Term("id", exclude),)))
        return self.backend.search(SearchRequest(indices=(index,), filters=tuple(filters), sort=(Sort("published_at", desc=True),), page=Page(1, size)))

    def for_achievement(self, identity: Identity, rec: Achievement) -> list[Related]:
        out = []
        numbers = [n for n in (normalize.application_number(i.get("number")) for i in rec.ip or []) if n]
        pubs = [normalize.publication_number(i.get("number")) for i in rec.ip or [] if i.get("number")]
        if numbers or pubs:
            patents = self.session.scalars(select(Patent).where(or_(Patent.application_no.in_(numbers), Patent.publication_no.in_(pubs)))).all()
            visible = [p for p in patents if p.status == "published" or identity.can_see_unpublished()]
            out.append(Related(N_("成果涉及的专利"), [{"id": p.public_id, "title": p.title, "record_type": "patent"} for p in visible], len(visible)))
        inst_ids = [i.public_id for i in rec.institutions]
        if inst_ids:
            result = self._holder_search(identity, "instruments", inst_ids)
            out.append(Related(N_("完成单位的大型科研仪器"), _items(result), result.total, {"type": "instrument", "holder": [i.name for i in rec.institutions]}))
            result = self._holder_search(identity, "achievements", inst_ids, exclude=rec.public_id)
            out.append(Related(N_("完成单位的其他成果"), _items(result), result.total, {"type": "achievement", "holder": [i.name for i in rec.institutions]}))
        return [r for r in out if r.items]

    def for_patent(self, identity: Identity, rec: Patent) -> list[Related]:
        out = []
        variants = [v for v in (
            rec.patent_no, normalize.format_application_number(rec.application_no), rec.application_no,
            f"ZL{normalize.format_application_number(rec.application_no)}" if rec.application_no else None,
            rec.publication_no, rec.grant_no,
        ) if v]
        if variants:
            result = self.backend.search(SearchRequest(indices=("achievements",), filters=(*self._visible(identity), Terms("ip_numbers", tuple(dict.fromkeys(variants)))), page=Page(1, 10)))
            out.append(Related(N_("引用本专利的成果"), _items(result), result.total))
        inst_ids = [a.institution.public_id for a in rec.applicants if a.institution is not None]
        if inst_ids:
            result = self._holder_search(identity, "patents", inst_ids, exclude=rec.public_id)
            out.append(Related(N_("申请人的其他专利"), _items(result), result.total, {"type": "patent", "holder": [a.name for a in rec.applicants if a.institution]}))
        return [r for r in out if r.items]

    def for_instrument(self, identity: Identity, rec: Instrument) -> list[Related]:
        if rec.institution is None:
            return []
        inst_ids = [rec.institution.public_id]
        out = []
        result = self._holder_search(identity, "instruments", inst_ids, exclude=rec.public_id)
        out.append(Related(N_("同单位的其他仪器"), _items(result), result.total, {"type": "instrument", "holder": [rec.institution.name]}))
        result = self._holder_search(identity, "achievements", inst_ids)
        out.append(Related(N_("所在单位的科技成果"), _items(result), result.total, {"type": "achievement", "holder": [rec.institution.name]}))
        return [r for r in out if r.items]

    def for_institution(self, identity: Identity, rec: Institution) -> list[Related]:
        out = []
        for index, title, record_type in (("achievements", N_("科技成果"), "achievement"), ("patents", N_("专利"), "patent"), ("instruments", N_("大型科研仪器"), "instrument")):
            result = self._holder_search(identity, index, [rec.public_id], size=8)
            out.append(Related(title, _items(result), result.total, {"type": record_type, "holder": [rec.name]}))
        return [r for r in out if r.items]

    def related(self, identity: Identity, rec: Any) -> list[Related]:
        return {
            Achievement: self.for_achievement, Patent: self.for_patent, Instrument: self.for_instrument, Institution: self.for_institution,
        }.get(type(rec), lambda identity, rec: [])(identity, rec)  # a need's links are its matches (web/views/needs.py)
