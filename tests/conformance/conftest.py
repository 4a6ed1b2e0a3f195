"""The ``backend`` fixture: the same tests run against every engine.

Each test module gets fresh indices (a unique prefix) filled with the corpus, so modules can
write without disturbing each other."""
from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pytest

from indexer import IndexDoc, SearchBackend, get_backend

from . import corpus

# sqlite: the embedded engine counting facets from its in-memory columns, re-read after every
# write; sqlite-sql: the same engine counting them in SQL (columns off, or not yet re-read)
ENGINES = ["sqlite", "sqlite-sql", pytest.param("elasticsearch", marks=pytest.mark.es)]
FACET_COLUMNS = {"sqlite": "always", "sqlite-sql": "off"}


def make_backend(engine: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, prefix: str) -> SearchBackend:
    if engine in FACET_COLUMNS:
        path = tmp_path_factory.mktemp("sqlite") / "search.sqlite3"
        return get_backend("sqlite", {"sqlite_path": str(path), "index_prefix": prefix, "sqlite_facet_columns": FACET_COLUMNS[engine]})
    url = request.getfixturevalue("es_url")
    return get_backend("elasticsearch", {"es_hosts": url, "es_number_of_replicas": 0, "index_prefix": prefix})


def fill(backend: SearchBackend) -> None:
    backend.ensure_indices()
    for index in corpus.CORPUS:
        report = backend.index_documents(index, corpus.docs(index))
        assert report.ok, report.errors
    backend.refresh()


@contextmanager
def holding(engine: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
            docs: Sequence[IndexDoc], index: str = "achievements") -> Iterator[SearchBackend]:
    """A backend of ``engine`` whose ``index`` holds only ``docs``: a module's own small corpus
    (``with holding(...) as backend: yield backend`` in a module-scoped fixture)."""
    backend = make_backend(engine, request, tmp_path_factory, f"m{uuid.uuid4().hex[:8]}-")
    try:
        backend.ensure_indices([index])
        report = backend.index_documents(index, docs)
        assert report.ok, report.errors
        backend.refresh()
        yield backend
    finally:
        backend.drop_indices([index])
        backend.close()


@pytest.fixture(scope="module", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def backend(engine: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SearchBackend:
    prefix = f"t{uuid.uuid4().hex[:8]}-"
    b = make_backend(engine, request, tmp_path_factory, prefix)
    fill(b)
    yield b
    b.drop_indices()
    b.close()


@pytest.fixture
def fresh(engine: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SearchBackend:
    """An empty backend of the same engine, for tests that write."""
    prefix = f"w{uuid.uuid4().hex[:8]}-"
    b = make_backend(engine, request, tmp_path_factory, prefix)
    b.ensure_indices()
    yield b
    b.drop_indices()
    b.close()


