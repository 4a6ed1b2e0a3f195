"""The publishing workflow: draft → submitted → in review → published, or rejected (with a
reason) and edited again; a published record can be withdrawn by its holder.

Publishers prepare their own institution's records as drafts (new ones, or edits of published
ones) and submit them; reviewers (and administrators) approve or reject them. Approving goes
through ``RecordService.upsert`` with the draft, so it validates and matches natural keys
exactly as an import does, and writes a version of the record. Until then the published record,
if any, stays as it is, in the index and on its page.

Visibility: a draft is seen by the publishers of its institution, reviewers and administrators,
and by nobody else, who gets "not found" (a draft of another institution is invisible, not
just read-only)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import Session

from .. import normalize
from ..models import BY_PREFIX, OPEN_DRAFT_STATES, DraftComment, Institution, RecordDraft, User
from .audit import AuditLog
from .identity import Identity
from .records import PermissionDenied, RecordNotFound, RecordService, StaleRevision, holder_ids

MAX_COMMENT = 4000
OWNED_TYPES = ("need",)  # held by the account that posted them, not by an institution
NEED_POSTERS = frozenset({"investor", "intermediary"})
MAX_REASON = 2000


class DraftConflict(Exception):
    """A draft that cannot do this now (an open draft of the record exists; the record changed
    since the draft started; the draft is not in a state that allows it)."""


class StaleDraft(Exception):
    """The draft changed since the caller read it (If-Match, or the form's hidden revision)."""

    def __init__(self, expected: int, current: RecordDraft):
        super().__init__(f"expected draft revision {expected}, it is at {current.revision}")
        self.expected, self.current = expected, current


def _now() -> datetime:
    return datetime.now(timezone.utc)


def jsonable(value: Any) -> Any:
    """Draft data is kept as JSON: dates become ISO text (the schemas read them back)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


@dataclass
class DraftView:
    """A draft with what its page shows: the record it would make, and what it changes."""

    draft: RecordDraft
    preview: dict[str, Any] | None  # the record as it would be published (None: the data no longer validates)
    problems: list[tuple[str, str]]
    current: Any  # the published record an edit changes, or None
    current_dump: dict[str, Any] | None
    stale: bool  # the record changed since the draft started


class DraftService:
    def __init__(self, session: Session, records: dict[str, RecordService], unit_of_work: Any, audit: AuditLog):
        self.session = session
        self.records = records
        self.unit_of_work = unit_of_work
        self.audit = audit

    # -- who sees and does what ------------------------------------------------------------
    def may_see(self, identity: Identity, draft: RecordDraft) -> bool:
        return identity.is_reviewer or self._owns(identity, draft)

    def may_edit(self, identity: Identity, draft: RecordDraft) -> bool:
        return identity.is_admin or self._owns(identity, draft)

    @staticmethod
    def _owns(identity: Identity, draft: RecordDraft) -> bool:
        """An institution's drafts are its publishers'; a technology need's draft is the account's that wrote it."""
        if draft.record_type in OWNED_TYPES:
            return identity.user_id is not None and draft.created_by == identity.user_id
        return identity.is_publisher and draft.institution_id == identity.institution_id

    @staticmethod
    def may_post(identity: Identity, record_type: str) -> bool:
        """Who makes drafts of a type: institution publishers of their records, companies and
        intermediaries of technology needs, administrators of anything."""
        if identity.is_admin:
            return True
        if record_type in OWNED_TYPES:
            return bool(identity.roles & NEED_POSTERS)
        return identity.is_publisher

    def get(self, identity: Identity, draft_id: int) -> RecordDraft:
        draft = self.session.get(RecordDraft, draft_id) if 0 < draft_id < 2**31 else None
        if draft is None or not self.may_see(identity, draft):
            raise RecordNotFound(f"draft-{draft_id}")
        return draft

    def listing(self, identity: Identity, *, status: tuple[str, ...] | None = None, record_type: str | None = None,
                limit: int = 200) -> list[RecordDraft]:
        """Publishers: their institution's drafts. Reviewers and administrators: every draft
        (the review queue is ``status=("submitted", "in_review")``)."""
        query = select(RecordDraft).order_by(RecordDraft.updated_at.desc(), RecordDraft.id.desc()).limit(limit)
        if not identity.is_reviewer:
            query = query.where(self._own_drafts(identity))
        if status:
            query = query.where(RecordDraft.status.in_(status))
        if record_type:
            query = query.where(RecordDraft.record_type == record_type)
        return list(self.session.scalars(query))

    def counts(self, identity: Identity) -> dict[str, int]:
        query = select(RecordDraft.status, func.count()).group_by(RecordDraft.status)
        if not identity.is_reviewer:
            query = query.where(self._own_drafts(identity))
        return dict(self.session.execute(query).all())

    @staticmethod
    def _own_drafts(identity: Identity) -> Any:
        """The condition ``_owns`` states, for a query: nothing for an identity that owns no draft."""
        mine = (RecordDraft.record_type.in_(OWNED_TYPES) & (RecordDraft.created_by == identity.user_id)
                if identity.user_id is not None else false())
        if identity.is_publisher:
            return or_(mine, RecordDraft.record_type.not_in(OWNED_TYPES) & (RecordDraft.institution_id == identity.institution_id))
        return mine

    def open_draft_of(self, record: Any) -> RecordDraft | None:
        return self.session.scalar(select(RecordDraft).where(
            RecordDraft.record_type == record.RECORD_TYPE, RecordDraft.record_id == record.id,
            RecordDraft.status.in_(OPEN_DRAFT_STATES)).limit(1))

    # -- preparing ---------------------------------------------------------------------------
    def _holder_name(self, identity: Identity) -> str | None:
        inst = self.session.get(Institution, identity.institution_id) if identity.institution_id else None
        return inst.name if inst else None

    def _own(self, identity: Identity, record_type: str, raw: dict[str, Any], record: Any = None) -> dict[str, Any]:
        """A publisher's draft is their institution's: it names the institution as a holder
        (added as the lead holder when missing), and may not be about another institution."""
        data = {k: v for k, v in raw.items() if k != "record_type"}
        if record_type in OWNED_TYPES:
            if not data.get("organisation") and identity.user_id is not None:  # a company's need names the company
                user = self.session.get(User, identity.user_id)
                if user is not None and user.organisation:
                    data["organisation"] = user.organisation
            return data
        if identity.is_admin or not identity.is_publisher:
            return data
        name = self._holder_name(identity)
        key = normalize.institution_key(name or "")
        if record_type == "institution":
            if record is None or record.id != identity.institution_id:
                raise PermissionDenied("发布者只能维护本单位的信息 / a publisher maintains their own institution only")
            return data
        if record_type == "achievement":
            names = data.get("institutions") or []
            names = [names] if isinstance(names, str) else list(names)
            if not any(normalize.institution_key(str(n)) == key for n in names):
                names.insert(0, name)
            data["institutions"] = names
        elif record_type == "patent":
            names = data.get("applicants") or []
            names = [names] if isinstance(names, str) else list(names)
            if not any(normalize.institution_key(str(n)) == key for n in names):
                names.insert(0, name)
            data["applicants"] = names
        elif record_type == "instrument":
            data["institution"] = name
        return data

    def _validate(self, record_type: str, data: dict[str, Any]) -> dict[str, Any]:
        if record_type not in self.records:
            raise ValidationError({"record_type": ["未知的记录类型 / unknown record type"]})
        return self.records[record_type].validate(data)

    def create(self, identity: Identity, record_type: str, raw: dict[str, Any], *, record_public_id: str | None = None,
               source: str = "form") -> RecordDraft:
        """A new draft: of a new record, or (``record_public_id``) an edit of a published one."""
        if not self.may_post(identity, record_type):
            raise PermissionDenied("技术需求由企业或技术转移机构发布，其他记录由单位发布者发布 / companies and intermediaries post "
                                   "technology needs, institution publishers the other records" if record_type in OWNED_TYPES
                                   else "需要单位发布者账号 / drafts are made by institution publishers")
        record = None
        if record_public_id:
            cls = BY_PREFIX.get(record_public_id.split("-", 1)[0])
            if cls is None or cls.RECORD_TYPE != record_type:
                raise RecordNotFound(record_public_id)
            service = self.records[record_type]
            record = service.get(identity, record_public_id)
            if not service.can_maintain(identity, record):
                raise RecordNotFound(record_public_id)  # another institution's record: nothing to edit here
            if (open_draft := self.open_draft_of(record)) is not None:
                raise DraftConflict(f"该记录已有未完成的修改草稿 / the record has an open draft: {open_draft.id}")
        data = self._own(identity, record_type, raw, record)
        validated = self._validate(record_type, data)
        if record_type in OWNED_TYPES:
            institution_id = None
        else:
            institution_id = identity.institution_id if identity.is_publisher else self._lead_holder(record_type, validated, record)
        draft = RecordDraft(record_type=record_type, record_id=record.id if record else None, institution_id=institution_id,
                            status="draft", title=self._title(record_type, validated), data=jsonable(data),
                            base_revision=record.revision_id if record else None, source=source[:200],
                            created_by=identity.user_id, updated_by=identity.user_id)
        self.session.add(draft)
        self.session.flush()
        self.audit.record(identity, "draft.create", f"draft:{draft.id}", {"record": record.public_id if record else None,
                                                                          "record_type": record_type})
        return draft

    def _lead_holder(self, record_type: str, validated: dict[str, Any], record: Any) -> int | None:
        if record is not None:
            ids = sorted(holder_ids(record))
            return ids[0] if ids else None
        names = {"achievement": validated.get("institutions"), "patent": validated.get("applicants"),
                 "instrument": [validated.get("institution")], "institution": [validated.get("name")]}.get(record_type) or []
        for name in names:
            if name:
                inst = self.session.scalar(select(Institution).where(
                    Institution.name_key == normalize.institution_key(normalize.institution_name(name))))
                if inst is not None:
                    return inst.id
        return None

    @staticmethod
    def _title(record_type: str, validated: dict[str, Any]) -> str:
        return str(validated.get("name") if record_type in ("instrument", "institution") else validated.get("title") or "")[:500]

    def update(self, identity: Identity, draft_id: int, raw: dict[str, Any], *, expected_revision: int | None) -> RecordDraft:
        draft = self.get(identity, draft_id)
        if not self.may_edit(identity, draft):
            raise PermissionDenied("只有本单位发布者或管理员可以修改草稿 / only its publishers edit a draft")
        if expected_revision is not None and expected_revision != draft.revision:
            raise StaleDraft(expected_revision, draft)
        if not draft.editable:
            raise DraftConflict("审核中或已结束的草稿不能修改 / a draft in review or closed cannot change")
        record = self._record(draft)
        data = self._own(identity, draft.record_type, raw, record)
        validated = self._validate(draft.record_type, data)
        draft.data, draft.title, draft.updated_by = jsonable(data), self._title(draft.record_type, validated), identity.user_id
        if draft.status in ("submitted", "rejected"):
            draft.status = "draft"  # changed after submitting: submit it again
        self.audit.record(identity, "draft.update", f"draft:{draft.id}", {})
        return draft

    def _record(self, draft: RecordDraft) -> Any:
        if draft.record_id is None:
            return None
        return self.session.get(self.records[draft.record_type].config.model, draft.record_id)

    def owned(self, identity: Identity, record_type: str, raw: dict[str, Any]) -> dict[str, Any]:
        """A row of a publisher's import, with their institution as its holder (see ``_own``)."""
        return self._own(identity, record_type, raw)

    def from_import(self, identity: Identity, record_type: str, data: dict[str, Any], validated: dict[str, Any],
                    matcher: Any, source: str) -> str:
        """One valid row of a publisher's import becomes a draft of their institution: an edit of
        the published record it matches by natural key (theirs only), or a new record. Importing
        the same file again changes nothing ("unchanged"); a changed row updates its open draft."""
        service = self.records[record_type]
        record = matcher.find(validated)
        if record is not None and not service.can_maintain(identity, record):
            raise PermissionDenied(f"该记录（{record.public_id}）属于其他单位 / the record {record.public_id} belongs to another institution")
        if record is not None:
            draft = self.open_draft_of(record)
        else:
            draft = self.session.scalar(select(RecordDraft).where(
                RecordDraft.record_type == record_type, RecordDraft.record_id.is_(None),
                RecordDraft.institution_id == identity.institution_id, RecordDraft.title == self._title(record_type, validated),
                RecordDraft.status.in_(OPEN_DRAFT_STATES)).limit(1))
        if draft is None:
            self.create(identity, record_type, data, record_public_id=record.public_id if record else None, source=source)
            return "created"
        if draft.data == jsonable({k: v for k, v in data.items() if k != "record_type"}):
            return "unchanged"
        if not draft.editable:
            raise DraftConflict(f"该记录的草稿正在审核中，不能覆盖 / its draft {draft.id} is in review and cannot be replaced")
        self.update(identity, draft.id, data, expected_revision=None)
        return "updated"

    # -- the review ------------------------------------------------------------------------------
    def _say(self, identity: Identity, draft: RecordDraft, kind: str, body: str) -> None:
        if body.strip():
            draft.comments.append(DraftComment(author_id=identity.user_id, author=identity.label[:254],
                                               role=next(iter(identity.roles), "system"), body=body.strip()[:MAX_COMMENT], kind=kind))

    def submit(self, identity: Identity, draft_id: int, message: str = "") -> RecordDraft:
        draft = self.get(identity, draft_id)
        if not self.may_edit(identity, draft):
            raise PermissionDenied("只有本单位发布者可以提交 / only its publishers submit a draft")
        if draft.status not in ("draft", "rejected"):
            raise DraftConflict("只有草稿或被退回的草稿可以提交 / only a draft or a rejected one is submitted")
        self._validate(draft.record_type, draft.data)  # a stale vocabulary or rule: fix before review
        draft.status, draft.submitted_at = "submitted", _now()
        self._say(identity, draft, "submit", message)
        self.audit.record(identity, "draft.submit", f"draft:{draft.id}", {})
        return draft

    def _reviewer(self, identity: Identity, draft: RecordDraft) -> None:
        if not identity.is_reviewer:
            raise PermissionDenied("需要审核专家或管理员 / reviewers and administrators decide")
        if self._owns(identity, draft) and not identity.is_admin:
            raise PermissionDenied("不能审核本单位的草稿 / nobody reviews their own institution's draft")

    def take(self, identity: Identity, draft_id: int) -> RecordDraft:
        """A reviewer starts reviewing: the publisher cannot change it meanwhile."""
        draft = self.get(identity, draft_id)
        self._reviewer(identity, draft)
        if draft.status != "submitted":
            raise DraftConflict("只有已提交的草稿可以开始审核 / only a submitted draft goes into review")
        draft.status, draft.reviewed_by = "in_review", identity.user_id
        self.audit.record(identity, "draft.review", f"draft:{draft.id}", {})
        return draft

    def approve(self, identity: Identity, draft_id: int, message: str = "") -> Any:
        """Publish the draft: a new record, or the new version of the record it edits. Refused
        if that record changed since the draft started (the draft must be brought up to date)."""
        draft = self.get(identity, draft_id)
        self._reviewer(identity, draft)
        if draft.status not in ("submitted", "in_review"):
            raise DraftConflict("只有已提交的草稿可以批准 / only a submitted draft is approved")
        service = self.records[draft.record_type]
        record = self._record(draft)
        if draft.record_id is not None and record is None:
            raise DraftConflict("所修改的记录已被删除 / the record this draft edits was deleted")
        if record is not None and draft.base_revision is not None and record.revision_id != draft.base_revision:
            raise StaleRevision(draft.base_revision, record)
        validated = self._validate(draft.record_type, draft.data)
        with self.unit_of_work() as uow:
            result = service.upsert(identity, validated, uow, source=f"draft:{draft.id}", review=draft, record=record)
            self.session.flush()  # a new record gets its id
            if draft.record_type in OWNED_TYPES and result.record.owner_id is None:
                result.record.owner_id = draft.created_by  # the account that posted the need holds it
            draft.record_id = result.record.id
            draft.status, draft.reviewed_by, draft.reviewed_at, draft.reason = "published", identity.user_id, _now(), None
            self._say(identity, draft, "approve", message)
            self.audit.record(identity, "draft.approve", f"draft:{draft.id}",
                              {"record": result.record.public_id, "outcome": result.outcome})
        return result.record

    def reject(self, identity: Identity, draft_id: int, reason: str) -> RecordDraft:
        draft = self.get(identity, draft_id)
        self._reviewer(identity, draft)
        if not reason.strip():
            raise ValidationError({"reason": ["请说明退回的理由 / say why the draft is rejected"]})
        if draft.status not in ("submitted", "in_review"):
            raise DraftConflict("只有已提交的草稿可以退回 / only a submitted draft is rejected")
        draft.status, draft.reviewed_by, draft.reviewed_at = "rejected", identity.user_id, _now()
        draft.reason = reason.strip()[:MAX_REASON]
        self._say(identity, draft, "reject", draft.reason)
        self.audit.record(identity, "draft.reject", f"draft:{draft.id}", {"reason": draft.reason})
        return draft

    def comment(self, identity: Identity, draft_id: int, body: str) -> DraftComment:
        draft = self.get(identity, draft_id)
        if not body.strip():
            raise ValidationError({"body": ["评论不能为空 / write something"]})
        self._say(identity, draft, "comment", body)
        return draft.comments[-1]

    def discard(self, identity: Identity, draft_id: int) -> RecordDraft:
        draft = self.get(identity, draft_id)
        if not self.may_edit(identity, draft):
            raise PermissionDenied("只有本单位发布者可以放弃草稿 / only its publishers discard a draft")
        if not draft.is_open or draft.status == "in_review":
            raise DraftConflict("审核中或已结束的草稿不能放弃 / a draft in review or closed cannot be discarded")
        draft.status = "discarded"
        self.audit.record(identity, "draft.discard", f"draft:{draft.id}", {})
        return draft

    # -- reading -------------------------------------------------------------------------------
    def view(self, identity: Identity, draft: RecordDraft) -> DraftView:
        service = self.records[draft.record_type]
        record = self._record(draft)
        problems: list[tuple[str, str]] = []
        preview = None
        try:
            preview = service.preview(service.validate(draft.data))
        except ValidationError as exc:
            from ..schemas import error_list

            problems = error_list(exc.messages)
        current_dump = service.dump(record) if record is not None else None
        stale = record is not None and draft.base_revision is not None and record.revision_id != draft.base_revision
        return DraftView(draft, preview, problems, record, current_dump, stale)
