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
