"""Publishing pages: the publisher's and the reviewer's desk, the record form, a draft with its
preview, changes and conversation, and a record's history.

Publishers change records only through drafts; reviewers approve or reject them; an
administrator may also edit a published record directly. Every edit form carries the revision
it started from (a hidden field): a record or draft that changed meanwhile is not overwritten,
the form comes back with what changed."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from marshmallow import ValidationError

from ..extensions import db
from ..forms import record as record_form
from ..models import BY_PREFIX, RecordDraft
from ..proxies import current_services
from ..schemas import error_list
from ..security import require_desk, require_signed_in
from ..services.drafts import DraftConflict, StaleDraft
from ..services.identity import Identity
from ..services.records import PermissionDenied, RecordNotFound, StaleRevision
from ..services.versions import diff
from ..i18n import lang

bp = Blueprint("publish", __name__)
TYPES = ("achievement", "patent", "instrument", "institution")
DRAFT_ID = "<int:draft_id>"  # any number: the service answers 404 for one that names no draft


def record_or_404(public_id: str):
    cls = BY_PREFIX.get(public_id.split("-", 1)[0])
    if cls is None or cls.parse_public_id(public_id) is None:
        abort(404)
    return cls


# -- the desk ----------------------------------------------------------------------------------

@bp.get("/publish/")
def desk():
    identity = require_desk()
    drafts = current_services.drafts
    mine = drafts.listing(identity, status=("draft", "rejected", "submitted", "in_review")) if identity.is_publisher else []
    queue = drafts.listing(identity, status=("submitted", "in_review")) if identity.is_reviewer else []
    done = drafts.listing(identity, status=("published", "discarded"), limit=20)
    institution = None
    if identity.is_publisher:
        from ..models import Institution

        institution = db.session.get(Institution, identity.institution_id)
    return render_template("publish/desk.html", identity=identity, mine=mine, queue=queue, done=done,
                           counts=drafts.counts(identity), types=TYPES, institution=institution)


# -- the record form ---------------------------------------------------------------------------

def form_page(record_type: str, *, values: dict[str, str], problems: list[tuple[str, str]] = (), status: int = 200,
               action: str, title: str, revision: int | None = None, draft: RecordDraft | None = None, record=None,
               notice: str | None = None, changes=None, cancel: str | None = None):
    errors, general = record_form.errors_by_field(record_type, list(problems))
    fields = record_form.record_fields(record_type, values, errors, lang())
    return render_template("publish/form.html", record_type=record_type, fields=fields, general=general, action=action,
                           title=title, revision=revision, draft=draft, record=record, notice=notice, changes=changes, cancel=cancel,
                           labels=record_form.field_labels(record_type, lang()), values=record_form.value_labels(record_type, lang())), status


def read_form(record_type: str) -> tuple[dict[str, str], dict | None, list[tuple[str, str]]]:
    """(the values as typed, the schema input or None, the problems of reading the cells). The
    schema's own checks run in the service, after a publisher's institution is filled in."""
    values = record_form.values_from_form(record_type, request.form)
    data, problems = record_form.data_from_values(record_type, values)
    problems = [p for p in problems if p[0] != "_columns"]
    return values, (None if problems else data), problems


OWN_FIELD = {"achievement": "institutions", "patent": "applicants", "instrument": "institution"}


def _own_values(identity: Identity, record_type: str) -> dict[str, str]:
    """A publisher's new record starts with their institution as its holder."""
    if not identity.is_publisher or record_type not in OWN_FIELD:
        return {}
    from ..models import Institution

    inst = db.session.get(Institution, identity.institution_id)
    return {OWN_FIELD[record_type]: inst.name} if inst else {}


def _type_or_404(record_type: str) -> str:
    if record_type not in TYPES:
        abort(404)
    return record_type


@bp.route("/publish/new/<record_type>", methods=["GET", "POST"])
def new(record_type: str):
    identity = require_desk()
    _type_or_404(record_type)
    if not (identity.is_publisher or identity.is_admin):
        raise PermissionDenied("需要单位发布者账号 / drafts are made by institution publishers")
    title = gettext("新建%(type)s", type=current_label(record_type))
    action = url_for("publish.new", record_type=record_type)
    if request.method == "GET":
        return form_page(record_type, values=_own_values(identity, record_type), action=action, title=title)
    values, data, problems = read_form(record_type)
    if data is None:
        return form_page(record_type, values=values, problems=problems, status=422, action=action, title=title)
    try:
        draft = current_services.drafts.create(identity, record_type, data, source="form")
    except ValidationError as exc:
        return form_page(record_type, values=values, problems=error_list(exc.messages), status=422, action=action, title=title)
    db.session.commit()
    flash(gettext("草稿已保存。检查预览无误后请提交审核。"), "ok")
    return redirect(url_for("publish.draft", draft_id=draft.id), code=303)


def current_label(record_type: str) -> str:
    from ..templating import label

    return label("record_type", record_type)


# -- a draft -----------------------------------------------------------------------------------

