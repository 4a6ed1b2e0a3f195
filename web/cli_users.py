"""``flask users ...``: accounts from the command line (the first administrator of a deployment,
and the demo accounts of a development install)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from .extensions import db
from .models import ROLES, Achievement, AchievementInstitution, Institution, User
from .proxies import current_services
from .services.accounts import AccountError
from .services.identity import system_identity

users_cli = AppGroup("users", help="Accounts.")

DEMO_FILE = "demo-accounts.txt"
DEMO_ACCOUNTS = (  # (role, e-mail, name, organisation)
    ("admin", "admin@demo.local", "平台管理员", "吉林省科学技术厅"),
    ("reviewer", "reviewer@demo.local", "审核专家", None),
    ("publisher", "publisher@demo.local", "单位发布者", None),
    ("intermediary", "broker@demo.local", "技术经纪人", "长春技术转移中心（示例）"),
    ("investor", "investor@demo.local", "投资经理", "长白山创业投资（示例）"),
)


def _institution_id(name_or_id: str | None) -> int | None:
    if not name_or_id:
        return None
    if name_or_id.startswith("org-") and name_or_id[4:].isdigit():
        return int(name_or_id[4:])
    inst = db.session.scalar(select(Institution).where(Institution.name == name_or_id))
    if inst is None:
        raise click.BadParameter(f"no institution {name_or_id!r}", param_hint="--institution")
    return inst.id


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", default=None, help="Display name (default: the e-mail).")
@click.option("--institution", default=None, help="A publisher's institution: its name or org-N id.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="Asked for when not given.")
def create(email: str, role: str, name: str | None, institution: str | None, password: str) -> None:
    """Create an account (the first administrator of a deployment, for instance)."""
    try:
        user = current_services.accounts.create_user(system_identity, email=email, name=name or email, role=role,
                                                     password=password, institution_id=_institution_id(institution))
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"created user {user.id}: {user.email} ({user.role})")


@users_cli.command("list")
def list_users() -> None:
    for user in db.session.scalars(select(User).order_by(User.id)):
        inst = f" · {user.institution.name}" if user.institution else ""
        click.echo(f"{user.id:>5} {user.email:<32} {user.role:<13}{'' if user.active else ' (disabled)'}{inst}")


@users_cli.command("set-password")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def set_password(email: str, password: str) -> None:
    """Set an account's password (ends its sessions)."""
    accounts = current_services.accounts
    user = accounts.by_email(email)
    if user is None:
        raise click.ClickException(f"no account {email}")
    try:
        accounts.set_password(user, password, actor=system_identity)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"password set for {user.email}")


def demo_publisher_institution() -> int | None:
    """The institution holding most achievements: what a demo publisher maintains."""
    row = db.session.execute(
        select(AchievementInstitution.institution_id, func.count()).join(Achievement)
        .group_by(AchievementInstitution.institution_id).order_by(func.count().desc(), AchievementInstitution.institution_id).limit(1)
    ).first()
    if row:
        return row[0]
    return db.session.scalar(select(Institution.id).order_by(Institution.id).limit(1))


@users_cli.command("demo")
def demo() -> None:
    """Development only: one account per role, made once with random passwords, which are
    kept in instance/demo-accounts.txt (readable by this user only) and printed."""
    if current_app.config.get("ENV") != "development":
        raise click.ClickException("demo accounts are for development installs only (TT_ENV=development)")
    path = Path(current_app.instance_path) / DEMO_FILE
    accounts = current_services.accounts
    lines = []
    made = 0
    for role, email, name, organisation in DEMO_ACCOUNTS:
        user = accounts.by_email(email)
        if user is None:
            password = secrets.token_urlsafe(12)
            institution_id = demo_publisher_institution() if role == "publisher" else None
            if role == "publisher" and institution_id is None:
                continue  # no institutions yet: load the demo data first
            user = accounts.create_user(system_identity, email=email, name=name, role=role, password=password,
                                        institution_id=institution_id, organisation=organisation)
            made += 1
            lines.append((user, password))
    db.session.commit()
    # one line per demo account that exists: new ones with their password, earlier ones as kept
    known = {}
    if path.exists():
        for row in path.read_text(encoding="utf-8").splitlines():
            parts = row.split()
            if len(parts) >= 3 and accounts.by_email(parts[1]) is not None:
                known[parts[1]] = row
    for u, pw in lines:
        known[u.email] = f"{u.role:<13} {u.email:<24} {pw}" + (f"   ({u.institution.name})" if u.institution else "")
    if known:
        path.write_text("\n".join(known.values()) + "\n", encoding="utf-8")
        os.chmod(path, 0o600)
    if path.exists():
        click.echo(f"demo accounts ({'created ' + str(made) if made else 'made earlier'}; kept in {path}):")
        click.echo(path.read_text(encoding="utf-8").rstrip())
