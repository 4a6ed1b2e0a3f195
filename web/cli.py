"""Command line: ``flask --app web db init``, ``flask --app web index init|rebuild|check``,
``flask --app web demo load``."""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .extensions import db
from .proxies import current_search, current_services

db_cli = AppGroup("db", help="The relational store.")
index_cli = AppGroup("index", help="The search index.")
demo_cli = AppGroup("demo", help="Demo data.")


@db_cli.command("init")
def db_init() -> None:
    """Create or upgrade the tables to the newest schema revision."""
    from . import migrate

    migrate.upgrade()
    click.echo(f"schema up to date in {db.engine.url.render_as_string(hide_password=True)}")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply schema revisions up to REVISION (default: the newest)."""
    from . import migrate

    migrate.upgrade(revision)


@db_cli.command("migrate")
@click.option("-m", "--message", required=True)
def db_migrate(message: str) -> None:
    """Write a new revision from the difference between the models and the database."""
    from . import migrate

    migrate.autogenerate(message)


@db_cli.command("current")
def db_current() -> None:
    from . import migrate

    migrate.current()


@index_cli.command("init")
def index_init() -> None:
    """Create missing indices (with their aliases)."""
    created = current_search.ensure_indices()
    click.echo(f"{current_search.name}: created {', '.join(created) or 'nothing (all present)'}")


@index_cli.command("rebuild")
@click.argument("indices", nargs=-1)
def index_rebuild(indices: tuple[str, ...]) -> None:
    """Rebuild indices from the store and swap them in (no downtime)."""
    started = time.perf_counter()
    for index, report in current_services.indexer.rebuild(indices or None).items():
        click.echo(f"{index}: {report.indexed} indexed, {len(report.errors)} errors")
        for err in report.errors[:10]:
            click.echo(f"  {err.id}: {err.reason}", err=True)
    click.echo(f"done in {time.perf_counter() - started:.1f}s")


@index_cli.command("check")
def index_check() -> None:
    """Compare the store with the index."""
    ok = True
    for check in current_services.indexer.check():
        ok &= check.ok
        click.echo(f"{check.index}: store {check.in_store}, index {check.in_index}, missing {len(check.missing)}, stale {len(check.stale)}, orphans {len(check.orphans)}")
    health = current_search.health()
    click.echo(f"engine {health.engine} {health.version or ''}: {'ok' if health.ok else 'DOWN'}")
    if not ok or not health.ok:
        raise SystemExit(1)


def load_records(record_type: str, items: Iterable[dict[str, Any]], batch: int = 500) -> Counter:
    """Store records through the import pipeline's batch writer, as one import job: the same
    path as a file import (validation, natural-key upserts, versions, outbox and indexing per
    batch, a bad record rejected alone and listed on the job)."""
    from ingest.pipeline import ImportPipeline
    from ingest.readers.base import Location, RawRecord

    from .models import ImportJob

    job = ImportJob(kind="file", filename=f"demo-{record_type}", record_type=record_type, status="queued")
    db.session.add(job)
    db.session.commit()
    raws = (RawRecord(Location(job.filename, line=n), record_type, item, label=item.get("title") or item.get("name"))
            for n, item in enumerate(items, 1))
    job = ImportPipeline(batch_size=batch).run(job.id, records=raws)
    if job.status != "done":
        raise click.ClickException(f"{record_type}: {job.message}")
    from .services.imports import ImportService

    for error in ImportService.from_app().errors(job, limit=5):
        click.echo(f"  rejected {error.label}: {error.field}: {error.reason}", err=True)
    return Counter({k: v for k, v in job.counts().items() if v and k != "read"})


@demo_cli.command("load")
@click.option("--achievements", type=int, default=None)
@click.option("--patents", type=int, default=None)
@click.option("--instruments", type=int, default=None)
@click.option("--needs", type=int, default=None, help="Companies' technology needs (default DEMO_NEEDS).")
@click.option("--seed", type=int, default=None)
@click.option("--if-empty", is_flag=True, help="Do nothing when the store already holds records.")
def demo_load(achievements: int | None, patents: int | None, instruments: int | None, needs: int | None, seed: int | None,
              if_empty: bool) -> None:
    """Load generated demo records (deterministic for a seed) and index them."""
    from . import models
    from demo import generator

    db.create_all()
    current_search.ensure_indices()
    if if_empty and db.session.query(models.Achievement.id).first() is not None:
        click.echo("demo data already loaded")
        return
    cfg = current_app.config
    seed = cfg["DEMO_SEED"] if seed is None else seed
    started = time.perf_counter()
    data = generator.dataset(
        cfg["DEMO_ACHIEVEMENTS"] if achievements is None else achievements,
        cfg["DEMO_PATENTS"] if patents is None else patents,
        cfg["DEMO_INSTRUMENTS"] if instruments is None else instruments,
        seed,
        materialize=False,
    )
    # patents before achievements: achievements quote the patents their holders own
    plan = [(t, data[f"{t}s"]) for t in ("institution", "patent", "achievement", "instrument")]
    from demo.needs import needs as demo_needs

    plan.append(("need", demo_needs(cfg.get("DEMO_NEEDS", 0) if needs is None else needs, seed)))
    for record_type, items in plan:
        counts = load_records(record_type, items)
        click.echo(f"{record_type}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    # institution pages show record counts: index institutions again now that records exist
    current_services.indexer.rebuild(["institutions"])
    click.echo(f"demo data loaded in {time.perf_counter() - started:.1f}s")


def register_commands(app: Flask) -> None:
    from .cli_alerts import alerts_cli
    from .cli_selection import selection_cli
    from .cli_stats import stats_cli
    from .cli_users import users_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(selection_cli)
    app.cli.add_command(stats_cli)
    app.cli.add_command(alerts_cli)
    app.cli.add_command(db_cli)
    app.cli.add_command(index_cli)
    app.cli.add_command(demo_cli)
