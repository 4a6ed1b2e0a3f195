"""Worker and scheduler entry point: ``celery -A ingest.worker worker`` / ``... beat``."""
from celery.signals import worker_init, worker_process_init

from web import create_app

from .heap import settle

flask_app = create_app()
celery = app = flask_app.extensions["celery"]

import ingest.tasks  # noqa: E402,F401  (registers the tasks)
import ingest.alert_tasks  # noqa: E402,F401
import ingest.inquiry_tasks  # noqa: E402,F401


@worker_init.connect
@worker_process_init.connect
def _settle_heap(**_: object) -> None:
    """A worker imports files: its garbage collector is set for that (ingest/heap.py). Once in
    the main process, before a prefork pool forks its children (they inherit it, and the frozen
    objects' pages stay shared), or in a thread or solo pool, which imports there; and in each
    pool child, where it is already done unless the pool started it some other way."""
    settle()
