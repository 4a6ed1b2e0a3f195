"""The migrations build exactly the schema the models describe, and upgrade old databases."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from tests.apps import close_app, make_app
from web import create_app
from web.extensions import db


def test_upgrading_an_empty_database_gives_the_models_schema(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.sqlite3'}", "CELERY": {"broker_url": "memory://"}})
    result = app.test_cli_runner().invoke(args=["db", "init"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        assert diff == [], "the models changed: write a revision with `flask --app web db migrate -m ...`"
        db.engine.dispose()


def test_a_database_made_by_create_all_is_adopted_and_search_tables_survive(tmp_path):
    app = make_app(tmp_path, "demo", "load", "--achievements", "5", "--patents", "3", "--instruments", "2")
    result = app.test_cli_runner().invoke(args=["db", "init"])  # stamps the first revision, then upgrades
    assert result.exit_code == 0, result.output
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        assert "alembic_version" in tables and "s_achievements_docs" in tables
    again = app.test_cli_runner().invoke(args=["db", "init"])
    assert again.exit_code == 0, again.output
    close_app(app)
