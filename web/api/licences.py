"""Open-licence applications over JSON (the pages' ``web/views/licences.py``, the same service):

* ``GET /records/<patent id>/open-licence``: the declared terms, whether the patent can be applied
  for and, if not, why (``reason``: code and "中文 / English" message), the licences granted;
* ``POST /records/<patent id>/licence-applications``: apply on the declared terms (a signed-in
  company; the holder's own people are refused, 403); ``licensee`` is required, ``end_date``
  defaults to the declared term;
* ``GET /licence-applications`` (``?scope=mine|incoming&status=``), ``GET /licence-applications/<id>``;
* ``POST /licence-applications/<id>/grant`` | ``refuse`` (``{"note": ...}``, the holder; a refusal
  needs its reason) | ``withdraw`` (the applicant).

Someone else's application is 404, as one that does not exist; a party that may not take a step
gets 403. A patent that cannot be applied for, a second waiting application, a step on a decided
application: 409 with the reason. A missing or wrong field: 422 with ``details``. Each change
is mailed to the other side (``web/licence_mail.py``)."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify, request

from ..licence_mail import notify
from ..models import LicenceApplication, Patent
from ..proxies import current_services
from ..security import current_identity, require_signed_in
from ..services.identity import Identity
from ..services.licences import LicenceError, term_end, why_not_applicable
from ..urls import external_url
from . import bp
from .common import json_object, record_class
from .errors import error_response
from .licence_schemas import LicenceApplySchema, LicenceDecisionSchema, LicenceListArgsSchema, application_body, licensing_body

APP_ID = "<int:application_id>"  # 0 or beyond the id column: the service answers 404
list_args, apply_schema, decision_schema = LicenceListArgsSchema(), LicenceApplySchema(), LicenceDecisionSchema()
NOT_FOUND = "许可申请不存在，或您不是其当事方 / no such licence application, or you are not a party to it"
NOT_A_PATENT = "不是专利 / not a patent"
FORBIDDEN = "无权执行此操作 / you may not do this"


@bp.errorhandler(LicenceError)
def licence_refused(exc: LicenceError):
    """A field the service refused: 422 naming it; a state that does not allow the step: 409."""
    if exc.field:
        return error_response(422, exc.code, str(exc), [{"field": exc.field, "message": str(exc)}])
    return error_response(409, exc.code, str(exc))


def _forbidden(exc: PermissionError):
    text = str(exc)
    return error_response(403, "forbidden", text if " / " in text else FORBIDDEN)


def _not_found():
    return error_response(404, "not_found", NOT_FOUND)


def _patent(identity: Identity, public_id: str) -> Patent | None:
    """The patent if the caller may see it; None (404) for another kind of record. A record
    the caller may not see raises RecordNotFound (404), as one that does not exist."""
    if record_class(public_id) is not Patent:
        return None
    return current_services.for_type("patent").get(identity, public_id)


def _body() -> dict[str, Any]:
    """The JSON body; none at all counts as ``{}`` (withdraw and grant need nothing)."""
    return json_object() if request.get_data(cache=True) else {}


def _answer(identity: Identity, application: LicenceApplication, status: int = 200, headers: dict[str, str] | None = None):
    service = current_services.licences
    granted = service.granted_count([application.patent_id]).get(application.patent_id, 0)
    body = application_body(identity, application, granted, service.holds(identity, application.patent))
    return jsonify(body), status, headers or {}


@bp.get("/records/<public_id>/open-licence")
def get_patent_licensing(public_id: str):
    identity = current_identity()
    patent = _patent(identity, public_id)
    if patent is None:
        return error_response(404, "not_found", NOT_A_PATENT)
    service = current_services.licences
    refusal, holds = why_not_applicable(patent), service.holds(identity, patent)
    return jsonify(licensing_body(
        patent, refusal, service.granted_count([patent.id]).get(patent.id, 0), service.waiting_count(patent.id) if holds else None,
        term_end(patent, date.today()) if refusal is None else None, may_apply=not holds))


@bp.post("/records/<public_id>/licence-applications")
def apply_for_licence(public_id: str):
    identity = require_signed_in()
    patent = _patent(identity, public_id)
    if patent is None:
        return error_response(404, "not_found", NOT_A_PATENT)
    data = apply_schema.load(_body())
    if data["end_date"] is None and why_not_applicable(patent) is None:
        data["end_date"] = term_end(patent, data["start_date"] or date.today())
    try:
        application = current_services.licences.apply(identity, patent.id, data)
    except PermissionError as exc:
        return _forbidden(exc)
    notify(application, "applied")
    return _answer(identity, application, 201, {"Location": external_url("api.get_licence_application", application_id=application.id)})


@bp.get("/licence-applications")
def list_licence_applications():
    identity = require_signed_in()
    args = list_args.load(request.args)
    service = current_services.licences
    found = service.incoming(identity, args["status"]) if args["scope"] == "incoming" else service.mine(identity, args["status"])
    granted = service.granted_count(sorted({a.patent_id for a in found})) if found else {}
    return jsonify([application_body(identity, a, granted.get(a.patent_id, 0), service.holds(identity, a.patent)) for a in found])


@bp.get(f"/licence-applications/{APP_ID}")
def get_licence_application(application_id: int):
    identity = require_signed_in()
    try:
        application = current_services.licences.get(identity, application_id)
    except LookupError:
        return _not_found()
    return _answer(identity, application)


def _step(application_id: int, step: str):
    """grant, refuse or withdraw: 404 to a non-party, 403 to the party whose step it is not."""
    identity = require_signed_in()
    service = current_services.licences
    try:
        application = service.get(identity, application_id)
    except LookupError:
        return _not_found()
    note = decision_schema.load(_body())["note"] if step != "withdraw" else None
    try:
        if step == "withdraw":
            if application.applicant_id != identity.user_id:
                raise PermissionError("只有申请方可以撤回申请 / only the applicant withdraws an application")
            application = service.withdraw(identity, application.id)
        elif step == "grant":
            application = service.grant(identity, application.id, note)
        else:
            application = service.refuse(identity, application.id, note or "")
    except PermissionError as exc:
        return _forbidden(exc)
    notify(application, {"grant": "granted", "refuse": "refused", "withdraw": "withdrawn"}[step])
    return _answer(identity, application)


@bp.post(f"/licence-applications/{APP_ID}/grant")
def grant_licence_application(application_id: int):
    return _step(application_id, "grant")


@bp.post(f"/licence-applications/{APP_ID}/refuse")
def refuse_licence_application(application_id: int):
    return _step(application_id, "refuse")


@bp.post(f"/licence-applications/{APP_ID}/withdraw")
def withdraw_licence_application(application_id: int):
    return _step(application_id, "withdraw")


__all__ = ["licence_refused"]
