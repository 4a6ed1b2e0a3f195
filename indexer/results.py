"""Neutral results: what every backend returns, whatever engine produced it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Hit:
    index: str  # logical index name, e.g. "achievements"
    id: str
    score: float | None
    source: dict[str, Any]
    highlights: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class FacetBucket:
    key: Any  # str for keyword fields, int/float for numbers, bool for booleans, int for years
    count: int
    sums: dict[str, float] = field(default_factory=dict)  # per FacetSpec.sums field


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetBucket]] = field(default_factory=dict)
    next_cursor: str | None = None  # pass back as SearchRequest.after for the next page
    took_ms: float | None = None
    sums: dict[str, float] = field(default_factory=dict)  # per SearchRequest.sums field, over every hit


@dataclass
class Suggestion:
    text: str
    index: str
    id: str
    weight: int


@dataclass
class IndexDoc:
    """One document to write. ``version`` is the record's revision: an older revision never
    overwrites a newer one, so duplicate or late writes are harmless."""

    id: str
    version: int
    source: dict[str, Any]


@dataclass
class ItemError:
    id: str
    reason: str
    status: int | None = None
    retryable: bool = False


@dataclass
class BulkReport:
    indexed: int = 0
    deleted: int = 0
    skipped_stale: int = 0  # writes ignored because a newer revision was already indexed
    errors: list[ItemError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def retryable(self) -> bool:
        return any(e.retryable for e in self.errors)

    def merge(self, other: "BulkReport") -> "BulkReport":
        self.indexed += other.indexed
        self.deleted += other.deleted
        self.skipped_stale += other.skipped_stale
        self.errors.extend(other.errors)
        return self


@dataclass
class Health:
    ok: bool
    engine: str
    version: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