@bp.get(f"/publish/drafts/{DRAFT_ID}")
def draft(draft_id: int):
    identity = require_signed_in()
    drafts = current_services.drafts
    d = drafts.get(identity, draft_id)  # invisible to anyone else: 404
    view = drafts.view(identity, d)
    changes = diff(view.current_dump, view.preview) if view.preview is not None else []
    if d.status == "published" and d.record_id is not None:
        # closed: what its approval changed, not its content against a record changed since
        versions = current_services.versions
        made = versions.of_draft(d.record_type, d.record_id, d.id)
        if made is not None:
            before = versions.previous(made)
            changes = diff(before.data if before else None, made.data)
    from .. import presenters

    rows = presenters.ROWS[d.record_type](view.preview) if view.preview else []
    return render_template("publish/draft.html", view=view, d=d, changes=changes, rows=rows, identity=identity,
                           labels=record_form.field_labels(d.record_type, lang()), values=record_form.value_labels(d.record_type, lang()),
                           may_edit=drafts.may_edit(identity, d) and d.editable,
                           may_review=identity.is_reviewer and d.status in ("submitted", "in_review"))


@bp.route(f"/publish/drafts/{DRAFT_ID}/edit", methods=["GET", "POST"])
def edit_draft(draft_id: int):
    identity = require_signed_in()
    drafts = current_services.drafts
    d = drafts.get(identity, draft_id)
    if not drafts.may_edit(identity, d):
        raise PermissionDenied("只有本单位发布者可以修改草稿 / only its publishers edit a draft")
    action = url_for("publish.edit_draft", draft_id=d.id)
    title = gettext("修改草稿：%(title)s", title=d.title)
    if request.method == "GET":
        view = drafts.view(identity, d)
        values = record_form.values_from_record(d.record_type, view.preview or {})
        return form_page(d.record_type, values=values, action=action, title=title, revision=d.revision, draft=d,
                          problems=view.problems)
    values, data, problems = read_form(d.record_type)
    revision = request.form.get("revision", type=int)
    if data is None:
        return form_page(d.record_type, values=values, problems=problems, status=422, action=action, title=title,
                          revision=revision, draft=d)
    try:
        drafts.update(identity, d.id, data, expected_revision=revision)
    except StaleDraft as exc:
        notice = gettext("草稿已被他人修改（可能是审核意见后的修改）。下面是您填写的内容，请核对后再次保存。")
        return form_page(d.record_type, values=values, status=409, action=action, title=title, revision=exc.current.revision,
                          draft=d, notice=notice)
    except DraftConflict as exc:
        return form_page(d.record_type, values=values, status=409, action=action, title=title, revision=revision, draft=d,
                          notice=str(exc))
    db.session.commit()
    flash(gettext("草稿已保存。"), "ok")
    return redirect(url_for("publish.draft", draft_id=d.id), code=303)


def _act(draft_id: int, do, done: str, required: tuple[str, str] | None = None):
    """One step of a draft's review from a form: do it, say how it went, back to the draft.
    ``required``: (a form field's value, what to say when it is blank)."""
    identity = require_signed_in()
    if required is not None and not required[0].strip():
        flash(required[1], "error")
        return redirect(url_for("publish.draft", draft_id=draft_id), code=303)
    try:
        do(identity)
    except DraftConflict as exc:
        flash(str(exc), "error")
    except StaleRevision:
        flash(gettext("所修改的记录在草稿开始后已被更新，请发布者对照最新版本修改草稿后重新提交。"), "error")
    else:
        db.session.commit()
        flash(done, "ok")
    return redirect(url_for("publish.draft", draft_id=draft_id), code=303)


@bp.post(f"/publish/drafts/{DRAFT_ID}/submit")
def submit(draft_id: int):
    return _act(draft_id, lambda i: current_services.drafts.submit(i, draft_id, request.form.get("message", "")),
                gettext("已提交审核。"))


@bp.post(f"/publish/drafts/{DRAFT_ID}/review")
def take(draft_id: int):
    return _act(draft_id, lambda i: current_services.drafts.take(i, draft_id), gettext("已开始审核：发布者暂时不能修改此草稿。"))


@bp.post(f"/publish/drafts/{DRAFT_ID}/approve")
def approve(draft_id: int):
    return _act(draft_id, lambda i: current_services.drafts.approve(i, draft_id, request.form.get("message", "")),
                gettext("已批准并发布。"))


@bp.post(f"/publish/drafts/{DRAFT_ID}/reject")
def reject(draft_id: int):
    reason = request.form.get("reason", "")
    return _act(draft_id, lambda i: current_services.drafts.reject(i, draft_id, reason), gettext("已退回，发布者会看到理由。"),
                required=(reason, gettext("请填写退回理由。")))


@bp.post(f"/publish/drafts/{DRAFT_ID}/comment")
def comment(draft_id: int):
    body = request.form.get("body", "")
    return _act(draft_id, lambda i: current_services.drafts.comment(i, draft_id, body), gettext("评论已发表。"),
                required=(body, gettext("评论不能为空。")))


