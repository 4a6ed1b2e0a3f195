"""Schemas of the open-licence routes (``licences.py``): the arguments and bodies they load, the
shapes they answer (in the OpenAPI document, checked by schemathesis), and the functions that
make those answers.

The rules (what can be applied for, the term, a reason for a refusal) are the licence service's;
these schemas only type the input, so the API refuses what the pages refuse, with the same words."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from marshmallow import EXCLUDE, Schema, fields, validate

from ..models import LicenceApplication, Patent
from ..models.licence import LICENCE_STATES
from ..services.identity import Identity
from ..urls import external_url
from .args import FormArgs

MAX_TEXT = 4000
TERM_KEYS = ("declared_at", "payment", "fee", "royalty_rate", "term", "terms")


def iso(value: datetime | None) -> str | None:
    """UTC with its offset (SQLite hands back naive datetimes; the store writes UTC)."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()


# -- arguments and bodies -----------------------------------------------------------------------------

class LicenceListArgsSchema(FormArgs):
    scope = fields.String(load_default="mine", validate=validate.OneOf(("mine", "incoming")), metadata={
        "description": "mine：我提出的申请；incoming：本单位专利收到的申请（管理员：全部）/ mine: the applications I made; "
                       "incoming: those for my institution's patents (administrators: all)"})
    status = fields.String(load_default=None, validate=validate.OneOf(LICENCE_STATES), metadata={"description": "只列此状态 / one status only"})


class LicenceApplySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    licensee = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200),
                             metadata={"description": "被许可单位（必填）/ the company that takes the licence (required)"})
    scope = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=MAX_TEXT),
                          metadata={"description": "实施范围：产品、领域、地域 / what it will be used for: products, field, territory"})
    start_date = fields.Date(load_default=None, allow_none=True, metadata={"description": "许可起始日，默认今天 / first day, today if not given"})
    end_date = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "许可终止日，默认按声明的许可期限 / last day; by default the declared term from the first day"})


class LicenceDecisionSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=MAX_TEXT),
                         metadata={"description": "给申请方的附言；拒绝时必填，即拒绝理由 / a note for the applicant; a refusal's reason (required)"})


# -- answers ----------------------------------------------------------------------------------------------

class LicenceTermsSchema(Schema):
    declared_at = fields.String(allow_none=True, metadata={"format": "date", "description": "声明日 / declared on"})
    payment = fields.String(allow_none=True, metadata={"description": "付费方式（licence_payment 代码）/ how the fee is paid (a licence_payment code)"})
    fee = fields.Float(allow_none=True, metadata={"description": "一次性或入门费，元 / the lump sum or entry fee, CNY"})
    royalty_rate = fields.Float(allow_none=True, metadata={"description": "提成比例，% / royalty, percent"})
    term = fields.String(allow_none=True, metadata={"description": "许可期限 / the declared term"})
    terms = fields.String(allow_none=True, metadata={"description": "许可条件全文 / the terms in full"})


class LicenceRefusalSchema(Schema):
    code = fields.String(required=True, validate=validate.OneOf(("not_published", "no_declaration", "declaration_withdrawn",
                                                                 "patent_not_in_force")))
    message = fields.String(required=True, metadata={"description": "中文 / English"})


class LicencePatentSchema(Schema):
    id = fields.String(required=True, metadata={"description": "专利的公开编号 / the patent's public id, e.g. pat-12"})
    title = fields.String(required=True)
    title_en = fields.String(required=True, allow_none=True)
    licences_granted = fields.Integer(required=True, metadata={"description": "平台上已授予的许可数 / licences granted on the platform"})


class LicenceApplicantSchema(Schema):
    name = fields.String(required=True)
    email = fields.String(required=True)
    phone = fields.String(required=True, allow_none=True)
    organisation = fields.String(required=True, allow_none=True)


class LicenceLinksSchema(Schema):
    self = fields.String(required=True, metadata={"format": "uri"})
    html = fields.String(required=True, metadata={"format": "uri", "description": "网站上的申请页 / the application's page"})
    patent = fields.String(required=True, metadata={"format": "uri"})
    grant = fields.String(metadata={"format": "uri", "description": "专利权人，待确认时 / the holder, while it waits"})
    refuse = fields.String(metadata={"format": "uri", "description": "专利权人，待确认时 / the holder, while it waits"})
    withdraw = fields.String(metadata={"format": "uri", "description": "申请方，待确认时 / the applicant, while it waits"})


class LicenceApplicationSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(LICENCE_STATES), metadata={
        "description": "applied 待确认、granted 已授予、refused 已拒绝、withdrawn 已撤回 / waiting, granted, refused, withdrawn"})
    patent = fields.Nested(LicencePatentSchema, required=True)
    licensee = fields.String(required=True)
    scope = fields.String(required=True, allow_none=True)
    start_date = fields.String(required=True, metadata={"format": "date"})
    end_date = fields.String(required=True, metadata={"format": "date"})
    fee = fields.Float(required=True, allow_none=True, metadata={"description": "许可费，元（声明的）/ the declared fee, CNY"})
    terms = fields.Nested(LicenceTermsSchema, required=True, metadata={"description": "申请时声明的条件 / the declaration's terms when applied for"})
    holder_note = fields.String(required=True, allow_none=True, metadata={"description": "专利权人的附言或拒绝理由 / the holder's note or reason"})
    applicant = fields.Nested(LicenceApplicantSchema, required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    updated_at = fields.String(required=True, metadata={"format": "date-time"})
    decided_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    links = fields.Nested(LicenceLinksSchema, required=True)


class PatentLicensingLinksSchema(Schema):
    self = fields.String(required=True, metadata={"format": "uri"})
    record = fields.String(required=True, metadata={"format": "uri"})
    apply = fields.String(metadata={"format": "uri", "description": "可以申请时 / when it can be applied for"})


class PatentLicensingSchema(Schema):
    patent = fields.String(required=True, metadata={"description": "专利的公开编号 / the patent's public id"})
    declared = fields.Boolean(required=True, metadata={"description": "曾作出开放许可声明 / an open-licence declaration was made"})
    active = fields.Boolean(required=True, metadata={"description": "声明有效（未撤回）/ the declaration stands (not withdrawn)"})
    applicable = fields.Boolean(required=True, metadata={"description": "现在可以申请 / can be applied for now"})
    reason = fields.Nested(LicenceRefusalSchema, required=True, allow_none=True,
                           metadata={"description": "不能申请的原因 / why it cannot be applied for"})
    terms = fields.Nested(LicenceTermsSchema, required=True, allow_none=True, metadata={"description": "声明的条件 / the declared terms"})
    licences_granted = fields.Integer(required=True, metadata={"description": "平台上已授予的许可数 / licences granted on the platform"})
    waiting = fields.Integer(required=True, allow_none=True, metadata={
        "description": "待专利权人确认的申请数（仅对专利权人）/ applications waiting (the holder only; null for others)"})
    suggested_end_date = fields.String(required=True, allow_none=True, metadata={
        "format": "date", "description": "从今天起按声明期限的终止日 / the declared term's last day, from today"})
    links = fields.Nested(PatentLicensingLinksSchema, required=True)


# -- the answers' bodies ---------------------------------------------------------------------------------

def terms_body(terms: dict[str, Any] | None) -> dict[str, Any]:
    """The declared terms with their types fixed (numbers as numbers, dates as ISO text)."""
    terms = terms or {}
    out: dict[str, Any] = {}
    for key in TERM_KEYS:
        value = terms.get(key)
        if key in ("fee", "royalty_rate"):
            try:
                value = float(value) if value not in (None, "") else None
            except (TypeError, ValueError):
                value = None
        elif value is not None:
            value = value.isoformat() if isinstance(value, date) else str(value)
        out[key] = value
    return out


def application_body(identity: Identity, a: LicenceApplication, granted: int, holds: bool) -> dict[str, Any]:
    user, patent = a.applicant, a.patent
    links = {"self": external_url("api.get_licence_application", application_id=a.id),
             "html": external_url("licences.application", application_id=a.id),
             "patent": external_url("api.get_record", public_id=patent.public_id)}
    if a.status == "applied" and holds:
        links["grant"] = external_url("api.grant_licence_application", application_id=a.id)
        links["refuse"] = external_url("api.refuse_licence_application", application_id=a.id)
    if a.status == "applied" and a.applicant_id == identity.user_id:
        links["withdraw"] = external_url("api.withdraw_licence_application", application_id=a.id)
    return {
        "id": a.id, "status": a.status,
        "patent": {"id": patent.public_id, "title": patent.title, "title_en": patent.title_en, "licences_granted": granted},
        "licensee": a.licensee, "scope": a.scope, "start_date": a.start_date.isoformat(), "end_date": a.end_date.isoformat(),
        "fee": float(a.fee) if a.fee is not None else None, "terms": terms_body(a.terms), "holder_note": a.holder_note,
        "applicant": {"name": user.name, "email": user.email, "phone": user.phone,
                      "organisation": user.organisation or (user.institution.name if user.institution else None)},
        "created_at": iso(a.created_at), "updated_at": iso(a.updated_at or a.created_at), "decided_at": iso(a.decided_at),
        "links": links,
    }


def licensing_body(patent: Patent, refusal: Any, granted: int, waiting: int | None, suggested_end: date | None,
                   may_apply: bool) -> dict[str, Any]:
    """What the platform knows of a patent's open licence: terms, whether and why not, licences granted."""
    declaration = patent.open_licence or {}
    links = {"self": external_url("api.get_patent_licensing", public_id=patent.public_id),
             "record": external_url("api.get_record", public_id=patent.public_id)}
    if refusal is None and may_apply:
        links["apply"] = external_url("api.apply_for_licence", public_id=patent.public_id)
    return {
        "patent": patent.public_id, "declared": bool(declaration.get("declared_at")), "active": patent.open_licence_active,
        "applicable": refusal is None, "reason": {"code": refusal.code, "message": str(refusal)} if refusal is not None else None,
        "terms": terms_body(declaration) if declaration.get("declared_at") else None, "licences_granted": granted,
        "waiting": waiting, "suggested_end_date": suggested_end.isoformat() if suggested_end else None, "links": links,
    }
