"""The holder's pages: who saw what of our records (the disclosure log, filterable by record,
as CSV too), and the access requests for our confidential files; every member's own requests.

Publishers see their institution's records, administrators everything; other members see only
their own requests."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ..forms.attachments import DecisionForm
from ..i18n import lang
from ..models import BY_PREFIX
from ..models.common import PUBLIC_ID
from ..proxies import current_services
from ..security import require_signed_in
from ..services.access_requests import AccessRequestError
from ..services.disclosures import can_read_log
from ..services.records import PermissionDenied

bp = Blueprint("disclosures", __name__)
PAGE = 100


def _record_filter() -> tuple[tuple[str, int] | None, str]:
    """(record type, row id) of ``?record=ach-12``, and the text as given ("" when none)."""
    given = (request.args.get("record") or "").strip()
    m = PUBLIC_ID.fullmatch(given)
    cls = BY_PREFIX.get(m.group(1)) if m else None
    return ((cls.RECORD_TYPE, int(m.group(2))) if cls else None), given


@bp.get("/disclosures/")
def log():
    identity = require_signed_in()
    if not can_read_log(identity):
        raise PermissionDenied("披露记录仅对记录的持有单位和管理员开放 / the disclosure log is for the record's holder and administrators")
    record, given = _record_filter()
    before = request.args.get("before", type=int)
    events = [] if given and record is None else current_services.disclosures.events(identity, record, before_id=before, limit=PAGE + 1)
    return render_template("disclosure/log.html", events=events[:PAGE], more=events[PAGE - 1].id if len(events) > PAGE else None,
                           record=given, bad_record=bool(given and record is None))


@bp.get("/disclosures/export.csv")
def export():
    identity = require_signed_in()
    record, given = _record_filter()
    body = current_services.disclosures.to_csv(identity, record, locale=lang())
    name = f"disclosures-{given}.csv" if record else "disclosures.csv"
    return Response(body, content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={name}", "Cache-Control": "private, no-store"})


@bp.get("/access-requests/")
def requests_page():
    identity = require_signed_in()
    service = current_services.access_requests
    incoming, mine = service.incoming(identity), service.mine(identity)
    return render_template(
        "disclosure/requests.html", incoming=incoming, mine=mine, holder=identity.is_admin or identity.is_publisher,
        titles={r.id: service.record_title(r) for r in [*incoming, *mine]},
        decision_forms={r.id: DecisionForm(prefix=f"d{r.id}") for r in incoming},
    )


@bp.post("/access-requests/<int:request_id>/decide")
def decide(request_id: int):
    identity = require_signed_in()
    form = DecisionForm(prefix=f"d{request_id}")
    decision = request.form.get("decision")
    if decision not in ("approve", "reject") or not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors) or gettext("请选择批准或拒绝。"), "error")
        return redirect(url_for("disclosures.requests_page"), code=303)
    try:
        current_services.access_requests.decide(identity, request_id, decision == "approve", form.note.data)
    except AccessRequestError as exc:
        zh, _, en = str(exc).partition(" / ")
        flash(en if lang() == "en" and en else zh, "error")
    else:
        flash(gettext("已批准申请。") if decision == "approve" else gettext("已拒绝申请。"), "ok")
    return redirect(url_for("disclosures.requests_page"), code=303)
