"""Service layer: business operations over the store and the search seam.

No Flask request globals here: callers pass the identity and parameters, so ingest workers and
CLI commands use the same services as the web views."""
from __future__ import annotations

from flask import Flask

from ..extensions import db
from .indexing import RecordIndexer
from .records import CONFIGS, RecordService
from .search import SearchService


class ServiceRegistry:
    def __init__(self, app: Flask):
        backend = app.extensions["search"]
        session = db.session
        self.indexer = RecordIndexer(backend, session)
        self.records = {name: RecordService(config, session, self.indexer) for name, config in CONFIGS.items()}
        self.search = SearchService(backend)

    def for_type(self, record_type: str) -> RecordService:
        return self.records[record_type]


class Services:
    """Flask extension: ``app.extensions["services"]`` is the registry."""

    def init_app(self, app: Flask) -> None:
        app.extensions["services"] = ServiceRegistry(app)
