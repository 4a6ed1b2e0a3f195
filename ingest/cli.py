"""Command line for imports: ``flask import file|folder|status|errors|cancel|template``,
``flask harvest URL``, ``flask index reconcile``, ``flask outbox drain``.

Imports run in this process with a progress bar by default, or are queued for the workers
with ``--queue`` (then the command follows the job's progress until it ends)."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from web.extensions import db
from web.models import ImportJob
from web.proxies import current_search, current_services
from web.services.imports import ImportService

import_cli = AppGroup("import", help="Import files of records.")
outbox_cli = AppGroup("outbox", help="The indexing outbox.")

SUPPORTED = {".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".json", ".jsonl", ".ndjson", ".xml"}


def _summary(job: ImportJob) -> str:
    c = job.counts()
    text = (f"job {job.id} {job.status}: read {c['read']}, created {c['created']}, updated {c['updated']}, "
            f"unchanged {c['unchanged']}, rejected {c['rejected']}")
    if c["deleted"]:
        text += f", withdrawn {c['deleted']}"
    if job.message:
        text += f"\n  {job.message}"
    return text


def _run_with_bar(job: ImportJob, runner) -> ImportJob:
    state = {"shown": 0}
    with click.progressbar(length=job.progress_total or 0, label=job.filename[:40], show_pos=True, file=sys.stderr) as bar:
        def progress(j: ImportJob) -> None:
            if j.progress_total and bar.length != j.progress_total:
                bar.length = j.progress_total
            bar.update(j.progress_done - state["shown"])
            state["shown"] = j.progress_done

        job = runner(progress)
    return job


def _follow(job_id: int, interval: float = 1.0) -> ImportJob:
    """Show a queued job's progress until it finishes."""
    shown = 0
    with click.progressbar(length=0, label=f"job {job_id}", show_pos=True, file=sys.stderr) as bar:
        while True:
            db.session.expire_all()
            job = db.session.get(ImportJob, job_id)
            if job.progress_total:
                bar.length = job.progress_total
            bar.update(job.progress_done - shown)
            shown = job.progress_done
            if job.finished:
                return job
            time.sleep(interval)


def _import_one(service: ImportService, path: Path, record_type: str | None, reader: str | None, defaults: dict, queue: bool,
                processes: int = 1) -> ImportJob:
    from .parts import ProcessLauncher
    from .pipeline import ImportPipeline

    job = service.create_file_job(None, path, path.name, record_type=record_type, reader=reader,
                                  options={"defaults": defaults} if defaults else None)
    if queue:
        service.enqueue(job)
        return _follow(job.id)
    launcher = ProcessLauncher(processes) if processes > 1 else None
    if launcher is None and current_app.config.get("INGEST_SETTLE_HEAP", True):
        from .heap import settle

        settle()  # the import runs in this process (ingest/heap.py)
    return _run_with_bar(job, lambda progress: ImportPipeline(launcher=launcher).run(job.id, on_progress=progress))


@import_cli.command("file")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=True, path_type=Path))
@click.option("--type", "record_type", type=click.Choice(["achievement", "patent", "instrument", "institution"]), help="What the file holds (CSV/XLSX/JSON).")
@click.option("--reader", type=click.Choice(["csv", "xlsx", "json", "patent-xml"]), help="Force a format instead of detecting it.")
@click.option("--default", "defaults", multiple=True, metavar="FIELD=VALUE", help="A value for a column the file lacks, e.g. institution=吉林大学.")
@click.option("--queue", is_flag=True, help="Queue for the workers instead of running here.")
@click.option("--processes", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Import a large CSV's parts (INGEST_PART_RECORDS records each) in this many processes here.")
def import_file(paths: tuple[Path, ...], record_type: str | None, reader: str | None, defaults: tuple[str, ...], queue: bool,
                processes: int) -> None:
    """Import files, or every supported file in folders."""
    service = ImportService.from_app()
    given = dict(d.split("=", 1) for d in defaults)
    files: list[Path] = []
    for path in paths:
        files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED) if path.is_dir() else [path]
    failed = 0
    for path in files:
        job = _import_one(service, path, record_type, reader, given, queue, processes)
        click.echo(_summary(job))
        if job.rejected:
            click.echo(f"  rejected records: flask import errors {job.id}")
        failed += job.status != "done"
    if len(files) > 1:
        click.echo(f"{len(files)} files, {failed} not completed")
    if failed:
        raise SystemExit(1)


import_cli.add_command(import_file, "folder")


