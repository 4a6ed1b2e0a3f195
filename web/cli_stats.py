"""Command line of the statistics: ``flask stats report 2025 [--lang en]`` makes the yearly
report, archives it as the administration page does (a new version of that year) and says where
it is; ``--output`` also writes the PDF to a file."""
from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import AppGroup

from .proxies import current_services
from .services.identity import system_identity
from .services.stats_report import StatsReportError

stats_cli = AppGroup("stats", help="Statistics: the yearly report.")


@stats_cli.command("report")
@click.argument("year", type=click.IntRange(1949, 2100))
@click.option("--lang", "locale", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="The report's language.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True, path_type=Path), default=None,
              help="Also write the PDF to this file.")
def report(year: int, locale: str, output: Path | None) -> None:
    """Make and archive the statistics report of YEAR (a PDF), as /admin/reports does."""
    started = time.perf_counter()
    try:
        made = current_services.stats_reports.generate(system_identity, year, locale)
    except StatsReportError as exc:
        raise click.ClickException(str(exc)) from exc
    summary = made.summary
    click.echo(f"report {made.id}: {made.filename} ({summary.get('pages')} pages, {made.size:,} bytes, sha256 {made.sha256}) "
               f"made in {time.perf_counter() - started:.1f}s")
    records = summary.get("records", {})
    click.echo(f"{year}: {records.get('achievement', 0)} achievements, {records.get('patent', 0)} patents, "
               f"{records.get('instrument', 0)} instruments")
    if output is not None:
        output.write_bytes(made.pdf)
        click.echo(f"written to {output}")
    click.echo(f"download: /admin/reports/{made.id}.pdf")
