"""Worker and scheduler entry point: ``celery -A ingest.worker worker`` / ``... beat``."""
from web import create_app

flask_app = create_app()
celery = app = flask_app.extensions["celery"]

import ingest.tasks  # noqa: E402,F401  (registers the tasks)
import ingest.alert_tasks  # noqa: E402,F401
import ingest.inquiry_tasks  # noqa: E402,F401
