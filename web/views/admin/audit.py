"""The audit log: newest first, filtered by action (a prefix), actor, target and dates, in
pages; the same filters export every matching event as CSV (itself an audited action)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Response, abort, render_template, request
from flask_babel import get_timezone

from ...extensions import db
from ...forms.admin import AuditFilterForm
from ...proxies import current_services
from ...security import require_admin
from ...services.paging import Page, offset
from . import bp

PER_PAGE = 50


def _start_of(day: date) -> datetime:
    """Midnight of a day where the readers are (BABEL_DEFAULT_TIMEZONE), as an aware time."""
    return datetime.combine(day, time.min, tzinfo=get_timezone())


def audit_filters(form: AuditFilterForm) -> dict[str, Any]:
    """The service's filters from a validated form (the dates are whole days, both included)."""
    filters: dict[str, Any] = {"action": form.action.data, "actor": form.actor.data, "target": (form.target.data or "").strip() or None,
                               "involving": form.user.data}
    if form.since.data:
        filters["since"] = _start_of(form.since.data)
    if form.until.data:
        filters["until"] = _start_of(form.until.data + timedelta(days=1))
    return {k: v for k, v in filters.items() if v}


@bp.get("/audit")
def audit():
    require_admin()
    form = AuditFilterForm(request.args)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    log = current_services.audit
    result = None  # filters that do not read (a date that is no date) show their errors, not everything
    if form.validate():
        filters = audit_filters(form)
        result = Page(log.events(limit=PER_PAGE, offset=offset(page, PER_PAGE), **filters), log.count(**filters), page, PER_PAGE)
    query = {k: v for k, v in request.args.items() if k not in ("page", "lang") and v}
    return render_template("admin/audit.html", form=form, result=result, actions=log.actions(), query=query,
                           timezone=str(get_timezone()))


@bp.get("/audit.csv")
def audit_csv():
    identity = require_admin()
    form = AuditFilterForm(request.args)
    if not form.validate():
        abort(422, description="筛选条件无效 / the filters are not valid: " + "; ".join(
            f"{name}: {' '.join(map(str, errors))}" for name, errors in form.errors.items()))
    filters = audit_filters(form)
    log = current_services.audit
    body = log.to_csv(**filters)
    log.record(identity, "audit.export", None, {k: str(v) for k, v in filters.items()})
    db.session.commit()
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    return Response(body, content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename=audit-{stamp}.csv"})
