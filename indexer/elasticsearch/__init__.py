"""Elasticsearch 8 engine. The only package in the project that imports ``elasticsearch``."""
from .backend import ElasticsearchBackend

SearchBackend = ElasticsearchBackend

__all__ = ["SearchBackend", "ElasticsearchBackend"]
