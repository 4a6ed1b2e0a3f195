"""Celery tasks: thin, named by what they do, carrying ids, safe to run twice."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from celery import shared_task
from sqlalchemy import select

from web.extensions import db
from web.models import HarvestSource, ImportJob
from web.proxies import current_services

log = logging.getLogger(__name__)


@shared_task(name="ingest.run_import", bind=True, acks_late=True, ignore_result=True)
def run_import(self, job_id: int) -> None:
    """Run or resume an import job (a redelivered task resumes after the last committed batch).
    A large file's parts are queued as tasks of their own, for every free worker process."""
    from .pipeline import ImportPipeline

    ImportPipeline(launcher=queue_parts).run(job_id, task_id=self.request.id)


@shared_task(name="ingest.run_import_part", bind=True, acks_late=True, ignore_result=True)
def run_import_part(self, job_id: int, part_no: int) -> None:
    """Run or resume one part of a large file's import; the last part to end ends the job."""
    from .pipeline import ImportPipeline

    ImportPipeline().run_part(job_id, part_no, task_id=self.request.id)


def queue_parts(job_id: int, part_nos: list[int]) -> None:
    for part_no in part_nos:
        run_import_part.delay(job_id, part_no)


@shared_task(name="ingest.harvest", bind=True, acks_late=True, ignore_result=True)
def harvest(self, job_id: int) -> None:
    from .harvest import run_harvest_job

    run_harvest_job(job_id, task_id=self.request.id)


@shared_task(name="ingest.drain_outbox", ignore_result=True)
def drain_outbox(ids: list[int] | None = None) -> dict:
    """Index what the outbox holds. Entries the engine refused stay with a back-off; the
    periodic schedule calls this again, so nothing needs to be retried here."""
    report = current_services.outbox.drain(ids=ids)
    if report.error:
        log.warning("outbox: %s entries wait for the search engine (%s)", report.remaining, report.error)
    return {"indexed": report.indexed, "deleted": report.deleted, "failed": report.failed, "remaining": report.remaining}


@shared_task(name="ingest.recover_stale_jobs", ignore_result=True)
def recover_stale_jobs(stale_after: int = 600) -> list[int]:
    """Jobs whose worker died without the broker noticing: queue them again to resume."""
    cutoff = datetime.now(timezone.utc) - timedelta(seconds=stale_after)
    stale = db.session.scalars(select(ImportJob).where(ImportJob.status == "running", ImportJob.heartbeat_at < cutoff)).all()
    for job in stale:
        job.options = {**job.options, "task_id": None}
    db.session.commit()
    for job in stale:
        (harvest if job.kind == "harvest" else run_import).delay(job.id)
    return [j.id for j in stale]


@shared_task(name="ingest.harvest_due", ignore_result=True)
def harvest_due() -> list[int]:
    from web.services.imports import ImportService

    service = ImportService.from_app()
    jobs = [service.create_harvest_job(None, source) for source in db.session.scalars(select(HarvestSource).where(HarvestSource.enabled))]
    for job in jobs:
        harvest.delay(job.id)
    return [j.id for j in jobs]


@shared_task(name="ingest.reindex_all", ignore_result=True)
def reindex_all() -> dict:
    return {index: report.indexed for index, report in current_services.indexer.rebuild().items()}


@shared_task(name="alerts.match_records", bind=True, acks_late=True, ignore_result=True)
def match_records(self, ids: list[str]) -> dict:
    """Match records just indexed against every subscription. Safe to run twice: a record is
    announced to a subscription at most once, and an unchanged record is not matched again."""
    report = current_services.match_now(ids)  # and new technology needs: their matching results' holders are told
    return {"records": report.records, "unchanged": report.unchanged, "candidates": report.candidates,
            "announced": report.announced}
