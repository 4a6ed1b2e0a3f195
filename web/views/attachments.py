"""The files of a record on its page: the list (with what each reader may do), the holder's
upload form and buttons, members' access requests, and the download view.

Every form posts here and comes back to the record page (``#attachments``) with a message; the
rules are the services' (``web/services/attachments.py``, ``access_requests.py``)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext

from ..downloads import file_response
from ..forms.attachments import AccessRequestForm, UploadForm
from ..i18n import lang
from ..proxies import current_services
from ..security import current_identity, require_signed_in
from ..services.access_requests import AccessRequestError
from ..services.filetypes import MB, FileRefused
from ..services.holdings import holds
from ..services.identity import Identity

bp = Blueprint("attachments", __name__)
ATTACHMENT = "<int:attachment_id>"  # ids beyond a row's range are 404 in the service


def attachment_section(identity: Identity, rec: Any) -> dict[str, Any]:
    """What record.html's files section needs: the list, and the forms this reader may use."""
    service = current_services.attachments
    listing = service.listing(identity, rec)
    maintains = holds(identity, rec)
    return {
        "attachments": listing,
        "maintains": maintains,
        "hidden_confidential": 0 if identity.is_member else service.confidential_count(rec),
        "attachment_max_mb": f"{service.settings.max_bytes / MB:g}",
        "upload_form": UploadForm(prefix="up") if maintains else None,
        "request_forms": {item.attachment.id: AccessRequestForm(prefix=f"ar{item.attachment.id}")
                          for item in listing if item.access in ("none", "rejected")},
    }


def _back(public_id: str):
    return redirect(url_for("records.record", public_id=public_id) + "#attachments", code=303)


def _refusal(exc: FileRefused | AccessRequestError) -> str:
    if isinstance(exc, FileRefused):
        return exc.en if lang() == "en" else exc.zh
    zh, _, en = str(exc).partition(" / ")
    return en if lang() == "en" and en else zh


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@bp.post("/records/<public_id>/attachments")
def upload(public_id: str):
    identity = require_signed_in()
    rec = current_services.attachments.record(identity, public_id)
    form = UploadForm(prefix="up")
    if not form.validate_on_submit():
        flash(_form_errors(form) or gettext("请选择文件"), "error")
        return _back(public_id)
    upload = form.file.data
    try:
        current_services.attachments.upload(identity, rec, upload.stream, upload.filename, title=form.title.data,
                                            category=form.category.data or None, confidential=form.confidential.data)
    except FileRefused as exc:
        flash(_refusal(exc), "error")
    else:
        flash(gettext("附件已上传。"), "ok")
    return _back(public_id)


@bp.post(f"/attachments/{ATTACHMENT}/delete")
def delete(attachment_id: int):
    identity = require_signed_in()
    att, _ = current_services.attachments.get(identity, attachment_id)
    public_id = att.record_public_id
    current_services.attachments.delete(identity, attachment_id)
    flash(gettext("附件已删除。"), "ok")
    return _back(public_id)


@bp.post(f"/attachments/{ATTACHMENT}/visibility")
def visibility(attachment_id: int):
    identity = require_signed_in()
    confidential = request.form.get("confidential") == "true"
    att = current_services.attachments.change(identity, attachment_id, confidential=confidential)
    flash(gettext("已设为保密附件。") if confidential else gettext("已设为公开附件。"), "ok")
    return _back(att.record_public_id)


@bp.post(f"/attachments/{ATTACHMENT}/request")
def ask(attachment_id: int):
    identity = require_signed_in()
    att, _ = current_services.attachments.get(identity, attachment_id)
    form = AccessRequestForm(prefix=f"ar{attachment_id}")
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
        return _back(att.record_public_id)
    try:
        current_services.access_requests.ask(identity, attachment_id, form.message.data)
    except AccessRequestError as exc:
        flash(_refusal(exc), "error")
    else:
        flash(gettext("申请已提交，持有单位批准后即可下载。"), "ok")
    return _back(att.record_public_id)


@bp.get(f"/attachments/{ATTACHMENT}/file")
def download(attachment_id: int):
    att, path = current_services.attachments.open(current_identity(), attachment_id, channel="file")
    current_services.usage.count("download", att.record_public_id, request.user_agent.string)
    return file_response(att, path, inline=request.args.get("inline") == "1")
