"""The open-licence panel of a patent's page (``record_panels``): the declared terms, how many
licences the platform has recorded for the patent, and what the reader may do: a company
applies (or sees its waiting application), the holder sees how many wait for it; when the
patent cannot be applied for (declaration withdrawn, patent no longer in force) the reason
instead of the button. Patents that were never declared open show no panel.

Also the labels the licence pages share (status names and their badge colours)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from ..models import Patent
from ..proxies import current_services
from ..services.identity import Identity
from ..services.licences import why_not_applicable
from .record_panels import record_panel
from .selection import say

STATUS_LABELS = {"applied": _l("待确认"), "granted": _l("已授予"), "refused": _l("已拒绝"), "withdrawn": _l("已撤回")}
# the access requests' badge colours (site.css): waiting, approved, refused
STATUS_BADGES = {"applied": "status-pending", "granted": "status-approved", "refused": "status-rejected", "withdrawn": ""}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def refusal_text(patent: Patent) -> str | None:
    """Why this patent cannot be applied for now, in the reader's language; None when it can."""
    refusal = why_not_applicable(patent)
    return say(refusal) if refusal is not None else None


@record_panel("licences/_record_panel.html", place="main", order=30)
def licence_panel(identity: Identity, rec: Any) -> dict[str, Any] | None:
    if not isinstance(rec, Patent):
        return None
    service = current_services.licences
    granted = service.granted_count([rec.id]).get(rec.id, 0)
    declaration = rec.open_licence or {}
    if not declaration.get("declared_at") and not granted:
        return None
    holds = service.holds(identity, rec)
    return {
        "public_id": rec.public_id, "terms": declaration, "active": rec.open_licence_active, "granted": granted,
        "reason": refusal_text(rec), "holds": holds, "signed_in": identity.is_authenticated,
        "waiting": service.waiting(identity, rec.id) if identity.is_authenticated and not holds else None,
        "pending": service.waiting_count(rec.id) if holds else 0,
    }


__all__ = ["STATUS_BADGES", "STATUS_LABELS", "licence_panel", "refusal_text", "status_label"]
