"""Errors the search seam raises. Callers map them to user-facing responses.

QueryError and its subclasses are the caller's fault (HTTP 400); the rest are the
engine's or the deployment's (HTTP 503/500)."""


class SearchError(Exception):
    """Base class for every error raised by an indexer backend."""


class QueryError(SearchError):
    """The request cannot be answered as asked: bad parameter, too long, too deep."""

    def __init__(self, message: str, *, code: str = "invalid_query", field: str | None = None):
        super().__init__(message)
        self.code = code
        self.field = field


class UnsupportedQuery(QueryError):
    """The engine cannot express this request; it refuses instead of approximating."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message, code="unsupported_query", field=field)


class IndexMissing(SearchError):
    """A logical index has not been created yet (run `flask index init`)."""


class VersionConflict(SearchError):
    """A write carried an older revision than the one already indexed."""


class BackendUnavailable(SearchError):
    """The engine cannot be reached or refused to work; retry later."""
