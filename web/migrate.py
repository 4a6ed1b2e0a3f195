"""Schema migrations with Alembic, run as `flask db upgrade|migrate|current|stamp`.

`migrations/` holds the revisions; `flask db init` (what the compose `init` job and
`scripts/dev serve` run) upgrades to the newest revision. A database made earlier by
`create_all` (no Alembic table, but our tables) is stamped as the first revision first, so
later revisions apply to it."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from .extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
FIRST_REVISION = "0001"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(revision: str = "head") -> None:
    tables = set(inspect(db.engine).get_table_names())
    if "alembic_version" not in tables and "achievements" in tables:
        # made by create_all: with today's models (every table there) it is the newest revision;
        # otherwise it predates the migrations and is the first one
        current = set(db.metadata.tables) <= tables
        command.stamp(alembic_config(), "head" if current else FIRST_REVISION)
    command.upgrade(alembic_config(), revision)


def autogenerate(message: str) -> None:
    command.revision(alembic_config(), message=message, autogenerate=True)


def current() -> None:
    command.current(alembic_config(), verbose=True)
