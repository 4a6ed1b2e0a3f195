"""Technology needs (技术需求) on the site: a company's own needs and their drafts, the form that
posts one for review, and the panels of the matching on record pages (a need's page offers the
results that could answer it; an achievement's or a patent's page the open needs it could answer).

Needs are listed and searched on the search page (``type=need``); a need is reviewed as any draft
is (``/publish/drafts/<id>``)."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from marshmallow import ValidationError
from sqlalchemy import select

from ..extensions import db
from ..models import Achievement, Need, Patent, User
from ..proxies import current_services
from ..schemas import error_list
from ..security import require_signed_in
from ..services.identity import Identity
from ..services.records import PermissionDenied
from .publish import form_page, read_form
from .record_panels import record_panel

bp = Blueprint("needs", __name__)


def _require_poster() -> Identity:
    identity = require_signed_in()
    if not current_services.drafts.may_post(identity, "need"):
        raise PermissionDenied("技术需求由企业或技术转移机构发布 / companies and intermediaries post technology needs")
    return identity


@bp.get("/needs/mine")
def mine():
    """A company's needs: drafts (with where they stand in the review) and published ones. An
    institution's publishers: the new needs their results could answer."""
    identity = require_signed_in()
    poster = current_services.drafts.may_post(identity, "need")
    if not (poster or identity.is_publisher):
        raise PermissionDenied("技术需求页面面向企业、技术转移机构和单位发布者 / for companies, intermediaries and publishers")
    drafts, needs = [], []
    if poster:
        drafts = current_services.drafts.listing(identity, record_type="need", status=("draft", "rejected", "submitted", "in_review"))
        needs = list(db.session.scalars(select(Need).where(Need.owner_id == identity.user_id).order_by(Need.id.desc())))
    matches = current_services.need_alerts.for_institution(identity.institution_id) if identity.is_publisher else []
    return render_template("needs/mine.html", poster=poster, drafts=drafts, needs=needs, matches=matches, today=date.today())


@bp.route("/needs/new", methods=["GET", "POST"])
def new():
    identity = _require_poster()
    title, action, cancel = gettext("发布技术需求"), url_for("needs.new"), url_for("needs.mine")
    if request.method == "GET":
        user = db.session.get(User, identity.user_id) if identity.user_id else None
        values = {"organisation": user.organisation} if user is not None and user.organisation else {}
        if user is not None and (user.name or user.phone or user.email):
            values |= {"contact.name": user.name or "", "contact.phone": user.phone or "", "contact.email": user.email or ""}
        return form_page("need", values=values, action=action, title=title, cancel=cancel)
    values, data, problems = read_form("need")
    if data is None:
        return form_page("need", values=values, problems=problems, status=422, action=action, title=title, cancel=cancel)
    try:
        draft = current_services.drafts.create(identity, "need", data, source="form")
    except ValidationError as exc:
        return form_page("need", values=values, problems=error_list(exc.messages), status=422, action=action, title=title,
                         cancel=cancel)
    db.session.commit()
    flash(gettext("需求已保存为草稿。检查预览无误后请提交审核，审核通过后公开发布。"), "ok")
    return redirect(url_for("publish.draft", draft_id=draft.id), code=303)


def _flag(name: str) -> bool:
    return request.args.get(name) in ("1", "true", "on")


@record_panel("needs/_matches_panel.html", place="side", order=10)
def matches_panel(identity: Identity, rec: Any) -> dict[str, Any] | None:
    """On a need's page: the results that could answer it. On an achievement's or a patent's
    page: the open needs it could answer."""
    matching = current_services.need_matching
    same_field, same_city = _flag("match_field"), _flag("match_city")
    if isinstance(rec, Need):
        if rec.status != "published":
            return None
        found = matching.results_for_need(identity, rec.public_id, same_field=same_field, same_city=same_city)
        return {"direction": "results", "matches": found, "same_field": same_field, "same_city": same_city}
    if isinstance(rec, (Achievement, Patent)) and rec.status == "published":
        found = matching.needs_for_record(identity, rec.INDEX, rec.public_id, same_field=same_field, same_city=same_city)
        return {"direction": "needs", "matches": found, "same_field": same_field, "same_city": same_city}
    return None
