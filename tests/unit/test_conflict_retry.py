"""The conflict-retry protocol and its settings, without a second writer (the races themselves:
tests/integration/test_import_conflicts.py and test_concurrent_imports.py)."""
from __future__ import annotations

import pytest

from tests.apps import close_app, make_app


def test_batch_size_and_conflict_attempts_come_from_the_configuration(tmp_path):
    """TT_INGEST_BATCH_SIZE was documented but ignored; the concurrent-import test relies on it."""
    from ingest.pipeline import ImportPipeline

    app = make_app(tmp_path, INGEST_BATCH_SIZE=7, INGEST_CONFLICT_ATTEMPTS=2)
    try:
        with app.app_context():
            pipeline = ImportPipeline()
            assert (pipeline.batch_size, pipeline.attempts) == (7, 2)
            assert ImportPipeline(batch_size=3).batch_size == 3
    finally:
        close_app(app)


def test_retry_runs_again_only_on_conflicts_and_only_so_often():
    from sqlalchemy.exc import DataError, IntegrityError

    from web.services.retry import retry_on_conflict

    class Session:
        rollbacks = 0

        def rollback(self):
            self.rollbacks += 1

    def failing(errors):
        calls = []

        def work():
            calls.append(1)
            if len(calls) <= len(errors):
                raise errors[len(calls) - 1]
            return "stored"

        return work, calls

    conflict = IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed: institutions.name_key"))
    session = Session()
    work, calls = failing([conflict, conflict])
    assert retry_on_conflict(session, work, attempts=3, sleep=lambda s: None) == "stored"
    assert (len(calls), session.rollbacks) == (3, 2)
    work, calls = failing([conflict] * 3)
    with pytest.raises(IntegrityError):
        retry_on_conflict(Session(), work, attempts=3, sleep=lambda s: None)
    assert len(calls) == 3  # a conflict that never ends is the caller's to handle (record by record)
    work, calls = failing([DataError("INSERT", {}, Exception("value too long"))])
    with pytest.raises(DataError):
        retry_on_conflict(Session(), work, attempts=3, sleep=lambda s: None)
    assert len(calls) == 1  # not a conflict: no second try
