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
    celery_app.conf.update(include=["ingest.tasks"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
