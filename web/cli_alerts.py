"""Command line of the saved-search alerts: ``flask alerts match ach-12 pat-3`` matches records
now (as the worker's task does), ``flask alerts rekey`` stores every subscription's index keys
again (after the reduction or the analysis changed), ``flask alerts demo`` gives the demo
investor two subscriptions and their matches among the newest records (development only)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from .extensions import db
from .models import Achievement, Instrument, Patent, Subscription, User
from .proxies import current_services
from .services.alert_matching import KEYS_VERSION
from .services.identity import Identity

alerts_cli = AppGroup("alerts", help="Saved-search subscriptions and their alerts.")

DEMO_INVESTOR = "investor@demo.local"
DEMO_SUBSCRIPTIONS = (
    {"name": "新能源电池", "type": "all", "q": "电池", "frequency": "daily", "lang": "zh"},
    {"name": "长春的开放许可专利", "type": "patent", "filters": {"open_licence": ["true"], "city": ["changchun"]}, "frequency": "weekly",
     "lang": "zh"},
)


@alerts_cli.command("match")
@click.argument("ids", nargs=-1, required=True)
def match(ids: tuple[str, ...]) -> None:
    """Match these records (public ids) against every subscription now."""
    report = current_services.alert_matcher.match_records(list(ids))
    click.echo(f"{report.records} records, {report.unchanged} unchanged, {report.candidates} candidates, "
               f"{report.confirmed} confirmed, {report.announced} new matches")


@alerts_cli.command("rekey")
@click.option("--all", "everything", is_flag=True, help="Every subscription, not only those stored by an older reduction.")
def rekey(everything: bool) -> None:
    """Store the index keys of the subscriptions again."""
    query = select(Subscription)
    if not everything:
        query = query.where(Subscription.keys_version < KEYS_VERSION)
    n = 0
    for sub in db.session.scalars(query).all():
        current_services.subscription_keys.apply(db.session, sub)
        n += 1
    db.session.commit()
    click.echo(f"{n} subscriptions keyed again")


@alerts_cli.command("demo")
@click.option("--records", default=40, show_default=True, help="How many of the newest records of each type to match.")
def demo(records: int) -> None:
    """Development only: the demo investor's subscriptions, matched against the newest records."""
    if current_app.config.get("ENV") != "development":
        raise click.ClickException("demo subscriptions are for development installs only (TT_ENV=development)")
    user = db.session.scalar(select(User).where(User.email == DEMO_INVESTOR))
    if user is None:
        raise click.ClickException("no demo investor: run `flask users demo` first")
    who = Identity(str(user.id), frozenset({user.role}))
    existing = {s.name for s in current_services.subscriptions.list(who)}
    made = [current_services.subscriptions.create(who, dict(data)) for data in DEMO_SUBSCRIPTIONS if data["name"] not in existing]
    if not made:
        click.echo("demo subscriptions made earlier")
        return
    ids: list[str] = []
    for cls in (Achievement, Patent, Instrument):
        rows = db.session.scalars(select(cls).where(cls.status == "published").order_by(cls.published_at.desc(), cls.id.desc()).limit(records))
        ids += [r.public_id for r in rows]
    report = current_services.alert_matcher.match_records(ids)
    click.echo(f"{len(made)} demo subscriptions for {DEMO_INVESTOR}; {report.announced} matches in the inbox")
