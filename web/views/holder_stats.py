"""The institution's dashboard (``/publish/stats``): a publisher's own institution, its records by
status and how people used them (views, downloads, the searches whose results showed them).
Administrators look at any institution with ``?institution=<public id>``."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from ..extensions import db
from ..security import require_signed_in
from ..services.holder_stats import PERIODS, TYPES, HolderStats, period

bp = Blueprint("holder_stats", __name__)


@bp.get("/publish/stats")
def stats():
    identity = require_signed_in()  # anonymous: the sign-in page
    service = HolderStats(db.session)
    asked = request.args.get("institution", "").strip() or None
    institution = service.institution(identity, asked)  # another institution's: 403; an unknown one: 404
    days = period(request.args.get("days", type=int))
    board = service.dashboard(identity, institution.id, days) if institution is not None else None
    # links keep the institution an administrator chose; a publisher's own needs no parameter
    chosen = institution.public_id if institution is not None and asked else None
    return render_template("publish/stats.html", board=board, periods=PERIODS, days=days, types=TYPES, chosen=chosen,
                           identity=identity, asked=asked)
