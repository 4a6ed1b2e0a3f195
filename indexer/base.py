"""The search backend interface every engine implements (after Wagtail's SearchBackend)."""
from __future__ import annotations

import base64
import json
import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from .catalog import Catalog
from .errors import QueryError
from .query import Page, SearchRequest, SimilarRequest, SuggestRequest, Term
from .results import BulkReport, Health, IndexDoc, SearchResult, Suggestion


class SearchBackend(ABC):
    """One search engine behind a neutral interface.

    Built from a plain params dict (``index_prefix``, ``mappings_dir`` and engine-specific
    keys), so tests and scripts can construct one without any web framework."""

    name: str = "abstract"

    def __init__(self, params: Mapping[str, Any] | None = None):
        self.params = dict(params or {})
        self.prefix: str = self.params.get("index_prefix", "") or ""
        self.catalog = Catalog(self.params.get("mappings_dir"), synonyms_file=self.params.get("synonyms_file"))

    # -- lifecycle ----------------------------------------------------------------------
    @abstractmethod
    def ensure_indices(self, names: Iterable[str] | None = None) -> list[str]:
        """Create missing indices (and aliases); return the names created."""

    @abstractmethod
    def drop_indices(self, names: Iterable[str] | None = None) -> None:
        """Delete indices and everything in them (tests, local resets)."""

    @abstractmethod
    def refresh(self, index: str | None = None) -> None:
        """Make every write so far visible to search."""

    @abstractmethod
    def rebuild(self, index: str, documents: Iterable[IndexDoc]) -> BulkReport:
        """Fill a fresh copy of ``index`` from ``documents``, then swap it in atomically.
        Searches keep answering from the old copy until the swap; a failed fill leaves the
        old copy in place."""

    @abstractmethod
    def health(self) -> Health: ...

    def close(self) -> None:
        """Release connections."""

    # -- writes ---------------------------------------------------------------------------
    @abstractmethod
    def index_documents(self, index: str, documents: Iterable[IndexDoc]) -> BulkReport:
        """Insert or replace documents. A document whose version is older than the indexed
        one is skipped (counted in ``skipped_stale``); one bad document never stops the rest."""

    @abstractmethod
    def delete_documents(self, index: str, ids: Iterable[str | tuple[str, int]]) -> BulkReport:
        """Delete by id, or by (id, version) so that a late older write cannot resurrect it."""

    # -- reads ----------------------------------------------------------------------------
    @abstractmethod
    def search(self, request: SearchRequest) -> SearchResult: ...

    @abstractmethod
    def suggest(self, request: SuggestRequest) -> list[Suggestion]: ...

    @abstractmethod
    def similar(self, request: SimilarRequest) -> SearchResult: ...

    @abstractmethod
    def get_document(self, index: str, id: str) -> dict[str, Any] | None: ...

    @abstractmethod
    def count(self, index: str) -> int: ...

    @abstractmethod
    def iter_versions(self, index: str) -> Iterator[tuple[str, int]]:
        """Every (id, version) in the index; used to reconcile the index with the store."""

    def match_document(self, index: str, id: str, requests: Mapping[str, SearchRequest]) -> set[str]:
        """The names of the ``requests`` that find document ``id`` of ``index``: each request
        is run as it is (its words, filters and facet selections), restricted to that one
        document. Stored queries are confirmed this way (``indexer.monitor``). This default
        runs one search per request; engines that can answer many at once override it."""
        matched = set()
        for name, req in requests.items():
            probe = restrict_to_document(req, index, id)
            if self.search(probe).total:
                matched.add(name)
        return matched


def encode_cursor(engine: str, values: list[Any]) -> str:
    raw = json.dumps({"e": engine, "v": values}, ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


INT64 = (-(2**63), 2**63 - 1)
MAX_CURSOR_TEXT = 1000


def _cursor_value(value: Any) -> bool:
    """A sort value an engine can compare: null, a boolean, a short string, a 64-bit integer
    or a finite number. A cursor is client input; anything else (an object, a list, a
    100-digit number) would reach the engine and fail there as a server error."""
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        return INT64[0] <= value <= INT64[1]
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str) and len(value) <= MAX_CURSOR_TEXT


def decode_cursor(engine: str, cursor: str, length: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("cursor is not an object")
        values = data.get("v")
        if data.get("e") != engine or not isinstance(values, list) or len(values) != length:
            raise ValueError("cursor does not fit this search")
        if not all(_cursor_value(v) for v in values):
            raise ValueError("cursor holds values no engine can compare")
        return values
    except (ValueError, KeyError, TypeError, UnicodeError, RecursionError) as exc:
        raise QueryError("无效的翻页游标 / invalid cursor", code="invalid_cursor", field="cursor") from exc


def restrict_to_document(req: SearchRequest, index: str, id: str) -> SearchRequest:
    """``req`` narrowed to one document: nothing counted, sorted or highlighted."""
    return replace(req, indices=(index,), filters=(*req.filters, Term("id", id)), facets=(), sort=(), page=Page(1, 0),
                   after=None, highlight=None, sums=())
