"""A large file's parts imported by local worker processes: the command line's
``--processes`` and the ingest benchmark. Queued jobs use Celery instead (``tasks.queue_parts``);
both run :meth:`ImportPipeline.run_part`, so the guarantees are the same.

The processes are spawned, not forked: each builds its own app (database connections and
search engine clients are never shared across a fork)."""
from __future__ import annotations

import multiprocessing
import pickle
from typing import Any

from flask import current_app

_app = None  # this worker process's app, made once by the pool's initializer


def _start(config: dict[str, Any] | None) -> None:
    global _app
    from web import create_app

    from .heap import settle

    _app = create_app(config)
    settle()  # a process that only imports: its collector set for that (ingest/heap.py)


def _run(job_part: tuple[int, int]) -> str:
    from .pipeline import ImportPipeline

    job_id, part_no = job_part
    with _app.app_context():
        from web.extensions import db

        try:
            return ImportPipeline().run_part(job_id, part_no).status
        finally:
            db.session.remove()


def app_config() -> dict[str, Any]:
    """The current app's settings, for the processes to make the same app from (a test's or
    the benchmark's store and engine included): every upper-case setting that pickles."""
    config = {}
    for key, value in current_app.config.items():
        if key.isupper():
            try:
                pickle.dumps(value)
            except Exception:  # noqa: BLE001 - a setting that cannot travel is made again by create_app
                continue
            config[key] = value
    return config


class ProcessLauncher:
    """Runs a job's parts in ``processes`` local processes and returns when all have ended,
    each process with an app made from the current app's settings."""

    def __init__(self, processes: int):
        self.processes, self.config = max(1, processes), app_config()

    def __call__(self, job_id: int, part_nos: list[int]) -> None:
        context = multiprocessing.get_context("spawn")
        with context.Pool(min(self.processes, len(part_nos)), initializer=_start, initargs=(self.config,)) as pool:
            for _ in pool.imap_unordered(_run, [(job_id, no) for no in part_nos]):
                pass
            pool.close()
            pool.join()  # ended, not killed: their connections close and their CPU time is counted
