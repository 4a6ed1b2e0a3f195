"""The embedded engine: SQLite FTS5 in one database file, no server.

Behaves like the Elasticsearch engine for everything the conformance suite checks: versioned
upserts, bm25 ranking with field boosts, filters, multi-select facets, sorting with cursors,
highlighting, completion and "more like this".

This class is the engine's face and its lifecycle (create, rebuild, drop); the work is done by
its parts: :mod:`.schema` (mapping to tables), :mod:`.database` (connections, transactions,
generations), :mod:`.writer` (upserts and deletes), :mod:`.searcher` (every read) and
:mod:`.counts` (facet counts kept at write time)."""
from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

from ..base import SearchBackend
from ..errors import BackendUnavailable, IndexMissing
from ..query import SearchRequest, SimilarRequest, SuggestRequest
from ..results import BulkReport, Health, IndexDoc, SearchResult, Suggestion
from .capability import fts5_available
from .database import GENERATION_TABLE, META_TABLE, RESULT_CACHE_SIZE, Database
from .facets import FacetColumns
from .schema import KINDS, SqliteIndexSchema, TableSet, ident
from .searcher import IndexSearcher
from .writer import IndexWriter

log = logging.getLogger(__name__)

ANALYZE_AFTER = 2000  # refresh planner statistics after a bulk write this large
REBUILD_SUFFIX = "__rb"


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S%f")


def facet_columns(mode: Any) -> FacetColumns | None:
    """The ``sqlite_facet_columns`` setting (``TT_SEARCH_SQLITE_FACET_COLUMNS``)."""
    mode = "on" if mode in (None, "", True, 1) else str(mode).strip().lower()
    if mode in ("off", "0", "false", "no"):
        return None
    if mode == "always":
        return FacetColumns(stale_factor=0)
    if mode in ("on", "1", "true", "yes"):
        return FacetColumns()
    raise ValueError(f"sqlite_facet_columns: on, always or off, not {mode!r}")


