"""Record pages for every type, with links across types and similar records."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from .. import presenters
from ..models import BY_PREFIX, Achievement, Institution, Instrument, Need, Patent
from ..proxies import current_services
from ..security import current_identity
from .attachments import attachment_section
from .record_panels import panels_for

bp = Blueprint("records", __name__)


def holders_of(rec) -> list[tuple[str, str | None]]:
    """(name, institution public id or None) of whoever holds the record."""
    if isinstance(rec, Achievement):
        return [(i.name, i.public_id) for i in rec.institutions]
    if isinstance(rec, Patent):
        return [(a.name, a.institution.public_id if a.institution else None) for a in rec.applicants]
    if isinstance(rec, Instrument):
        return [(rec.institution.name, rec.institution.public_id)] if rec.institution else []
    if isinstance(rec, Need):
        return [(rec.organisation, None)]
    return []


@bp.get("/records/<public_id>")
def record(public_id: str):
    cls = BY_PREFIX.get(public_id.split("-", 1)[0])
    if cls is None or cls.parse_public_id(public_id) is None:  # the API's id rule: one id per record
        abort(404)
    identity = current_identity()
    service = current_services.for_type(cls.RECORD_TYPE)
    rec = service.get(identity, public_id)
    current_services.usage.count("view", rec.public_id, request.user_agent.string)
    shown = current_services.disclosures.show(identity, rec, service.dump(rec), channel="page")  # web/disclosure.py
    data = shown.data
    similar = [] if cls is Institution else current_services.search.similar(identity, cls.INDEX, public_id, size=6)
    return render_template(
        "record.html", rec=rec, data=data, record_type=cls.RECORD_TYPE,
        title=presenters.title_of(data), title_en=presenters.english_title_of(data),
        rows=presenters.ROWS[cls.RECORD_TYPE](data), holders=holders_of(rec),
        related=current_services.links.related(identity, rec), similar=similar,
        may_maintain=service.can_maintain(identity, rec), may_see_history=service.may_see_history(identity, rec),
        withheld=shown.withheld, panels=panels_for(identity, rec), **attachment_section(identity, rec),
    )
