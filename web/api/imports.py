"""Import jobs: upload a file, follow the job, cancel it, download its rejected records."""
from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from marshmallow import ValidationError

from ..schemas.common import MSG_REQUIRED
from ..security import require_importer
from ..services.imports import MAX_JOB_ID, ImportService
from . import bp
from .common import job_links
from .schemas import ImportFormSchema

import_form = ImportFormSchema()
JOB_ID = f"<int(min=1, max={MAX_JOB_ID}):job_id>"  # larger numbers are no job (and no database integer)


def job_body(service: ImportService, job: Any) -> dict[str, Any]:
    data = service.to_dict(job)  # timestamps carry their UTC offset
    data["links"] = job_links(job.id)
    return data


@bp.post("/imports")
def create_import():
    """Queue an import of one uploaded file; the worker does the rest (202 Accepted)."""
    identity = require_importer()
    form = import_form.load(request.form)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationError({"file": [MSG_REQUIRED]})
    service = ImportService.from_app()
    holder = service.default_institution(identity, form["default_institution"])
    options = {"defaults": {"institution": holder}} if holder else None
    job = service.create_file_job(identity, upload.stream, upload.filename, record_type=form["record_type"], options=options)
    service.enqueue(job)
    body = job_body(service, job)
    return jsonify(body), 202, {"Location": body["links"]["self"]}


@bp.get(f"/imports/{JOB_ID}")
def get_import(job_id: int):
    identity = require_importer()
    service = ImportService.from_app()
    return jsonify(job_body(service, service.get(job_id, identity)))


@bp.post(f"/imports/{JOB_ID}/cancel")
def cancel_import(job_id: int):
    identity = require_importer()
    service = ImportService.from_app()
    return jsonify(job_body(service, service.cancel(identity, job_id)))


@bp.get(f"/imports/{JOB_ID}/errors")
def import_errors(job_id: int):
    identity = require_importer()
    service = ImportService.from_app()
    job = service.get(job_id, identity)
    return Response(service.errors_csv(job), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=import-{job.id}-errors.csv"})
