"""The migrations build exactly the schema the models describe, and upgrade old databases."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from tests.apps import close_app, make_app
from web import create_app
from web.extensions import db


def test_upgrading_an_empty_database_gives_the_models_schema(tmp_path):
    app = create_app({"ENV": "development", "INSTANCE_PATH": str(tmp_path / "instance"), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.sqlite3'}", "CELERY": {"broker_url": "memory://"}})
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


def test_duplicate_achievements_without_identifiers_stop_the_upgrade_with_their_names(tmp_path):
    """0002 adds a partial unique index on title + lead holder for achievements without
    identifiers; duplicates an earlier concurrent import left behind are named, not dropped."""
    from sqlalchemy import text

    app = create_app({"ENV": "development", "INSTANCE_PATH": str(tmp_path / "instance"), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.sqlite3'}", "CELERY": {"broker_url": "memory://"}})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "0001"]).exit_code == 0
    with app.app_context():
        with db.engine.begin() as conn:
            for _ in range(2):
                conn.execute(text(
                    "INSERT INTO achievements (title, natural_key, people, keywords, innovations, evaluation, ip, transfer_modes,"
                    " transferred, attachments, scores, status, revision_id, created_at, updated_at)"
                    " VALUES ('甲', '甲|吉林大学', '[]', '[]', '[]', '{}', '[]', '[]', 0, '[]', '{}', 'published', 1,"
                    " '2026-01-01', '2026-01-01')"))
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code != 0
    assert "甲|吉林大学 (2×)" in str(result.exception) and "merge or delete them first" in str(result.exception)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM achievements WHERE id = (SELECT MAX(id) FROM achievements)"))
    again = runner.invoke(args=["db", "upgrade"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        assert "uq_achievements_unidentified_natural_key" in {ix["name"] for ix in inspect(db.engine).get_indexes("achievements")}
        db.engine.dispose()
