"""Administration pages (``/admin``): accounts, institutions (merging duplicates) and the audit
log, for administrators only. The whole blueprint is closed: every request passes
``require_admin`` before any view runs (anonymous: the sign-in page; any other role: 403).

Views are thin: a form in, a service call with the administrator's identity, a page out."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, render_template
from flask_babel import format_datetime
from sqlalchemy import func, select

from ...extensions import db
from ...models import OPEN_DRAFT_STATES, ImportJob, OutboxEntry, RecordDraft
from ...proxies import current_services
from ...security import require_admin

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _administrators_only() -> None:
    require_admin()


@bp.app_template_filter("admin_time")
def admin_time(value: datetime | None) -> str:
    """A stored time (UTC; SQLite keeps no offset) to the minute, where the readers are."""
    if value is None:
        return ""
    return format_datetime(value if value.tzinfo else value.replace(tzinfo=timezone.utc), "yyyy-MM-dd HH:mm")


@bp.app_template_filter("audit_details")
def audit_details(details: Any, limit: int = 160) -> str:
    """An event's details as short JSON text (the CSV export has them whole)."""
    if not details:
        return ""
    text = json.dumps(details, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@bp.get("/")
def index():
    identity = require_admin()
    waiting_drafts = db.session.scalar(select(func.count()).select_from(RecordDraft)
                                       .where(RecordDraft.status.in_(("submitted", "in_review")))) or 0
    open_drafts = db.session.scalar(select(func.count()).select_from(RecordDraft).where(RecordDraft.status.in_(OPEN_DRAFT_STATES))) or 0
    jobs = db.session.scalar(select(func.count()).select_from(ImportJob).where(ImportJob.status.in_(("queued", "running")))) or 0
    outbox = db.session.scalar(select(func.count()).select_from(OutboxEntry)) or 0
    return render_template(
        "admin/index.html", roles=current_services.user_admin.counts_by_role(identity),
        institutions=current_services.institutions.total(identity), waiting_drafts=waiting_drafts, open_drafts=open_drafts,
        jobs=jobs, outbox=outbox, recent=current_services.audit.events(limit=10),
    )


from . import audit, institutions, selection, stats_reports, usage, users  # noqa: E402,F401 - they add their routes to ``bp``

__all__ = ["bp"]
