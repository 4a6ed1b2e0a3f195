"""Open-licence applications (专利开放许可申请): the pages.

* ``/licences/``: my applications (as the company that applies) and, for a holder's publishers
  (administrators: every one), the applications to decide, waiting ones first;
* ``/licences/<id>``: one application, to its two parties only (anyone else: 404): the terms
  copied from the declaration, the status and dates; grant, or refuse with a reason (the holder);
  withdraw (the applicant, while it waits);
* ``/licences/apply/<patent id>``: the apply form, reached from the patent page's panel
  (``licence_panel``): the declared terms read-only, the company and the dates filled in from the
  account and the declared term, one confirmation. A patent that cannot be applied for shows why.

Every change goes through ``LicenceService`` (which audits it) and is mailed to the other side
(``web/licence_mail.py``). The endpoint ``licences.index`` is linked by the "my exchanges" tabs."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ..forms.licences import ActionForm, ApplyForm, DecisionForm
from ..licence_mail import notify
from ..models import LicenceApplication, Patent
from ..proxies import current_services
from ..security import PermissionDenied, current_account, require_signed_in
from ..services.identity import Identity
from ..services.licences import OWN_PATENT, LicenceError, term_end
from .licence_panel import STATUS_BADGES, refusal_text, status_label
from .selection import say

bp = Blueprint("licences", __name__, url_prefix="/licences")
APP_ID = "<int:application_id>"  # 0 or beyond the id column: the service answers 404


# globals, not a context processor: the macros of licences/_terms.html are imported without the context
bp.add_app_template_global(status_label, "licence_status")


@bp.app_template_global("licence_badge")
def licence_badge(status: str) -> str:
    return STATUS_BADGES.get(status, "")


def _party(identity: Identity, application_id: int) -> LicenceApplication:
    """The application, if ``identity`` is one of its parties; 404 for everyone else."""
    try:
        return current_services.licences.get(identity, application_id)
    except LookupError:
        abort(404)


def _patent(identity: Identity, public_id: str) -> Patent:
    """A patent the caller may see (a withdrawn one is 404, as one that does not exist)."""
    if Patent.parse_public_id(public_id) is None:
        abort(404)
    return current_services.for_type("patent").get(identity, public_id)


def _granted(patent_id: int) -> int:
    return current_services.licences.granted_count([patent_id]).get(patent_id, 0)


# -- the lists ----------------------------------------------------------------------------------
@bp.get("/")
def index():
    identity = require_signed_in()
    service = current_services.licences
    return render_template("licences/index.html", mine=service.mine(identity), incoming=service.incoming(identity),
                           holder=identity.is_admin or identity.is_publisher)


# -- one application ------------------------------------------------------------------------------
def _page(identity: Identity, application: LicenceApplication, decision: DecisionForm | None = None, status: int = 200):
    service = current_services.licences
    holds = service.holds(identity, application.patent)
    return render_template("licences/application.html", a=application, patent=application.patent, holds=holds,
                           applicant=application.applicant.id == identity.user_id, granted=_granted(application.patent_id),
                           reason=refusal_text(application.patent) if holds and application.status == "applied" else None,
                           decision=decision or DecisionForm(), action=ActionForm()), status


@bp.get(f"/{APP_ID}")
def application(application_id: int):
    identity = require_signed_in()
    return _page(identity, _party(identity, application_id))


def _decide(application_id: int, step: str):
    """Grant or refuse (``step``), by the holder; the reason of a refusal is required."""
    identity = require_signed_in()
    application = _party(identity, application_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _page(identity, application, form, 422)
    service = current_services.licences
    try:
        if step == "granted":
            application = service.grant(identity, application.id, form.note.data)
        else:
            application = service.refuse(identity, application.id, form.note.data or "")
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except LicenceError as exc:
        if exc.field == "note":
            form.note.errors = [*form.note.errors, say(exc)]
            return _page(identity, application, form, 422)
        flash(say(exc), "error")
    else:
        notify(application, step)
        flash(gettext("已授予许可，平台已登记。") if step == "granted" else gettext("已拒绝申请，已通知申请方。"), "ok")
    return redirect(url_for("licences.application", application_id=application.id), code=303)


@bp.post(f"/{APP_ID}/grant")
def grant(application_id: int):
    return _decide(application_id, "granted")


@bp.post(f"/{APP_ID}/refuse")
def refuse(application_id: int):
    return _decide(application_id, "refused")


@bp.post(f"/{APP_ID}/withdraw")
def withdraw(application_id: int):
    identity = require_signed_in()
    application = _party(identity, application_id)
    if application.applicant_id != identity.user_id:
        raise PermissionDenied("只有申请方可以撤回申请 / only the applicant withdraws an application")
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        application = current_services.licences.withdraw(identity, application.id)
    except LicenceError as exc:
        flash(say(exc), "error")
    else:
        notify(application, "withdrawn")
        flash(gettext("已撤回申请。"), "ok")
    return redirect(url_for("licences.application", application_id=application.id), code=303)


# -- applying ---------------------------------------------------------------------------------------
def _prefilled(patent: Patent) -> dict[str, Any]:
    """The form as it opens: the account's company, today, the declared term's end."""
    account = current_account()
    company = (account.organisation or (account.institution.name if account.institution else "")) if account else ""
    today = date.today()
    return {"licensee": company, "start_date": today, "end_date": term_end(patent, today)}


@bp.route("/apply/<public_id>", methods=["GET", "POST"])
def apply(public_id: str):
    identity = require_signed_in()
    patent = _patent(identity, public_id)
    service = current_services.licences
    if service.holds(identity, patent):
        raise PermissionDenied(OWN_PATENT)
    reason, waiting = refusal_text(patent), service.waiting(identity, patent.id)
    form = ApplyForm(data=None if request.method == "POST" else _prefilled(patent))
    status = 200
    if request.method == "POST":
        status = 409
        if reason is None and waiting is None:
            status = 422
            if form.validate_on_submit():
                data = form.data_for_service()
                data["end_date"] = data["end_date"] or term_end(patent, data["start_date"] or date.today())  # as the API does
                try:
                    application = service.apply(identity, patent.id, data)
                except LicenceError as exc:
                    _show(form, exc)
                    status = 409 if exc.field is None else 422
                else:
                    notify(application, "applied")
                    flash(gettext("已提交许可申请，等待专利权人确认。"), "ok")
                    return redirect(url_for("licences.application", application_id=application.id), code=303)
    return render_template("licences/apply.html", patent=patent, terms=patent.open_licence or {}, form=form, reason=reason,
                           waiting=waiting, granted=_granted(patent.id), account=current_account()), status


def _show(form: ApplyForm, exc: LicenceError) -> None:
    """The service's refusal beside the field it names, or above the form."""
    target = getattr(form, exc.field, None) if exc.field else None
    if target is not None:
        target.errors = [*list(target.errors or []), say(exc)]
    else:
        form.form_errors.append(say(exc))


__all__ = ["bp"]