@bp.post(f"/publish/drafts/{DRAFT_ID}/discard")
def discard(draft_id: int):
    identity = require_signed_in()
    try:
        current_services.drafts.discard(identity, draft_id)
    except DraftConflict as exc:
        flash(str(exc), "error")
        return redirect(url_for("publish.draft", draft_id=draft_id), code=303)
    db.session.commit()
    flash(gettext("草稿已放弃。"), "ok")
    return redirect(url_for("publish.desk"), code=303)


# -- a published record: edit, withdraw, history -------------------------------------------------------

@bp.route("/records/<public_id>/edit", methods=["GET", "POST"])
def edit_record(public_id: str):
    """A publisher's edit becomes a draft (the record stays as it is until approved); an
    administrator's edit is published at once. Both carry the revision they started from."""
    identity = require_signed_in()
    cls = record_or_404(public_id)
    service = current_services.for_type(cls.RECORD_TYPE)
    rec = service.get(identity, public_id)
    if not service.can_maintain(identity, rec):
        raise PermissionDenied("只有记录的持有单位或管理员可以修改 / only the holder or an administrator edits a record")
    open_draft = current_services.drafts.open_draft_of(rec)
    if open_draft is not None and not identity.is_admin:
        return redirect(url_for("publish.edit_draft", draft_id=open_draft.id), code=303)
    action = url_for("publish.edit_record", public_id=public_id)
    title = gettext("修改：%(title)s", title=getattr(rec, "title", None) or getattr(rec, "name", ""))
    if request.method == "GET":
        return form_page(cls.RECORD_TYPE, values=record_form.values_from_record(cls.RECORD_TYPE, service.dump(rec)),
                          action=action, title=title, revision=rec.revision_id, record=rec)
    values, data, problems = read_form(cls.RECORD_TYPE)
    revision = request.form.get("revision", type=int)
    if data is None:
        return form_page(cls.RECORD_TYPE, values=values, problems=problems, status=422, action=action, title=title,
                          revision=revision, record=rec)
    if revision is not None and revision != rec.revision_id:
        before = current_services.versions.get(rec.RECORD_TYPE, rec.id, revision)
        notice = gettext("您开始修改后，这条记录已被他人更新。下表是对方的改动；请核对您的内容后再保存。")
        return form_page(cls.RECORD_TYPE, values=values, status=409, action=action, title=title, revision=rec.revision_id,
                          record=rec, notice=notice, changes=diff(before.data if before else None, service.dump(rec)))
    if identity.is_admin:
        try:
            service.update(identity, public_id, data, expected_revision=revision)
        except ValidationError as exc:
            return form_page(cls.RECORD_TYPE, values=values, problems=error_list(exc.messages), status=422, action=action,
                              title=title, revision=revision, record=rec)
        current_services.audit.record(identity, "record.update", public_id, {"revision": rec.revision_id})
        db.session.commit()
        flash(gettext("已保存并发布。"), "ok")
        return redirect(url_for("records.record", public_id=public_id), code=303)
    try:
        d = current_services.drafts.create(identity, cls.RECORD_TYPE, data, record_public_id=public_id, source="form")
    except ValidationError as exc:
        return form_page(cls.RECORD_TYPE, values=values, problems=error_list(exc.messages), status=422, action=action,
                          title=title, revision=revision, record=rec)
    db.session.commit()
    flash(gettext("修改已保存为草稿：审核通过前，公开的仍是原来的版本。"), "ok")
    return redirect(url_for("publish.draft", draft_id=d.id), code=303)


@bp.post("/records/<public_id>/withdraw")
def withdraw(public_id: str):
    identity = require_signed_in()
    cls = record_or_404(public_id)
    rec = current_services.for_type(cls.RECORD_TYPE).withdraw(identity, public_id)
    current_services.audit.record(identity, "record.withdraw", rec.public_id, {"reason": request.form.get("reason", "")[:500]})
    db.session.commit()
    flash(gettext("记录已撤回，不再公开。"), "ok")
    return redirect(url_for("records.record", public_id=public_id), code=303)


def _history_record(public_id: str):
    return current_services.for_type(record_or_404(public_id).RECORD_TYPE).with_history(require_signed_in(), public_id)


@bp.get("/records/<public_id>/history")
def history(public_id: str):
    rec = _history_record(public_id)
    return render_template("publish/history.html", rec=rec, versions=current_services.versions.history(rec.RECORD_TYPE, rec.id))


@bp.get("/records/<public_id>/history/<int(min=1, max=2147483647):revision>")
def version(public_id: str, revision: int):
    rec = _history_record(public_id)
    versions = current_services.versions
    v = versions.get(rec.RECORD_TYPE, rec.id, revision)
    if v is None:
        raise RecordNotFound(f"{public_id} revision {revision}")
    before = versions.previous(v)
    return render_template("publish/version.html", rec=rec, v=v, before=before, changes=diff(before.data if before else None, v.data),
                           labels=record_form.field_labels(rec.RECORD_TYPE, lang()), values=record_form.value_labels(rec.RECORD_TYPE, lang()))
