"""The administration API (``/api/v1/admin``), for administrators only: accounts (list,
create by invitation, change), merging institutions, and the audit log. The same services as
the pages (``/admin``); the same audit events."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import abort, jsonify, request
from marshmallow import ValidationError

from ..extensions import db
from ..models import AuditEvent, User
from ..password_mail import compose_password_mail
from ..proxies import current_services
from ..security import require_admin
from ..services.institution_merge import MergePlan, MergeRefused
from ..services.paging import Page
from ..services.user_admin import UserQuery, institution_by_reference
from . import bp
from .admin_schemas import AuditArgsSchema, MergeBodySchema, UserChangeSchema, UserCreateSchema, UserListArgsSchema
from .common import json_object
from .errors import error_response

user_list_args, user_create, user_change = UserListArgsSchema(), UserCreateSchema(), UserChangeSchema()
merge_body, audit_args = MergeBodySchema(), AuditArgsSchema()
USER_ID = "<int(min=1, max=2147483647):user_id>"


def _utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc).isoformat()


def user_body(user: User) -> dict[str, Any]:
    return {"id": user.id, "email": user.email, "name": user.name, "role": user.role,
            "institution": user.institution.public_id if user.institution else None, "active": user.active,
            "password_set": bool(user.password_hash), "created_at": _utc(user.created_at), "last_login_at": _utc(user.last_login_at)}


def _page(result: Page, body) -> dict[str, Any]:
    return {"items": [body(i) for i in result.items], "total": result.total, "page": result.page, "pages": result.pages}


def _institution_id(reference: str | None, field: str = "institution") -> int | None:
    if reference is None:
        return None
    inst = institution_by_reference(db.session, reference)
    if inst is None:
        raise ValidationError({field: ["单位不存在 / no such institution"]})
    return inst.id


@bp.get("/admin/users")
def admin_list_users():
    identity = require_admin()
    args = user_list_args.load(request.args)
    query = UserQuery(text=args["q"], role=args["role"], institution_id=_institution_id(args["institution"]), active=args["active"],
                      page=args["page"], per_page=args["per_page"])
    return jsonify(_page(current_services.user_admin.search(identity, query), user_body))


@bp.post("/admin/users")
def admin_create_user():
    identity = require_admin()
    data = user_create.load(json_object())
    invitation = current_services.user_admin.invite(
        identity, email=data["email"], name=data["name"], role=data["role"], institution_id=_institution_id(data["institution"]),
        organisation=data["organisation"], compose=compose_password_mail)
    body = {**user_body(invitation.user), "mail": {"sent": invitation.mail.sent, "mail_configured": invitation.mail.mail_configured}}
    return jsonify(body), 201


@bp.patch(f"/admin/users/{USER_ID}")
def admin_change_user(user_id: int):
    identity = require_admin()
    service = current_services.user_admin
    try:
        user = service.get(identity, user_id)
    except LookupError:
        abort(404, description="账号不存在 / no such account")
    data = user_change.load(json_object())
    if "institution" in data:
        data["institution_id"] = _institution_id(data.pop("institution"))
    service.change(identity, user, **data)  # AccountError: 422 (the last administrator, oneself)
    db.session.commit()
    return jsonify(user_body(user))


@bp.post("/admin/institutions/<public_id>/merge")
def admin_merge_institution(public_id: str):
    """Merge the institution into ``target`` (or, with ``dry_run``, say what would move)."""
    identity = require_admin()
    data = merge_body.load(json_object())
    merges = current_services.merges
    if data["dry_run"]:
        plan = merges.plan(identity, merges.institution(public_id), merges.institution(data["target"]))
        if plan.problems:
            return _refused(plan.problems)
        return jsonify(merge_body_of(plan, merged=False))
    try:
        plan = merges.merge(identity, public_id, data["target"])
    except MergeRefused as refused:
        return _refused(refused.reasons)
    return jsonify(merge_body_of(plan, merged=True))


def _refused(reasons: list[str]):
    return error_response(409, "merge_refused", "不能合并 / the merge cannot be done", [{"field": "target", "message": r} for r in reasons])


def merge_body_of(plan: MergePlan, *, merged: bool) -> dict[str, Any]:
    moved = plan.moved()
    moved.pop("other", None)
    return {"source": f"org-{plan.source.id}", "target": plan.target.public_id, "merged": merged, "moved": moved,
            "duplicate_holders_dropped": {"achievements": [f"ach-{i}" for i in plan.shared_achievements],
                                          "patents": [f"pat-{i}" for i in plan.shared_patents]},
            "filled": plan.filled, "warnings": plan.warnings}


def event_body(event: AuditEvent) -> dict[str, Any]:
    return {"id": event.id, "at": _utc(event.at), "actor": event.actor, "actor_id": event.actor_id, "action": event.action,
            "target": event.target, "summary": event.summary, "details": event.details or {}}


@bp.get("/admin/audit")
def admin_audit():
    require_admin()
    args = audit_args.load(request.args)
    filters = {k: args[k] for k in ("action", "actor", "target", "since", "until") if args[k]}
    log = current_services.audit
    per_page = args["per_page"]
    events = log.events(limit=per_page, offset=(args["page"] - 1) * per_page, **filters)
    return jsonify(_page(Page(events, log.count(**filters), args["page"], per_page), event_body))


__all__ = ["user_body", "event_body", "merge_body_of"]
