"""Bulk import pages: upload, live progress, errors, cancel, templates."""
from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for

from ..security import require_importer
from ..services.imports import MAX_JOB_ID, ImportService

bp = Blueprint("imports", __name__, url_prefix="/imports")

RECORD_TYPES = ("achievement", "patent", "instrument", "institution")
JOB = f"<int(min=1, max={MAX_JOB_ID}):job_id>"  # a larger number is no job: 404, never a database error


@bp.get("/")
def index():
    identity = require_importer()
    service = ImportService.from_app()
    return render_template("imports/index.html", jobs=service.recent(30, identity), record_types=RECORD_TYPES, identity=identity)


@bp.post("/")
def upload():
    identity = require_importer()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        abort(400, description="请选择文件 / choose a file")
    record_type = request.form.get("record_type") or None
    if record_type not in (None, *RECORD_TYPES):
        abort(400, description="未知的记录类型 / unknown record type")
    service = ImportService.from_app()
    holder = service.default_institution(identity, request.form.get("default_institution"))
    defaults = {"institution": holder} if holder else {}
    job = service.create_file_job(identity, upload.stream, upload.filename, record_type=record_type,
                                  options={"defaults": defaults} if defaults else None)
    service.enqueue(job)
    return redirect(url_for("imports.job", job_id=job.id), code=303)


@bp.get(f"/{JOB}")
def job(job_id: int):
    identity = require_importer()
    service = ImportService.from_app()
    job = service.get(job_id, identity)
    return render_template("imports/job.html", job=job, data=service.to_dict(job), errors=service.errors(job, limit=50))


@bp.get(f"/{JOB}.json")
def job_json(job_id: int):
    identity = require_importer()
    service = ImportService.from_app()
    return jsonify(service.to_dict(service.get(job_id, identity)))


@bp.get(f"/{JOB}/errors.csv")
def errors_csv(job_id: int):
    identity = require_importer()
    service = ImportService.from_app()
    job = service.get(job_id, identity)
    name = f"import-{job.id}-errors.csv"
    return Response(service.errors_csv(job), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.post(f"/{JOB}/cancel")
def cancel(job_id: int):
    identity = require_importer()
    ImportService.from_app().cancel(identity, job_id)
    return redirect(url_for("imports.job", job_id=job_id), code=303)


@bp.get("/templates/<record_type>.<fmt>")
def template(record_type: str, fmt: str):
    from ingest import templates  # built from the readers' column spec (see the import contract)

    if record_type not in RECORD_TYPES or fmt not in ("xlsx", "csv"):
        abort(404)
    if fmt == "xlsx":
        data, mime = templates.template_xlsx(record_type), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        data, mime = templates.template_csv(record_type), "text/csv; charset=utf-8"
    return Response(data, content_type=mime, headers={"Content-Disposition": f"attachment; filename={record_type}-template.{fmt}"})
