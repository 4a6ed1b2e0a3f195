"""Record pages."""
from __future__ import annotations

from flask import Blueprint, abort, render_template

from ..models import BY_PREFIX
from ..proxies import current_services
from ..services.identity import anonymous_identity

bp = Blueprint("records", __name__)


@bp.get("/records/<public_id>")
def record(public_id: str):
    cls = BY_PREFIX.get(public_id.split("-", 1)[0])
    if cls is None:
        abort(404)
    service = current_services.for_type(cls.RECORD_TYPE)
    rec = service.get(anonymous_identity, public_id)
    data = service.dump(rec)
    similar = current_services.search.similar(anonymous_identity, cls.INDEX, public_id) if cls.INDEX != "institutions" else []
    return render_template("record.html", rec=rec, data=data, record_type=cls.RECORD_TYPE, similar=similar)
