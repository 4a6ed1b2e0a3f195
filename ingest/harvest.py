"""Run one OAI-PMH harvest as an import job, and remember where the next one starts."""
from __future__ import annotations

from collections.abc import Callable

from web.extensions import db
from web.models import HarvestSource, ImportJob

from .pipeline import ImportPipeline
from .readers.oai_pmh import OaiPmhHarvester


def run_harvest_job(job_id: int, *, task_id: str | None = None, on_progress: Callable[[ImportJob], None] | None = None) -> ImportJob:
    job = db.session.get(ImportJob, job_id)
    if job is None:
        raise LookupError(f"no import job {job_id}")
    opts = job.options
    harvester = OaiPmhHarvester(job.source_url, set_spec=opts.get("set"), holder=opts.get("holder"))

    def remember_where_to_resume(job: ImportJob) -> None:
        source = db.session.get(HarvestSource, opts.get("source_id")) if opts.get("source_id") else None
        if source is not None and job.status == "done" and harvester.complete:
            # OAI "from" is inclusive: starting the next run at this run's first responseDate may
            # fetch a record twice (harmless: upserts) but never misses one changed meanwhile
            source.last_response_date = harvester.response_date

    job = ImportPipeline().run(job_id, task_id=task_id, records=harvester.records(from_date=opts.get("from") or None), on_progress=on_progress,
                               before_finish=remember_where_to_resume)
    return job
