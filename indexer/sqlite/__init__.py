"""Embedded engine: SQLite FTS5, the zero-setup default."""
from .backend import SqliteFtsBackend

SearchBackend = SqliteFtsBackend

__all__ = ["SearchBackend", "SqliteFtsBackend"]
