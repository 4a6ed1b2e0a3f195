"""The Celery app, wired to Flask as in Flask's own Celery example: every task runs inside an
application context, so tasks use the same services, session and search backend as views."""
from __future__ import annotations

from celery import Celery, Task
from flask import Flask


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.conf.update(include=["ingest.tasks", "ingest.alert_tasks", "ingest.inquiry_tasks"])
    _alert_intervals(celery_app, app)
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def _alert_intervals(celery_app: Celery, app: Flask) -> None:
    """The alerts' beat intervals come from their own settings (tests shorten them)."""
    schedule = dict(celery_app.conf.beat_schedule or {})
    for entry, key in (("alerts-deliver-due", "ALERTS_DELIVER_DUE_SECONDS"), ("alerts-send-digests", "ALERTS_DIGEST_SECONDS")):
        if entry in schedule and app.config.get(key):
            schedule[entry] = {**schedule[entry], "schedule": float(app.config[key])}
    celery_app.conf.beat_schedule = schedule
