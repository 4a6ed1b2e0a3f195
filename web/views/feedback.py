"""Feedback on listings (需求方反馈): the record page's panel and the form's one route.

A signed-in company or intermediary says why a published record does not suit them (one reason,
a note); a later answer replaces theirs. The holder's publishers see, on the same panel, the
counts per reason and the notes, never who wrote them (``FeedbackService.summary``).

The form posts to ``/records/<public_id>/feedback`` and comes back to the record page
(``#feedback``), where the panel shows what was recorded; a refusal (a missing note for "other")
is shown on a page of its own with the form, since the record page belongs to the records view."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for

from ..forms.feedback import REASON_LABELS, FeedbackForm
from ..models import Institution, Need
from ..proxies import current_services
from ..security import require_signed_in
from ..services.feedback import AUTHOR_ROLES, FeedbackError
from ..services.identity import Identity
from ..services.records import PermissionDenied, holder_ids
from .inquiries import published_record, record_title
from .record_panels import record_panel
from .selection import say

bp = Blueprint("feedback", __name__)
PREFIX = "fb"  # the form's field names on the record page, apart from the other panels' fields


def may_give(identity: Identity) -> bool:
    return identity.is_authenticated and bool(identity.roles & AUTHOR_ROLES)


@bp.post("/records/<public_id>/feedback")
def give(public_id: str):
    identity = require_signed_in()
    if not may_give(identity):
        raise PermissionDenied("只有企业（投资方）和技术经纪人可以反馈 / companies and intermediaries give feedback")
    rec = published_record(identity, public_id)
    form = FeedbackForm(prefix=PREFIX)
    if form.validate_on_submit():
        try:
            current_services.feedback.give(identity, rec.public_id, form.reason.data, form.note.data)
        except FeedbackError as exc:
            target = {"reason": form.reason, "note": form.note}.get(exc.field or "")
            if target is not None:
                target.errors = [*list(target.errors or []), say(exc)]
            else:
                form.form_errors.append(say(exc))
        else:
            return redirect(url_for("records.record", public_id=rec.public_id) + "#feedback", code=303)
    return render_template("feedback/form.html", form=form, rec=rec, title=record_title(rec)), 422


@record_panel("feedback/_record_panel.html", place="main", order=40)
def record_feedback(identity: Identity, rec: Any) -> dict[str, Any] | None:
    """The form for companies and intermediaries (with their answer, if they gave one); the summary
    for the holder's publishers (and for administrators, once there is feedback)."""
    if isinstance(rec, (Institution, Need)) or getattr(rec, "status", None) != "published":
        return None  # feedback is on results offered; a need is answered by inquiries
    service = current_services.feedback
    if may_give(identity):
        mine = service.mine(identity, rec.public_id)
        data = {"reason": mine.reason, "note": mine.note or ""} if mine else None
        return {"mode": "author", "mine": mine, "form": FeedbackForm(prefix=PREFIX, formdata=None, data=data),
                "reason_labels": REASON_LABELS}
    if identity.is_authenticated and identity.acts_for_any(holder_ids(rec)):
        summary = service.summary(identity, rec.public_id)
        if identity.is_publisher or summary.total:
            return {"mode": "holder", "summary": summary, "reason_labels": REASON_LABELS}
    return None


__all__ = ["bp"]
