"""Files attached to records: uploaded and deleted by the record's holder (or an administrator),
public or confidential, checked by content (``filetypes.py``), kept outside the web root
(``attachment_store.py``).

Who sees what:
* a public file: everyone who may see the record (nobody but its maintainers and reviewers
  while the record is not published);
* a confidential file: its title is listed to signed-in members, its content goes to the
  holder, administrators, and members whose access request the holder approved
  (``access_requests.py``); every such download is a disclosure, logged."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import vocabularies
from ..disclosure import ATTACHMENT
from ..models import BY_PREFIX, AccessRequest, Attachment
from .attachment_store import FileStore
from .audit import AuditLog
from .disclosures import DisclosureLog
from .filetypes import MB, FileRefused, ZipLimits, detect
from .holdings import holds, load, visible
from .identity import Identity
from .records import PermissionDenied, RecordNotFound
from .uow import CallbackOp, UnitOfWork


class AttachmentNotFound(RecordNotFound):
    """No such attachment, or none this identity may know of (404 either way)."""


@dataclass(frozen=True)
class AttachmentSettings:
    max_bytes: int = 20 * MB
    max_per_record: int = 20
    zip_limits: ZipLimits = ZipLimits()

    @classmethod
    def from_config(cls, config: Any) -> "AttachmentSettings":
        return cls(max_bytes=int(float(config.get("ATTACHMENT_MAX_MB") or 20) * MB),
                   max_per_record=int(config.get("ATTACHMENT_MAX_PER_RECORD") or 20),
                   zip_limits=ZipLimits(max_unzipped=int(config.get("ATTACHMENT_MAX_UNZIPPED_MB") or 200) * MB))


@dataclass(frozen=True)
class Listed:
    """An attachment as one reader sees it in a record's list: ``access`` is ``public``,
    ``holder`` (the reader maintains the record), ``approved``, ``pending``, ``rejected`` or
    ``none`` (a member who has not asked yet)."""

    attachment: Attachment
    access: str
    request: AccessRequest | None = None

    @property
    def can_download(self) -> bool:
        return self.access in ("public", "holder", "approved")


def clean_filename(name: str | None) -> str:
    """The base name of an uploaded file, without control characters or path parts."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    return name[:200] or "file"


def download_name(att: Attachment) -> str:
    """The uploaded name with the extension of what the file really is (a PDF uploaded as
    ``report.docx`` downloads as ``report.pdf``)."""
    from .filetypes import TYPES

    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", att.filename) or "file"
    return f"{stem}.{TYPES[att.kind].extension}"


