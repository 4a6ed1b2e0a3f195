"""Production's store is PostgreSQL: the migrations build the models' schema there, and what the
embedded store is tested for elsewhere (tests/integration/test_publishing.py, the authorisation
matrix) runs on it too."""
from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from web import create_app
from web.extensions import db

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.integration, pytest.mark.pg]


def test_the_migrations_build_the_models_schema_on_postgresql(pg_server, tmp_path):
    app = create_app({"ENV": "development", "INSTANCE_PATH": str(tmp_path / "instance"), "CELERY": {"broker_url": "memory://"},
                      "SQLALCHEMY_DATABASE_URI": pg_server.new_database()})
    result = app.test_cli_runner().invoke(args=["db", "init"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(text("select version()")).scalar().startswith("PostgreSQL")
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
            heads = conn.execute(text("select version_num from alembic_version")).scalars().all()
        db.engine.dispose()
    assert diff == []
    assert heads == [ScriptDirectory(str(ROOT / "migrations")).get_current_head()]


def test_published_selection_lists_are_immutable_on_postgresql(pg_server, tmp_path):
    """The migrations' triggers: the store itself refuses to change or delete a published list
    or its entries (the application never tries; a person with SQL access cannot either without
    dropping the trigger, which the audit of the database would show)."""
    app = create_app({"ENV": "development", "INSTANCE_PATH": str(tmp_path / "instance"), "CELERY": {"broker_url": "memory://"},
                      "SQLALCHEMY_DATABASE_URI": pg_server.new_database()})
    assert app.test_cli_runner().invoke(args=["db", "init"]).exit_code == 0
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("insert into selection_rounds (id, year, title, criteria, quota, auto_weight, auto_weights, rubric, "
                              "experts_per_candidate, min_scores, outlier_gap, window_start, window_end, nomination_opens, "
                              "nomination_closes, scoring_closes, status, created_at) values (1, 2026, 't', '', 200, 0.3, '{}', '{}', 3, 2, 20, "
                              "'2025-01-01', '2026-12-31', '2026-01-01', '2026-06-30', '2026-09-30', 'published', now())"))
            conn.execute(text("insert into selection_lists (id, round_id, year, revision, title, formula, entries, entry_count, digest, "
                              "published_by, published_at) values (1, 1, 2026, 1, 't', '{}', '[]', 1, 'x', 'admin', now())"))
            conn.execute(text("insert into selection_entries (list_id, rank, achievement_id, year, combined) values (1, 1, 5, 2026, 90)"))
        for statement in ("update selection_lists set entry_count = 2", "delete from selection_lists",
                          "update selection_entries set combined = 99", "delete from selection_entries"):
            with pytest.raises(Exception, match="immutable"):
                with db.engine.begin() as conn:
                    conn.execute(text(statement))
        with db.engine.connect() as conn:
            assert conn.execute(text("select entry_count from selection_lists")).scalar() == 1
        db.engine.dispose()
