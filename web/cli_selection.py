"""Command line of the annual selection: ``flask selection demo`` (development only) runs last
year's round on the demo data, so the first look at the site shows a published list, and opens
this year's round for the demo publisher to nominate in."""
from __future__ import annotations

import hashlib
from datetime import date, timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from .extensions import db
from .models import Achievement, Institution, SelectionList, User
from .proxies import current_services
from .schemas.selection import RoundSchema
from .services.identity import Identity, system_identity
from .services.selection import SelectionError
from .services.selection_scoring import RUBRIC

selection_cli = AppGroup("selection", help="The annual selection of high-quality achievements.")
DEMO_EXPERTS = 4
DEMO_CANDIDATES = 260


def _demo_experts() -> list[User]:
    """The active experts, topped up to four with demo experts (no password: they score here and
    never sign in); the first belongs to an institution, so a conflict of interest shows."""
    accounts = current_services.accounts
    experts = current_services.selection.experts()
    first_institution = db.session.scalar(select(Institution.id).order_by(Institution.id).limit(1))
    n = 0
    while len(experts) < DEMO_EXPERTS:
        n += 1
        email = f"expert{n}@demo.local"
        if accounts.by_email(email) is None:
            accounts.create_user(system_identity, email=email, name=f"演示评审专家{n}", role="reviewer", password=None,
                                 institution_id=first_institution if n == 1 else None)
            db.session.commit()
        experts = current_services.selection.experts()
    return experts


def _demo_score(achievement: Achievement, expert_id: int, code: str) -> float:
    """The record's own evaluation score (科技成果评价) when it has one, else a middling one, moved
    a little per expert and dimension (deterministic, so a second run gives the same list)."""
    noise = int(hashlib.sha256(f"{achievement.id}:{expert_id}:{code}".encode()).hexdigest()[:4], 16) % 13 - 6
    own = (achievement.scores or {}).get(code)
    base = float(own) if isinstance(own, (int, float)) else 55 + achievement.id * 7 % 35
    return float(min(100, max(0, round(base + noise))))


@selection_cli.command("demo")
def demo() -> None:
    """Development only: a published list for last year and an open round for this year."""
    if current_app.config.get("ENV") != "development":
        raise click.ClickException("the demo selection is for development installs only (TT_ENV=development)")
    if db.session.scalar(select(SelectionList.id).limit(1)) is not None:
        click.echo("demo selection: a list is published already")
        return
    try:
        _run_demo()
    except SelectionError as exc:
        raise click.ClickException(str(exc)) from None


def _run_demo() -> None:
    service = current_services.selection
    today = date.today()
    year = today.year - 1
    experts = _demo_experts()
    if not any(r.year == year for r in service.rounds()):
        service.open_round(system_identity, RoundSchema().load({
            "year": year, "window_start": f"{year - 4}-01-01", "window_end": f"{year}-12-31", "nomination_opens": f"{year}-03-01",
            "nomination_closes": f"{year}-06-30", "scoring_closes": today.isoformat(),
            "criteria": "技术先进、知识产权明晰、转化前景明确，优先支持在吉林省落地转化的成果（演示数据）",
            "criteria_en": "Advanced technology, clear IP, good prospects of transfer; preference for results put to use in Jilin "
                           "(demo data)"}))
    rnd = service.get_round(system_identity, year)
    if rnd.status == "nominating":
        nominated = len(service.candidates(system_identity, year, "nominated"))
        for rec in db.session.scalars(select(Achievement).where(Achievement.status == "published").order_by(Achievement.id)):
            if nominated >= DEMO_CANDIDATES:
                break
            if service._nominated(rnd, rec.id) is None and all(c.ok for c in service.checks(rnd, rec)):
                service.nominate(system_identity, year, rec.public_id, "演示：由管理员从示范数据中添加")
                nominated += 1
        service.start_scoring(system_identity, year)
    if rnd.status == "scoring":
        for expert in experts:
            identity = Identity(str(expert.id), frozenset({"reviewer"}))
            for a in service.assignments(identity, year):
                if a.total is None:
                    service.score(identity, year, a.id, {code: _demo_score(a.candidate.achievement, expert.id, code) for code in RUBRIC})
        service.close(system_identity, year)
    ranked = sum(1 for r in service.ranking(system_identity, year) if r.ranked)
    if ranked < rnd.quota:
        click.echo(f"demo selection: only {ranked} eligible demo achievements were scored, fewer than the quota {rnd.quota}: "
                   f"the {year} round stays closed, unpublished")
    else:
        listing = service.finalise(system_identity, year)
        click.echo(f"demo selection: the {year} list is published with {listing.entry_count} of {ranked} candidates")
    if not any(r.year == today.year for r in service.rounds()):
        service.open_round(system_identity, RoundSchema().load({
            "year": today.year, "nomination_opens": today.isoformat(), "nomination_closes": (today + timedelta(days=60)).isoformat(),
            "scoring_closes": (today + timedelta(days=90)).isoformat()}))
    click.echo(f"demo selection: the {today.year} round is open for nominations (/selection/)")
