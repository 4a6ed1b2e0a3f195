from __future__ import annotations

import re

from indexer import Page, SearchRequest, SearchResult, Term, Text

PUBLISHED = Term("status", "published")


def ids(result: SearchResult) -> list[str]:
    return [h.id for h in result.hits]


def search(backend, query=None, *, indices=("achievements",), **kwargs) -> SearchResult:
    return backend.search(SearchRequest(indices=indices, query=query, **kwargs))


def found(backend, text: str, size: int = 20) -> list[str]:
    """The ids a text search of the achievements finds, best first."""
    return ids(search(backend, Text(text), page=Page(1, size)))


def plain(snippet: str) -> str:
    """Text of a snippet with the marks removed."""
    return re.sub(r"</?mark>", "", snippet)


def marked(snippet: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", snippet)
