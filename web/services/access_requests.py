"""Access to confidential attachments: a signed-in member asks (with a short message), the
record's holder (or an administrator) approves or rejects it (with an optional note), the
member sees the answer and, once approved, downloads the file.

One request per member and attachment: asking again after a rejection reopens it; the holder
may change a decision later (a rejection after an approval takes the access back). Requests
and decisions are security-relevant, so each goes to the audit log with the change."""
from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import AccessRequest, Attachment
from ..models.common import utcnow
from .attachments import AttachmentService
from .audit import AuditLog
from .holdings import held_by, holds, load, title_of
from .identity import Identity
from .records import PermissionDenied, RecordNotFound
from .uow import UnitOfWork

MAX_MESSAGE = 1000
MAX_NOTE = 1000


class AccessRequestNotFound(RecordNotFound):
    """No such request, or not one this identity is party to (404 either way)."""


class AccessRequestError(ValueError):
    """A request that cannot be made (the message is for people, 中文 / English)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class AccessRequestService:
    def __init__(self, session: Session, attachments: AttachmentService, audit: AuditLog,
                 unit_of_work: Callable[[], AbstractContextManager[UnitOfWork]]):
        self.session, self.attachments, self.audit, self.unit_of_work = session, attachments, audit, unit_of_work

    def ask(self, identity: Identity, attachment_id: int, message: str) -> AccessRequest:
        """A member's request for a confidential attachment (the existing one, reopened, if the
        member asked before and was turned down)."""
        if not identity.is_member or identity.user_id is None:
            raise PermissionDenied("请先登录 / sign in first")
        att, rec = self.attachments.get(identity, attachment_id)
        if not att.confidential:
            raise AccessRequestError("not_confidential", "该附件是公开的，可直接下载 / this file is public: download it")
        if holds(identity, rec):
            raise AccessRequestError("holder", "您所在单位持有该记录，可直接下载 / your institution holds this record: download it")
        message = (message or "").strip()
        if not message:
            raise AccessRequestError("message_required", "请说明申请查看的用途 / say what you need the file for")
        if len(message) > MAX_MESSAGE:
            raise AccessRequestError("message_too_long", f"说明最多 {MAX_MESSAGE} 个字符 / at most {MAX_MESSAGE} characters")
        request = self.session.scalar(select(AccessRequest).where(
            AccessRequest.attachment_id == att.id, AccessRequest.requester_id == identity.user_id))
        if request is not None and request.status != "rejected":
            return request  # pending or approved already: nothing to ask
        with self.unit_of_work():
            if request is None:
                request = AccessRequest(attachment_id=att.id, requester_id=identity.user_id)
                self.session.add(request)
            request.status, request.message, request.note = "pending", message, None
            request.decided_by, request.decided_at, request.created_at = None, None, utcnow()
            self.session.flush()
            self.audit.record(identity, "access.request", rec.public_id, {"attachment": att.id, "request": request.id})
        return request

    def get(self, identity: Identity, request_id: int) -> AccessRequest:
        """A request its requester, the record's holder or an administrator may read."""
        request = self.session.get(AccessRequest, request_id) if 0 < request_id < 2**31 else None
        if request is None or not (request.requester_id == identity.user_id or self._holds(identity, request)):
            raise AccessRequestNotFound(f"access request {request_id}")
        return request

    def _holds(self, identity: Identity, request: AccessRequest) -> bool:
        att = request.attachment
        rec = load(self.session, att.record_type, att.record_id)
        return rec is not None and holds(identity, rec)

    def decide(self, identity: Identity, request_id: int, approve: bool, note: str | None = None) -> AccessRequest:
        request = self.get(identity, request_id)
        if not self._holds(identity, request):
            raise PermissionDenied("只有记录的持有单位或管理员可以审批 / only the record's holder or an administrator decides")
        note = (note or "").strip() or None
        if note and len(note) > MAX_NOTE:
            raise AccessRequestError("note_too_long", f"备注最多 {MAX_NOTE} 个字符 / at most {MAX_NOTE} characters")
        with self.unit_of_work():
            before = request.status
            request.status = "approved" if approve else "rejected"
            request.note, request.decided_by, request.decided_at = note, identity.user_id, utcnow()
            att = request.attachment
            self.audit.record(identity, f"access.{'approve' if approve else 'reject'}", att.record_public_id,
                              {"attachment": att.id, "request": request.id, "requester": request.requester_id, "before": before})
        return request

    def mine(self, identity: Identity, limit: int = 200) -> list[AccessRequest]:
        """The requests ``identity`` made, newest first."""
        if identity.user_id is None:
            return []
        return list(self.session.scalars(select(AccessRequest).where(AccessRequest.requester_id == identity.user_id)
                                          .order_by(AccessRequest.id.desc()).limit(limit)))

    def incoming(self, identity: Identity, status: str | None = None, limit: int = 200) -> list[AccessRequest]:
        """Requests for files of records ``identity`` holds (every request for administrators),
        pending ones first, then newest first."""
        if not (identity.is_admin or identity.is_publisher):
            return []
        query = select(AccessRequest).join(Attachment)
        if not identity.is_admin:
            query = query.where(held_by(identity.institution_id, Attachment.record_type, Attachment.record_id))
        if status:
            query = query.where(AccessRequest.status == status)
        query = query.order_by((AccessRequest.status == "pending").desc(), AccessRequest.id.desc()).limit(limit)
        return list(self.session.scalars(query))

    def record_title(self, request: AccessRequest) -> tuple[str, str]:
        """(public id, title) of the record the requested file belongs to."""
        att = request.attachment
        rec: Any = load(self.session, att.record_type, att.record_id)
        return att.record_public_id, title_of(rec) if rec is not None else att.record_public_id


__all__ = ["AccessRequestService", "AccessRequestError", "AccessRequestNotFound"]
