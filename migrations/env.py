"""Alembic environment: the application's own engine and metadata (run through `flask db ...`)."""
from __future__ import annotations

from alembic import context
from flask import current_app

from web import models  # noqa: F401  (every table registers on the metadata)
from web.extensions import db

config = context.config
target_metadata = db.metadata


def include_name(name, type_, parent_names) -> bool:
    """Only our models' tables: the embedded search engine keeps its own tables (s_*) in the
    same SQLite file, and a migration must never propose to drop them."""
    if type_ == "table":
        return name in target_metadata.tables
    return True


def run_migrations_offline() -> None:
    context.configure(url=str(db.engine.url), target_metadata=target_metadata, literal_binds=True,
                      include_name=include_name, render_as_batch=db.engine.url.get_backend_name() == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    with db.engine.connect() as connection:
        # SQLite cannot ALTER most things in place: batch mode copies the table instead
        context.configure(connection=connection, target_metadata=target_metadata, compare_type=True,
                          include_name=include_name, render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()


if current_app:  # always true: the CLI runs inside the app context
    if context.is_offline_mode():
        run_migrations_offline()
    else:
        run_migrations_online()