class AttachmentService:
    def __init__(self, session: Session, store: FileStore, settings: AttachmentSettings, log: DisclosureLog, audit: AuditLog,
                 unit_of_work: Callable[[], AbstractContextManager[UnitOfWork]]):
        self.session, self.store, self.settings = session, store, settings
        self.log, self.audit, self.unit_of_work = log, audit, unit_of_work

    # -- reading ------------------------------------------------------------------------------
    def record(self, identity: Identity, public_id: str) -> Any:
        """The record a public id names, if ``identity`` may see it (its holder may, published
        or not: files are attached before a record goes out)."""
        cls = BY_PREFIX.get(public_id.split("-", 1)[0])
        number = cls.parse_public_id(public_id) if cls is not None else None
        rec = self.session.get(cls, number) if number is not None else None
        if rec is None or not visible(identity, rec):
            raise RecordNotFound(public_id)
        return rec

    def record_of(self, identity: Identity, att: Attachment) -> Any:
        rec = load(self.session, att.record_type, att.record_id)
        if rec is None or not visible(identity, rec):
            raise AttachmentNotFound(f"attachment {att.id}")
        return rec

    def get(self, identity: Identity, attachment_id: int) -> tuple[Attachment, Any]:
        """The attachment and its record, if ``identity`` may know of it."""
        att = self.session.get(Attachment, attachment_id) if 0 < attachment_id < 2**31 else None
        if att is None:
            raise AttachmentNotFound(f"attachment {attachment_id}")
        rec = self.record_of(identity, att)
        if att.confidential and not identity.is_member:
            raise AttachmentNotFound(f"attachment {attachment_id}")  # visitors do not learn of confidential files
        return att, rec

    def access(self, identity: Identity, att: Attachment, rec: Any, request: AccessRequest | None = None) -> str:
        if holds(identity, rec):
            return "holder"
        if not att.confidential:
            return "public"
        return request.status if request is not None else "none"

    def listing(self, identity: Identity, rec: Any) -> list[Listed]:
        """The record's attachments ``identity`` may know of, oldest first, with what each
        reader may do with them."""
        query = select(Attachment).where(Attachment.record_type == rec.RECORD_TYPE, Attachment.record_id == rec.id)
        if not identity.is_member:
            query = query.where(Attachment.confidential.is_(False))
        attachments = list(self.session.scalars(query.order_by(Attachment.id)))
        requests: dict[int, AccessRequest] = {}
        if identity.user_id is not None and any(a.confidential for a in attachments):
            requests = {r.attachment_id: r for r in self.session.scalars(select(AccessRequest).where(
                AccessRequest.requester_id == identity.user_id, AccessRequest.attachment_id.in_([a.id for a in attachments])))}
        return [Listed(a, self.access(identity, a, rec, requests.get(a.id)), requests.get(a.id)) for a in attachments]

    def confidential_count(self, rec: Any) -> int:
        """How many confidential files the record has (a visitor is told there are some)."""
        return self.session.scalar(select(func.count()).select_from(Attachment).where(
            Attachment.record_type == rec.RECORD_TYPE, Attachment.record_id == rec.id, Attachment.confidential.is_(True))) or 0

    def listed(self, identity: Identity, attachment_id: int) -> Listed:
        att, rec = self.get(identity, attachment_id)
        request = None
        if identity.user_id is not None and att.confidential:
            request = self.session.scalar(select(AccessRequest).where(
                AccessRequest.attachment_id == att.id, AccessRequest.requester_id == identity.user_id))
        return Listed(att, self.access(identity, att, rec, request), request)

    def open(self, identity: Identity, attachment_id: int, channel: str = "file") -> tuple[Attachment, Path]:
        """The file to send, if ``identity`` may have it; a confidential file handed to someone
        other than its maintainers is logged as a disclosure (committed here)."""
        listed = self.listed(identity, attachment_id)
        att = listed.attachment
        if not listed.can_download:
            raise PermissionDenied("保密附件须经持有单位批准查看申请后下载 / a confidential file downloads once the holder "
                                   "approved your access request")
        if att.confidential and listed.access == "approved":
            with self.unit_of_work():
                self.log.note(identity, self.record_of(identity, att), ATTACHMENT, channel, attachment=att)
        path = self.store.path(att.storage_key)
        if not path.is_file():
            raise AttachmentNotFound(f"the file of attachment {att.id} is missing")
        return att, path

    # -- writing ------------------------------------------------------------------------------
    def _require_holder(self, identity: Identity, rec: Any) -> None:
        if not holds(identity, rec):
            raise PermissionDenied("只有记录的持有单位或管理员可以管理附件 / only the record's holder or an administrator manages its files")

    def upload(self, identity: Identity, rec: Any, stream: BinaryIO, filename: str | None, *, title: str | None = None,
               category: str | None = None, confidential: bool = False) -> Attachment:
        """Keep an uploaded file for ``rec``: FileRefused when it is too large, of a type we do
        not keep, or one too many for the record."""
        self._require_holder(identity, rec)
        if category is not None and category not in vocabularies.get("attachment_category"):
            raise FileRefused("invalid_category", "未知的附件类别", "unknown attachment category", status=422)
        count = self.session.scalar(select(func.count()).select_from(Attachment).where(
            Attachment.record_type == rec.RECORD_TYPE, Attachment.record_id == rec.id))
        if count >= self.settings.max_per_record:
            n = self.settings.max_per_record
            raise FileRefused("too_many_attachments", f"每条记录最多 {n} 个附件，请先删除不需要的附件",
                              f"a record has at most {n} files; delete one first", status=409)
        received = self.store.receive(stream, self.settings.max_bytes)
        try:
            found = detect(received.path, self.settings.zip_limits)
            name = clean_filename(filename)
            att = Attachment(record_type=rec.RECORD_TYPE, record_id=rec.id, title=(title or "").strip()[:200] or name,
                             filename=name, kind=found.kind, media_type=found.media_type, category=category,
                             size=received.size, sha256=received.sha256, storage_key=received.key,
                             confidential=bool(confidential), uploaded_by=identity.user_id)
            with self.unit_of_work():
                self.session.add(att)
                self.session.flush()
                self.audit.record(identity, "attachment.upload", rec.public_id, {
                    "attachment": att.id, "filename": name, "kind": found.kind, "size": received.size, "confidential": att.confidential})
        except BaseException:
            self.store.remove(received.key)
            raise
        return att

    def change(self, identity: Identity, attachment_id: int, *, title: str | None = None, category: str | None = None,
               confidential: bool | None = None) -> Attachment:
        """Rename an attachment, change its category, or mark it public or confidential."""
        att, rec = self.get(identity, attachment_id)
        self._require_holder(identity, rec)
        before = {"title": att.title, "category": att.category, "confidential": att.confidential}
        if category and category not in vocabularies.get("attachment_category"):
            raise FileRefused("invalid_category", "未知的附件类别", "unknown attachment category", status=422)
        with self.unit_of_work():
            if title is not None and title.strip():
                att.title = title.strip()[:200]
            if category is not None:
                att.category = category or None
            if confidential is not None:
                att.confidential = confidential
            after = {"title": att.title, "category": att.category, "confidential": att.confidential}
            self.audit.record(identity, "attachment.change", rec.public_id, {"attachment": att.id, "before": before, "after": after})
        return att

    def delete(self, identity: Identity, attachment_id: int) -> None:
        """Delete the attachment, its access requests and, once that is committed, its file."""
        att, rec = self.get(identity, attachment_id)
        self._require_holder(identity, rec)
        key = att.storage_key
        with self.unit_of_work() as uow:
            self.audit.record(identity, "attachment.delete", rec.public_id, {"attachment": att.id, "filename": att.filename})
            self.session.delete(att)
            uow.register(CallbackOp(lambda: self.store.remove(key)))


__all__ = ["AttachmentService", "AttachmentSettings", "AttachmentNotFound", "Listed", "clean_filename", "download_name"]