class SqliteFtsBackend(SearchBackend):
    """Params: ``sqlite_path`` (database file; default ``var/search.sqlite3``), ``index_prefix``,
    ``sqlite_result_cache`` (results kept per process, keyed by write generation; default 2048,
    0 turns the cache off), ``sqlite_facet_columns`` (``on``: facets counted from columns held in
    memory, re-read after writes unless writes come fast; ``always``: re-read after every write;
    ``off``: counted in SQL, for a process that cannot spare the memory)."""

    name = "sqlite"

    def __init__(self, params: Mapping[str, Any] | None = None):
        super().__init__(params)
        if not fts5_available():
            raise BackendUnavailable("this SQLite build has no FTS5 extension")
        self.path = str(self.params.get("sqlite_path") or "var/search.sqlite3")
        cache = self.params.get("sqlite_result_cache")
        self.db = Database(self.path, RESULT_CACHE_SIZE if cache in (None, "") else int(cache))
        self._schemas = {name: SqliteIndexSchema(self.catalog.get(name), self.prefix, self.catalog.synonyms) for name in self.catalog.names()}
        self.writer = IndexWriter(self.db)
        self.searcher = IndexSearcher(self.db, self.catalog, self._schema, self._require, facet_columns(self.params.get("sqlite_facet_columns")))

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    def close(self) -> None:
        self.db.close()

    def clear_caches(self) -> None:
        """Forget cached counts (benchmarks measuring searches never seen before)."""
        self.db.clear_cache()

    def _schema(self, index: str) -> SqliteIndexSchema:
        self.catalog.get(index)  # raises IndexMissing for unknown names
        return self._schemas[index]

    def _exists(self, schema: SqliteIndexSchema, suffix: str = "") -> bool:
        return self.db.table_exists(schema.tables(suffix).raw("docs"))

    def _require(self, schema: SqliteIndexSchema) -> TableSet:
        if not self._exists(schema):
            raise IndexMissing(f"index {schema.name!r} does not exist; run `flask index init`")
        return schema.tables()

    # -- lifecycle --------------------------------------------------------------------------
    def ensure_indices(self, names: Iterable[str] | None = None) -> list[str]:
        conn = self.conn
        conn.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (name TEXT PRIMARY KEY, version INTEGER NOT NULL, base TEXT NOT NULL, created TEXT NOT NULL)")
        conn.execute(f"CREATE TABLE IF NOT EXISTS {GENERATION_TABLE} (base TEXT PRIMARY KEY, generation INTEGER NOT NULL)")
        created = []
        for name in names or self.catalog.names():
            schema = self._schema(name)
            if self._exists(schema):
                self._upgrade(schema)
                self._reindex_if_older(schema)
                continue
            stamp = _stamp()
            with self.db.immediate():
                for stmt in schema.ddl(stamp=stamp):
                    conn.execute(stmt)
                self._create_vocab(schema)
                conn.execute(
                    f"INSERT OR REPLACE INTO {META_TABLE} VALUES (?, ?, ?, ?)",
                    (self.prefix + name, schema.spec.version, schema.base, stamp),
                )
            created.append(name)
        return created

    def _reindex_if_older(self, schema: SqliteIndexSchema) -> None:
        """An index made with an older mapping version (version 2 folds traditional Chinese and
        derives pinyin columns) is indexed again from the documents it holds, so the
        zero-setup engine upgrades itself. The first process to start claims the work by
        writing the new version; should it fail, the old version is written back."""
        key = self.prefix + schema.name
        with self.db.immediate() as conn:
            made = conn.execute(f"SELECT version FROM {META_TABLE} WHERE name = ?", (key,)).fetchone()
            if made is None or made[0] >= schema.spec.version:
                return
            conn.execute(f"UPDATE {META_TABLE} SET version = ? WHERE name = ?", (schema.spec.version, key))
        log.warning("index %s was made with mapping version %s: indexing its documents again as version %s does",
                    schema.name, made[0], schema.spec.version)
        try:
            report = self.rebuild(schema.name, self._held(schema))
        except BaseException:
            with self.db.immediate() as conn:
                conn.execute(f"UPDATE {META_TABLE} SET version = ? WHERE name = ?", (made[0], key))
            raise
        log.warning("index %s: %s documents indexed again", schema.name, report.indexed)

    def _held(self, schema: SqliteIndexSchema) -> Iterator[IndexDoc]:
        """The documents the live index holds, as they were given, a page at a time."""
        t, last = schema.tables(), 0
        while True:
            rows = self.conn.execute(f"SELECT d.rowid, d.id, d.version, s.source FROM {t.docs} d JOIN {t.src} s ON s.rowid = d.rowid "
                                     f"WHERE d.rowid > ? ORDER BY d.rowid LIMIT 1000", (last,)).fetchall()
            if not rows:
                return
            for _, doc_id, version, source in rows:
                yield IndexDoc(doc_id, version, json.loads(source))
            last = rows[-1][0]

    def _upgrade(self, schema: SqliteIndexSchema) -> None:
        """Fields added to the same mapping version get their columns (empty until the documents
        are written again), as Elasticsearch takes an additive mapping on a live index; an index
        made before the kept facet counts gets their (empty) tables."""
        t = schema.tables()
        have = {row[1] for row in self.conn.execute(f"PRAGMA table_info({t.docs})")}
        missing = [f for f in schema.columns if schema.column(f.path) not in have]
        if not missing and self.db.table_exists(t.raw("counted")):
            return
        with self.db.immediate() as conn:
            for stmt in schema.counts_ddl():
                conn.execute(stmt)
            have = {row[1] for row in conn.execute(f"PRAGMA table_info({t.docs})")}  # another process may have added them
            for stmt in schema.add_columns([f for f in missing if schema.column(f.path) not in have], _stamp()):
                conn.execute(stmt)
            conn.execute(f"DELETE FROM {t.counts}")  # counts of new columns start again from a full count
            conn.execute(f"DELETE FROM {t.counted}")
            self.db.bump(schema)

    def _create_vocab(self, schema: SqliteIndexSchema) -> None:
        t = schema.tables()
        self.conn.execute(f"DROP TABLE IF EXISTS {ident(schema.base + '_vocab')}")
        self.conn.execute(f"CREATE VIRTUAL TABLE {ident(schema.base + '_vocab')} USING fts5vocab({ident(t.raw('fts'))}, 'row')")

    def _drop_tables(self, schema: SqliteIndexSchema, suffix: str = "") -> None:
        t = schema.tables(suffix)
        if not suffix:
            self.conn.execute(f"DROP TABLE IF EXISTS {ident(schema.base + '_vocab')}")
        for kind in KINDS:
            self.conn.execute(f"DROP TABLE IF EXISTS {getattr(t, kind)}")

    def drop_indices(self, names: Iterable[str] | None = None) -> None:
        conn = self.conn
        for name in names or self.catalog.names():
            schema = self._schema(name)
            with self.db.immediate():
                self._drop_tables(schema)
                self._drop_tables(schema, REBUILD_SUFFIX)
                self.db.bump(schema)
                if conn.execute("SELECT 1 FROM sqlite_master WHERE name=?", (META_TABLE,)).fetchone():
                    conn.execute(f"DELETE FROM {META_TABLE} WHERE name=?", (self.prefix + name,))

    def refresh(self, index: str | None = None) -> None:
        """Committed writes are visible at once; nothing to do."""

    def rebuild(self, index: str, documents: Iterable[IndexDoc]) -> BulkReport:
        schema = self._schema(index)
        conn = self.conn
        stamp = _stamp()
        with self.db.immediate():
            self._drop_tables(schema, REBUILD_SUFFIX)
            for stmt in schema.ddl(REBUILD_SUFFIX, stamp):
                conn.execute(stmt)
        try:
            report = self.writer.write(schema, schema.tables(REBUILD_SUFFIX), documents)
        except BaseException:
            with self.db.immediate():
                self._drop_tables(schema, REBUILD_SUFFIX)
            raise
        # the swap: one transaction, so readers see the old copy or the new one
        with self.db.immediate():
            self._drop_tables(schema)
            new, live = schema.tables(REBUILD_SUFFIX), schema.tables()
            for kind in KINDS:
                conn.execute(f"ALTER TABLE {getattr(new, kind)} RENAME TO {getattr(live, kind)}")
            self._create_vocab(schema)
            conn.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (name TEXT PRIMARY KEY, version INTEGER NOT NULL, base TEXT NOT NULL, created TEXT NOT NULL)")
            conn.execute(f"INSERT OR REPLACE INTO {META_TABLE} VALUES (?, ?, ?, ?)", (self.prefix + index, schema.spec.version, schema.base, stamp))
            self.db.bump(schema)
        self._analyze(schema)
        return report

    def _analyze(self, schema: SqliteIndexSchema) -> None:
        """Table statistics let the planner scan instead of walking a useless index (status
        is "published" on nearly every row): browse pages with facets get 3x faster."""
        t = schema.tables()
        for kind in ("docs", "vals", "sugg"):
            self.conn.execute(f"ANALYZE {getattr(t, kind)}")

    def health(self) -> Health:
        try:
            self.conn.execute("SELECT 1").fetchone()
            return Health(True, self.name, sqlite3.sqlite_version, {"path": self.path, "fts5": True})
        except sqlite3.Error as exc:
            return Health(False, self.name, sqlite3.sqlite_version, {"error": str(exc)})

    # -- writes -----------------------------------------------------------------------------
    def index_documents(self, index: str, documents: Iterable[IndexDoc]) -> BulkReport:
        schema = self._schema(index)
        report = self.writer.write(schema, self._require(schema), documents)
        if report.indexed >= ANALYZE_AFTER:
            self._analyze(schema)
        return report

    def delete_documents(self, index: str, ids: Iterable[str | tuple[str, int]]) -> BulkReport:
        schema = self._schema(index)
        return self.writer.delete(schema, self._require(schema), ids)

    # -- reads --------------------------------------------------------------------------------
    def search(self, req: SearchRequest) -> SearchResult:
        return self.searcher.search(req)

    def suggest(self, req: SuggestRequest) -> list[Suggestion]:
        return self.searcher.suggest(req)

    def similar(self, req: SimilarRequest) -> SearchResult:
        return self.searcher.similar(req)

    def get_document(self, index: str, id: str) -> dict[str, Any] | None:
        return self.searcher.get_document(index, id)

    def count(self, index: str) -> int:
        return self.searcher.count(index)

    def iter_versions(self, index: str) -> Iterator[tuple[str, int]]:
        return self.searcher.iter_versions(index)
