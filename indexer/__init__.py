"""The search seam: one neutral interface, two engines (Elasticsearch 8 and SQLite FTS5).

Nothing in this package imports Flask, SQLAlchemy or the web application."""
from .base import SearchBackend
from .catalog import Catalog, IndexSpec
from . import monitor
from .errors import BackendUnavailable, IndexMissing, QueryError, SearchError, UnsupportedQuery, VersionConflict
from .query import (
    AllOf, And, AnyOf, Exists, FacetSpec, Highlight, MatchAll, NoneOf, Not, Or, Page, Phrase, Range, RangeBucket,
    SearchRequest, SimilarRequest, Sort, SuggestRequest, Term, Terms, Text,
)
from .registry import get_backend
from .results import BulkReport, FacetBucket, Health, Hit, IndexDoc, ItemError, SearchResult, Suggestion

__all__ = [
    "SearchBackend", "Catalog", "IndexSpec", "get_backend",
    "BackendUnavailable", "IndexMissing", "QueryError", "SearchError", "UnsupportedQuery", "VersionConflict",
    "AllOf", "And", "AnyOf", "Exists", "FacetSpec", "Highlight", "MatchAll", "NoneOf", "Not", "Or", "Page",
    "Phrase", "Range", "RangeBucket", "SearchRequest", "SimilarRequest", "Sort", "SuggestRequest", "Term",
    "Terms", "Text",
    "BulkReport", "FacetBucket", "Health", "Hit", "IndexDoc", "ItemError", "SearchResult", "Suggestion",
]