@import_cli.command("status")
@click.argument("job_id", type=int, required=False)
def import_status(job_id: int | None) -> None:
    """One job's state, or the recent jobs."""
    service = ImportService.from_app()
    jobs = [service.get(job_id)] if job_id else service.recent(20)
    for job in jobs:
        click.echo(_summary(job))


@import_cli.command("errors")
@click.argument("job_id", type=int)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the CSV here (default: print).")
def import_errors(job_id: int, out: Path | None) -> None:
    """The rejected records of a job as CSV: location, field, reason."""
    service = ImportService.from_app()
    data = service.errors_csv(service.get(job_id))
    if out:
        out.write_bytes(data)
        click.echo(f"written {out}")
    else:
        click.echo(data.decode("utf-8-sig"), nl=False)


@import_cli.command("cancel")
@click.argument("job_id", type=int)
def import_cancel(job_id: int) -> None:
    job = ImportService.from_app().cancel(None, job_id)
    click.echo(f"job {job.id}: {'cancellation requested' if not job.finished else job.status}")


@import_cli.command("template")
@click.argument("record_type", type=click.Choice(["achievement", "patent", "instrument", "institution"]))
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def import_template(record_type: str, fmt: str, out: Path) -> None:
    """Write the import template for a record type."""
    from . import templates

    out.write_bytes(templates.template_xlsx(record_type) if fmt == "xlsx" else templates.template_csv(record_type))
    click.echo(f"written {out}")


@click.command("harvest")
@with_appcontext
@click.argument("base_url")
@click.option("--set", "set_spec", help="OAI set to harvest.")
@click.option("--holder", help="The institution the records belong to (default: dc:publisher).")
@click.option("--from", "from_date", help="Harvest changes since this date (default: since the last harvest).")
@click.option("--full", is_flag=True, help="Ignore the last harvest date.")
@click.option("--queue", is_flag=True)
def harvest_command(base_url: str, set_spec: str | None, holder: str | None, from_date: str | None, full: bool, queue: bool) -> None:
    """Harvest an OAI-PMH repository (Dublin Core) into achievements, incrementally."""
    from .harvest import run_harvest_job

    service = ImportService.from_app()
    source = service.source_for(base_url, set_spec=set_spec, holder=holder)
    job = service.create_harvest_job(None, source, from_date="" if full else from_date)
    if queue:
        service.enqueue(job)
        job = _follow(job.id)
    else:
        job = _run_with_bar(job, lambda progress: run_harvest_job(job.id, on_progress=progress))
    db.session.refresh(source)
    click.echo(_summary(job))
    click.echo(f"next harvest starts from {source.last_response_date or '(the beginning)'}")
    if job.status != "done":
        raise SystemExit(1)


@click.command("reconcile")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="Report only.")
def index_reconcile(dry_run: bool) -> None:
    """Find records missing from the index, indexed at an old revision, or indexed but gone
    from the store; repair them (index the first two, delete the third)."""
    problems = 0
    for check in current_services.indexer.check():
        problems += len(check.missing) + len(check.stale) + len(check.orphans)
        click.echo(f"{check.index}: store {check.in_store}, index {check.in_index}, missing {len(check.missing)}, "
                   f"stale {len(check.stale)}, orphans {len(check.orphans)}")
        if dry_run or check.ok:
            continue
        repair = check.missing + check.stale + check.orphans  # index_ids deletes what the store lacks
        for i in range(0, len(repair), 500):
            report = current_services.indexer.index_ids(repair[i : i + 500])
            if report.errors:
                click.echo(f"  {len(report.errors)} could not be repaired: {report.errors[0].reason}", err=True)
        current_search.refresh(check.index)
    if problems and not dry_run:
        still = sum(len(c.missing) + len(c.stale) + len(c.orphans) for c in current_services.indexer.check())
        click.echo(f"repaired {problems - still} of {problems}")
        if still:
            raise SystemExit(1)


@outbox_cli.command("drain")
def outbox_drain() -> None:
    """Index everything waiting in the outbox now."""
    report = current_services.outbox.drain()
    click.echo(json.dumps({"indexed": report.indexed, "deleted": report.deleted, "failed": report.failed,
                           "remaining": report.remaining, "error": report.error}, ensure_ascii=False))


def register_ingest_commands(app: Flask) -> None:
    app.cli.add_command(import_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(harvest_command)
    index_group = app.cli.commands.get("index")
    if index_group is not None:
        index_group.add_command(index_reconcile)
