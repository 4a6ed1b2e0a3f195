"""Who holds a record, and what that lets an identity do with it: the one rule attachments,
access requests and the disclosure log share.

A record's holders are the institutions that hold it (an achievement's 完成单位, a patent's
applicants that are institutions, an instrument's institution; an institution holds itself).
The holder's publishers and the administrators maintain it; everyone else reads it once it is
published."""
from __future__ import annotations

from typing import Any

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ..models import RECORD_CLASSES, AchievementInstitution, Institution, Instrument, PatentApplicant
from .identity import Identity
from .records import linked_institutions


def holder_ids(rec: Any) -> set[int]:
    if isinstance(rec, Institution):
        return {rec.id}
    return {i.id for i in linked_institutions(rec) if i.id is not None}


def holds(identity: Identity, rec: Any) -> bool:
    """Whether ``identity`` acts for the record: an administrator, or a publisher of a holder."""
    return identity.is_admin or (identity.is_publisher and identity.institution_id in holder_ids(rec))


def visible(identity: Identity, rec: Any) -> bool:
    """Published records are for everyone; the rest for reviewers, administrators and holders."""
    return rec.status == "published" or identity.can_see_unpublished() or holds(identity, rec)


def load(session: Session, record_type: str, record_id: int) -> Any | None:
    cls = RECORD_CLASSES.get(record_type)
    return session.get(cls, record_id) if cls is not None else None


def held_by(institution_id: int | None, type_column: Any, id_column: Any) -> ColumnElement[bool]:
    """SQL: the rows whose (record type, record id) columns name a record ``institution_id`` holds."""
    if institution_id is None:
        return false()
    return or_(
        and_(type_column == "achievement", id_column.in_(
            select(AchievementInstitution.achievement_id).where(AchievementInstitution.institution_id == institution_id))),
        and_(type_column == "patent", id_column.in_(
            select(PatentApplicant.patent_id).where(PatentApplicant.institution_id == institution_id))),
        and_(type_column == "instrument", id_column.in_(select(Instrument.id).where(Instrument.institution_id == institution_id))),
        and_(type_column == "institution", id_column == institution_id),
    )


def title_of(rec: Any) -> str:
    return getattr(rec, "title", None) or getattr(rec, "name", None) or rec.public_id


__all__ = ["holder_ids", "holds", "visible", "load", "held_by", "title_of"]
