"""The embedded engine: SQLite FTS5 in one database file, no server.

Behaves like the Elasticsearch engine for everything the conformance suite checks: versioned
upserts, bm25 ranking with field boosts, filters, multi-select facets, sorting with cursors,
highlighting, completion and "more like this"."""
from __future__ import annotations

import functools
import json
import math
import os
import sqlite3
import threading
import time
from collections import Counter, OrderedDict
from contextlib import contextmanager
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import analysis
from ..base import SearchBackend, decode_cursor, encode_cursor
from ..errors import BackendUnavailable, IndexMissing, QueryError
from ..catalog import FieldInfo
from ..query import Highlight, SearchRequest, SimilarRequest, Sort, SuggestRequest, has_text
from ..results import BulkReport, FacetBucket, Health, Hit, IndexDoc, ItemError, SearchResult, Suggestion
from ..validate import check_search
from . import compiler as C
from .capability import fts5_available
from .highlight import highlight_value
from .schema import VALUE_GAP, SqliteIndexSchema, TableSet, ValueError_, from_column, ident, to_column

CHUNK_SIZE = 500
ANALYZE_AFTER = 2000  # refresh planner statistics after a bulk write this large
META_TABLE = "search_index_meta"
GENERATION_TABLE = "search_index_generation"  # bumped in every write transaction of an index
RESULT_CACHE_SIZE = 2048
REBUILD_SUFFIX = "__rb"
MAX_CODEPOINT = chr(0x10FFFF)
_SCORE_INFO = FieldInfo("_score", "double", False, "_score")


def _get_path(source: Mapping[str, Any], path: str) -> Any:
    value: Any = source
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list):
            value = [v.get(part) for v in value if isinstance(v, Mapping)]
        else:
            return None
    return value


def _close_quietly(conn: sqlite3.Connection) -> None:
    try:
        conn.close()
    except sqlite3.Error:
        pass


def _norm_suggest(text: str) -> str:
    return analysis.fold_width(text).lower()


class FacetCounts:
    """Documents and added-up values per facet key, summed over the indices of a search."""

    def __init__(self) -> None:
        self.n: Counter = Counter()
        self.sums: dict[Any, Counter] = {}

    def add(self, key: Any, n: int, sums: Mapping[str, float]) -> None:
        self.n[key] += n
        if sums:
            bucket = self.sums.setdefault(key, Counter())
            for name, x in sums.items():
                bucket[name] += x or 0.0


class SqliteFtsBackend(SearchBackend):
    """Params: ``sqlite_path`` (database file; default ``var/search.sqlite3``), ``index_prefix``."""

    name = "sqlite"

    def __init__(self, params: Mapping[str, Any] | None = None):
        super().__init__(params)
        if not fts5_available():
            raise BackendUnavailable("this SQLite build has no FTS5 extension")
        self.path = str(self.params.get("sqlite_path") or "var/search.sqlite3")
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._lock = threading.Lock()
        self._schemas = {name: SqliteIndexSchema(self.catalog.get(name), self.prefix) for name in self.catalog.names()}
        # counts and facet buckets keyed by the index's write generation: like Elasticsearch's
        # request cache for aggregations, a repeated browse does not count every document again,
        # and any write (from any process) makes the old entries unreachable
        self._results: OrderedDict[tuple, list] = OrderedDict()

    # -- connections ------------------------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "pid", None) != os.getpid():
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA cache_size=-65536")
            self._local.conn, self._local.pid = conn, os.getpid()
            with self._lock:
                # a server that starts a thread per request would otherwise keep one open
                # connection per finished thread: close those of threads that are gone
                alive = []
                for thread, old in self._all:
                    if thread.is_alive():
                        alive.append((thread, old))
                    else:
                        _close_quietly(old)
                self._all = alive + [(threading.current_thread(), conn)]
        return conn

    def close(self) -> None:
        with self._lock:
            for _, conn in self._all:
                _close_quietly(conn)
            self._all.clear()
        self._local = threading.local()

    def _schema(self, index: str) -> SqliteIndexSchema:
        self.catalog.get(index)  # raises IndexMissing for unknown names
        return self._schemas[index]

    def _exists(self, schema: SqliteIndexSchema, suffix: str = "") -> bool:
        row = self.conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (schema.tables(suffix).raw("docs"),)).fetchone()
        return row is not None

    def _require(self, schema: SqliteIndexSchema) -> TableSet:
        if not self._exists(schema):
            raise IndexMissing(f"index {schema.name!r} does not exist; run `flask index init`")
        return schema.tables()

    # -- write generations and the result cache ----------------------------------------------
    @contextmanager
    def _immediate(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: BEGIN IMMEDIATE takes the write lock at once (two writers queue
        on the busy timeout instead of failing to upgrade a read lock), COMMIT when the block
        ends, ROLLBACK when it raises anything."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _bump(self, schema: SqliteIndexSchema) -> None:
        """Called inside every write transaction: readers see the new data and the new
        generation together."""
        self.conn.execute(f"CREATE TABLE IF NOT EXISTS {GENERATION_TABLE} (base TEXT PRIMARY KEY, generation INTEGER NOT NULL)")
        self.conn.execute(
            f"INSERT INTO {GENERATION_TABLE} (base, generation) VALUES (?, 1) "
            "ON CONFLICT(base) DO UPDATE SET generation = generation + 1", (schema.base,))

    def _generation(self, schema: SqliteIndexSchema) -> int | None:
        try:
            row = self.conn.execute(f"SELECT generation FROM {GENERATION_TABLE} WHERE base = ?", (schema.base,)).fetchone()
        except sqlite3.OperationalError:  # no write yet since this engine version
            return None
        return row[0] if row else 0

    def _run_cached(self, generation: int | None, sql: C.Sql) -> list:
        """Counts and facets only (hits are cheap with LIMIT and carry sources)."""
        if generation is None:
            return self._run(sql)
        key = (generation, sql.text, tuple(sql.params))
        with self._lock:
            rows = self._results.get(key)
            if rows is not None:
                self._results.move_to_end(key)
                return rows
        rows = self._run(sql)
        with self._lock:
            self._results[key] = rows
            while len(self._results) > RESULT_CACHE_SIZE:
                self._results.popitem(last=False)
        return rows

    # -- lifecycle --------------------------------------------------------------------------
    def ensure_indices(self, names: Iterable[str] | None = None) -> list[str]:
        conn = self.conn
        conn.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (name TEXT PRIMARY KEY, version INTEGER NOT NULL, base TEXT NOT NULL, created TEXT NOT NULL)")
        conn.execute(f"CREATE TABLE IF NOT EXISTS {GENERATION_TABLE} (base TEXT PRIMARY KEY, generation INTEGER NOT NULL)")
        created = []
        for name in names or self.catalog.names():
            schema = self._schema(name)
            if self._exists(schema):
                self._add_missing_columns(schema)
                continue
            stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S%f")
            with self._immediate():
                for stmt in schema.ddl(stamp=stamp):
                    conn.execute(stmt)
                self._create_vocab(schema)
                conn.execute(
                    f"INSERT OR REPLACE INTO {META_TABLE} VALUES (?, ?, ?, ?)",
                    (self.prefix + name, schema.spec.version, schema.base, stamp),
                )
            created.append(name)
        return created

    def _add_missing_columns(self, schema: SqliteIndexSchema) -> None:
        """Fields added to the same mapping version get their columns (empty until the documents
        are written again), as Elasticsearch takes an additive mapping on a live index."""
        t = schema.tables()
        have = {row[1] for row in self.conn.execute(f"PRAGMA table_info({t.docs})")}
        missing = [f for f in schema.columns if schema.column(f.path) not in have]
        if not missing:
            return
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S%f")
        with self._immediate():
            have = {row[1] for row in self.conn.execute(f"PRAGMA table_info({t.docs})")}  # another process may have added them
            for stmt in schema.add_columns([f for f in missing if schema.column(f.path) not in have], stamp):
                self.conn.execute(stmt)
            self._bump(schema)

    def _create_vocab(self, schema: SqliteIndexSchema) -> None:
        t = schema.tables()
        self.conn.execute(f"DROP TABLE IF EXISTS {ident(schema.base + '_vocab')}")
        self.conn.execute(f"CREATE VIRTUAL TABLE {ident(schema.base + '_vocab')} USING fts5vocab({ident(t.raw('fts'))}, 'row')")

    def _drop_tables(self, schema: SqliteIndexSchema, suffix: str = "") -> None:
        t = schema.tables(suffix)
        if not suffix:
            self.conn.execute(f"DROP TABLE IF EXISTS {ident(schema.base + '_vocab')}")
        for kind in ("fts", "docs", "src", "vals", "sugg", "tomb"):
            self.conn.execute(f"DROP TABLE IF EXISTS {getattr(t, kind)}")

    def drop_indices(self, names: Iterable[str] | None = None) -> None:
        conn = self.conn
        for name in names or self.catalog.names():
            schema = self._schema(name)
            with self._immediate():
                self._drop_tables(schema)
                self._drop_tables(schema, REBUILD_SUFFIX)
                self._bump(schema)
                if conn.execute("SELECT 1 FROM sqlite_master WHERE name=?", (META_TABLE,)).fetchone():
                    conn.execute(f"DELETE FROM {META_TABLE} WHERE name=?", (self.prefix + name,))

    def refresh(self, index: str | None = None) -> None:
        """Committed writes are visible at once; nothing to do."""

    def rebuild(self, index: str, documents: Iterable[IndexDoc]) -> BulkReport:
        schema = self._schema(index)
        conn = self.conn
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S%f")
        with self._immediate():
            self._drop_tables(schema, REBUILD_SUFFIX)
            for stmt in schema.ddl(REBUILD_SUFFIX, stamp):
                conn.execute(stmt)
        try:
            report = self._write(schema, schema.tables(REBUILD_SUFFIX), documents)
        except BaseException:
            with self._immediate():
                self._drop_tables(schema, REBUILD_SUFFIX)
            raise
        # the swap: one transaction, so readers see the old copy or the new one
        with self._immediate():
            self._drop_tables(schema)
            new, live = schema.tables(REBUILD_SUFFIX), schema.tables()
            for kind in ("docs", "src", "vals", "fts", "sugg", "tomb"):
                conn.execute(f"ALTER TABLE {getattr(new, kind)} RENAME TO {getattr(live, kind)}")
            self._create_vocab(schema)
            conn.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (name TEXT PRIMARY KEY, version INTEGER NOT NULL, base TEXT NOT NULL, created TEXT NOT NULL)")
            conn.execute(f"INSERT OR REPLACE INTO {META_TABLE} VALUES (?, ?, ?, ?)", (self.prefix + index, schema.spec.version, schema.base, stamp))
            self._bump(schema)
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
    def _prepare(self, schema: SqliteIndexSchema, source: Mapping[str, Any]):
        unknown = set(source) - schema.top_level
        if unknown:
            raise ValueError_(f"mapping set to strict, dynamic introduction of [{sorted(unknown)[0]}] is not allowed")
        columns = []
        for info in schema.columns:
            raw = _get_path(source, info.source_path)
            if isinstance(raw, list):
                if len(raw) > 1:
                    raise ValueError_(f"field [{info.path}] holds one value, got a list (declare it in _meta.multi_valued)")
                raw = raw[0] if raw else None
            columns.append(None if raw is None else to_column(info, raw))
        vals = []
        for info in schema.multi:
            raw = _get_path(source, info.source_path)
            items = raw if isinstance(raw, list) else [raw]
            for v in dict.fromkeys(json.dumps(x, sort_keys=True) if isinstance(x, (dict, list)) else x for x in items):
                if v is not None:
                    vals.append((info.path, to_column(info, v)))
        texts = []
        for info in schema.text_fields:
            raw = _get_path(source, info.source_path)
            items = raw if isinstance(raw, list) else [raw]
            parts = [analysis.index_text(str(v)) for v in items if v not in (None, "")]
            texts.append(f" {VALUE_GAP} ".join(p for p in parts if p))
        suggestions = []
        if schema.completion is not None:
            raw = source.get(schema.completion.path)
            entries = raw if isinstance(raw, list) else [raw] if raw is not None else []
            for entry in entries:
                if isinstance(entry, str):
                    inputs, weight = [entry], 1
                elif isinstance(entry, Mapping):
                    inputs = entry.get("input") or []
                    inputs = [inputs] if isinstance(inputs, str) else list(inputs)
                    weight = int(entry.get("weight", 1))
                else:
                    raise ValueError_(f"field [{schema.completion.path}] expects objects with input and weight")
                for text in inputs:
                    if text:
                        suggestions.append((str(text), _norm_suggest(str(text)), weight))
        return columns, vals, texts, suggestions

    def _known(self, t: TableSet, ids: list[str]) -> tuple[dict[str, tuple[int, int]], dict[str, int]]:
        """Existing (rowid, version) and tombstone versions for a batch of ids, in two queries."""
        rows: dict[str, tuple[int, int]] = {}
        tombs: dict[str, int] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ", ".join("?" * len(chunk))
            rows.update((d, (r, v)) for d, r, v in self.conn.execute(f"SELECT id, rowid, version FROM {t.docs} WHERE id IN ({marks})", chunk))
            tombs.update(self.conn.execute(f"SELECT id, version FROM {t.tomb} WHERE id IN ({marks})", chunk))
        return rows, tombs

    def _store(self, schema: SqliteIndexSchema, t: TableSet, doc: IndexDoc, prepared,
               row: tuple[int, int] | None, tomb: int | None) -> tuple[str, int | None]:
        """Write one prepared document; ``row`` is its existing (rowid, version), ``tomb`` the
        version it was deleted at. Returns the outcome and the rowid."""
        conn = self.conn
        columns, vals, texts, suggestions = prepared
        if row is not None and row[1] > doc.version:
            return "stale", None
        if row is None and tomb is not None and tomb > doc.version:
            return "stale", None
        source = json.dumps(doc.source, ensure_ascii=False, separators=(",", ":"), default=str)
        names = [ident(schema.column(f.path)) for f in schema.columns]
        if row is None:
            placeholders = ", ".join("?" * (2 + len(names)))
            cur = conn.execute(
                f"INSERT INTO {t.docs} (id, version{''.join(', ' + n for n in names)}) VALUES ({placeholders})",
                (doc.id, doc.version, *columns),
            )
            rowid = cur.lastrowid
            conn.execute(f"INSERT INTO {t.src} (rowid, source) VALUES (?, ?)", (rowid, source))
            if tomb is not None:
                conn.execute(f"DELETE FROM {t.tomb} WHERE id = ?", (doc.id,))
        else:
            rowid = row[0]
            sets = ", ".join(["version = ?"] + [f"{n} = ?" for n in names])
            conn.execute(f"UPDATE {t.docs} SET {sets} WHERE rowid = ?", (doc.version, *columns, rowid))
            conn.execute(f"UPDATE {t.src} SET source = ? WHERE rowid = ?", (source, rowid))
            conn.execute(f"DELETE FROM {t.fts} WHERE rowid = ?", (rowid,))
            conn.execute(f"DELETE FROM {t.vals} WHERE doc = ?", (rowid,))
            conn.execute(f"DELETE FROM {t.sugg} WHERE doc = ?", (rowid,))
        if schema.text_fields:
            conn.execute(f"INSERT INTO {t.fts} (rowid, {', '.join(schema.fts_column(f.path) for f in schema.text_fields)}) VALUES ({', '.join('?' * (1 + len(texts)))})", (rowid, *texts))
        if vals:
            conn.executemany(f"INSERT INTO {t.vals} (doc, field, value) VALUES (?, ?, ?)", [(rowid, f, v) for f, v in vals])
        if suggestions:
            conn.executemany(
                f"INSERT INTO {t.sugg} (doc, input, norm, weight) VALUES (?, ?, ?, ?)",
                [(rowid, *s) for s in suggestions],
            )
        return "indexed", rowid

    def _write(self, schema: SqliteIndexSchema, t: TableSet, documents: Iterable[IndexDoc]) -> BulkReport:
        """Batches of CHUNK_SIZE in one transaction each. Documents that do not fit the mapping
        are refused before any SQL runs; if SQLite itself refuses a write, the batch is redone
        one document per savepoint, so only that document fails."""
        report = BulkReport()
        conn = self.conn
        batch: list[IndexDoc] = []

        def prepare() -> list:
            ready = []
            for doc in batch:
                try:
                    ready.append((doc, self._prepare(schema, doc.source)))
                except (ValueError, TypeError) as exc:
                    report.errors.append(ItemError(doc.id, str(exc), 400, False))
            return ready

        def store_all(ready: list, isolate: bool) -> BulkReport:
            part = BulkReport()
            rows, tombs = self._known(t, [d.id for d, _ in ready])
            for doc, prepared in ready:
                if isolate:
                    conn.execute("SAVEPOINT doc")
                try:
                    outcome, rowid = self._store(schema, t, doc, prepared, rows.get(doc.id), tombs.get(doc.id))
                except sqlite3.Error as exc:
                    if not isolate:
                        raise
                    conn.execute("ROLLBACK TO doc")
                    conn.execute("RELEASE doc")
                    part.errors.append(ItemError(doc.id, str(exc), 400, isinstance(exc, sqlite3.OperationalError)))
                    continue
                if isolate:
                    conn.execute("RELEASE doc")
                if outcome == "stale":
                    part.skipped_stale += 1
                else:
                    part.indexed += 1
                    rows[doc.id] = (rowid, doc.version)  # the same id later in the batch updates it
            return part

        def flush() -> None:
            ready = prepare()
            for isolate in (False, True):
                try:
                    with self._immediate():
                        part = store_all(ready, isolate)
                        self._bump(schema)
                except sqlite3.Error:
                    if isolate:
                        raise
                    continue  # one bad document failed the batch: again, each document in its own savepoint
                report.merge(part)
                break
            batch.clear()

        for doc in documents:
            batch.append(doc)
            if len(batch) >= CHUNK_SIZE:
                flush()
        if batch:
            flush()
        return report

    def index_documents(self, index: str, documents: Iterable[IndexDoc]) -> BulkReport:
        schema = self._schema(index)
        report = self._write(schema, self._require(schema), documents)
        if report.indexed >= ANALYZE_AFTER:
            self._analyze(schema)
        return report

    def delete_documents(self, index: str, ids: Iterable[str | tuple[str, int]]) -> BulkReport:
        schema = self._schema(index)
        t = self._require(schema)
        conn = self.conn
        report = BulkReport()
        with self._immediate():
            for item in ids:
                doc_id, version = item if isinstance(item, tuple) else (item, None)
                row = conn.execute(f"SELECT rowid, version FROM {t.docs} WHERE id = ?", (doc_id,)).fetchone()
                if version is not None:
                    if row is not None and row[1] > version:
                        report.skipped_stale += 1
                        continue
                    conn.execute(f"INSERT INTO {t.tomb} (id, version) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET version = max(version, excluded.version)", (doc_id, version))
                if row is None:
                    continue
                rowid = row[0]
                for table, col in ((t.fts, "rowid"), (t.vals, "doc"), (t.sugg, "doc"), (t.src, "rowid"), (t.docs, "rowid")):
                    conn.execute(f"DELETE FROM {table} WHERE {col} = ?", (rowid,))
                report.deleted += 1
            self._bump(schema)
        return report

    # -- search -----------------------------------------------------------------------------
    def _run(self, sql: C.Sql) -> list[sqlite3.Row | tuple]:
        try:
            return self.conn.execute(sql.text, sql.params).fetchall()
        except sqlite3.OperationalError as exc:
            if "fts5" in str(exc) or "MATCH" in str(exc):
                raise QueryError(f"查询无法解析 / the query could not be parsed: {exc}", code="invalid_query") from exc
            if "no such table" in str(exc):
                raise IndexMissing(str(exc)) from exc
            raise

    def search(self, req: SearchRequest) -> SearchResult:
        check_search(self.catalog, req)
        started = time.perf_counter()
        sorts = list(req.sort) or ([Sort.score()] if has_text(req.query) else [])
        after = decode_cursor(self.name, req.after, len(sorts) + 1) if req.after else None
        single = len(req.indices) == 1
        size, offset = req.page.size, (0 if after else req.page.offset)
        total = 0
        rows: list[tuple[str, str, dict[str, Any], float | None, list[Any]]] = []
        facet_counts: dict[str, FacetCounts] = {f.key: FacetCounts() for f in req.facets}
        totals: Counter = Counter()
        selections = req.facet_filter_map()
        for name in req.indices:
            schema = self._schema(name)
            t = self._require(schema)
            generation = self._generation(schema)
            match = C.compile_match(schema, req.query)
            from_sql, base = C.from_clause(schema, t, match)
            base = base + [C.filters_sql(schema, t, list(req.filters))]
            post = [C.filter_sql(schema, t, f) for f in selections.values()]
            total += self._run_cached(generation, C.select("COUNT(*)", from_sql, base + post))[0][0]
            if size > 0:
                exprs = [self._sort_expr(schema, s) for s in sorts]
                conds = base + post
                if after is not None:
                    conds = conds + [self._keyset(exprs, sorts, after)]
                order = ", ".join(f"({e} IS NULL), {e} {'DESC' if s.desc else 'ASC'}" for e, s in zip(exprs, sorts))
                order = f"ORDER BY {order + ', ' if order else ''}d.id ASC LIMIT ? OFFSET ?"
                limit, off = (size, offset) if single else (offset + size, 0)
                cols = "d.id, d.rowid, m.score" + "".join(f", {e}" for e in exprs)
                page = self._run(C.select(cols, from_sql, conds, order, [limit, off]))
                sources = self._sources(t, [r[1] for r in page])
                for r in page:
                    rows.append((name, r[0], sources[r[1]], r[2], [from_column(self._sort_info(schema, s), v) for s, v in zip(sorts, r[3:])]))
            for facet in req.facets:
                others = [C.filter_sql(schema, t, f) for key, f in selections.items() if key != facet.key]
                self._facet(schema, t, from_sql, base + others, facet, facet_counts[facet.key], generation)
            if req.sums:
                self._sums(schema, from_sql, base + post, req.sums, totals, generation)
        if not single:
            rows.sort(key=functools.cmp_to_key(lambda a, b: self._compare(a, b, sorts)))
            rows = rows[offset : offset + size]
        hits = [Hit(name, doc_id, score, source) for name, doc_id, source, score, _ in rows]
        if req.highlight is not None and hits:
            self._highlight(req, hits)
        facets = {f.key: self._facet_buckets(req, f, facet_counts[f.key]) for f in req.facets}
        next_cursor = None
        if rows and len(rows) == size:
            last = rows[-1]
            next_cursor = encode_cursor(self.name, [*last[4], last[1]])
        sums = {f: float(totals.get(f, 0.0)) for f in req.sums}
        return SearchResult(total, hits, facets, next_cursor, (time.perf_counter() - started) * 1000, sums)

    def _sources(self, t: TableSet, rowids: list[int]) -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        for i in range(0, len(rowids), 500):
            chunk = rowids[i : i + 500]
            rows = self.conn.execute(f"SELECT rowid, source FROM {t.src} WHERE rowid IN ({', '.join('?' * len(chunk))})", chunk)
            out.update((rowid, json.loads(src)) for rowid, src in rows)
        return out

    def _sort_info(self, schema: SqliteIndexSchema, s: Sort):
        if s.field == "_score":
            return _SCORE_INFO
        return schema.spec.fields.get(s.field) or _SCORE_INFO

    def _sort_expr(self, schema: SqliteIndexSchema, s: Sort) -> str:
        if s.field == "_score":
            return "m.score"
        info = schema.spec.fields.get(s.field)
        if info is None or not info.is_scalar or info.multi:
            return "NULL"
        return f"d.{ident(schema.column(s.field))}"

    @staticmethod
    def _keyset(exprs: list[str], sorts: list[Sort], values: list[Any]) -> C.Sql:
        cond = C.Sql("d.id > ?", [values[-1]])
        for expr, s, v in reversed(list(zip(exprs, sorts, values[:-1]))):
            if isinstance(v, bool):
                v = int(v)
            if v is None:
                cond = C.Sql(f"({expr} IS NULL AND {cond.text})", cond.params)
            else:
                op = "<" if s.desc else ">"
                cond = C.Sql(f"(({expr} {op} ? OR {expr} IS NULL) OR ({expr} = ? AND {cond.text}))", [v, v, *cond.params])
        return cond

    @staticmethod
    def _compare(a, b, sorts: list[Sort]) -> int:
        for s, va, vb in zip(sorts, a[4], b[4]):
            if va is None and vb is None:
                continue
            if va is None:
                return 1
            if vb is None:
                return -1
            if va != vb:
                return (-1 if va < vb else 1) * (-1 if s.desc else 1)
        return (a[1] > b[1]) - (a[1] < b[1])

    def _facet(self, schema, t, from_sql: C.Sql, conds: list[C.Sql], facet, counts: FacetCounts, generation: int | None = None) -> None:
        info = schema.spec.fields.get(facet.field)
        if info is None:
            return
        # the summed columns of this index (a field another index has adds nothing here)
        sums = [(name, f"d.{ident(schema.column(name))}") for name in facet.sums if name in schema.spec.fields]
        if info.multi:
            src = C.Sql(from_sql.text + f" CROSS JOIN {t.vals} v ON v.doc = d.rowid AND v.field = ?", from_sql.params + [facet.field])
            value = "v.value"
        else:
            src, value = from_sql, f"d.{ident(schema.column(facet.field))}"
        if facet.kind == "year":
            value = f"CAST(substr({value}, 1, 4) AS INTEGER)"
        if facet.kind == "range":
            cases, params = [], []
            for r in facet.ranges:
                cond = " AND ".join([f"{value} >= ?"] * (r.gte is not None) + [f"{value} < ?"] * (r.lt is not None)) or f"{value} IS NOT NULL"
                bounds = [x for x in (r.gte, r.lt) if x is not None]
                cases.append(f"COUNT(DISTINCT CASE WHEN {cond} THEN d.rowid END)")
                params += bounds
                for _, col in sums:  # single-valued fields only (checked): one row per document
                    cases.append(f"TOTAL(CASE WHEN {cond} THEN {col} END)")
                    params += bounds
            sql = C.select(", ".join(cases), src, conds)
            row = self._run_cached(generation, C.Sql(sql.text, params + sql.params))[0]  # CASE parameters come first in the text
            width = 1 + len(sums)
            for i, r in enumerate(facet.ranges):
                counts.add(r.key, row[i * width] or 0, {name: row[i * width + 1 + j] for j, (name, _) in enumerate(sums)})
            return
        present = conds + [C.Sql(f"{value} IS NOT NULL")]
        if info.multi:
            # one row per (value, document) first: a list holding a value twice counts the document once
            sum_cols = "".join(f", {col} AS s{j}" for j, (_, col) in enumerate(sums))
            inner = C.select(f"DISTINCT {value} AS k, d.rowid AS r{sum_cols}", src, present)
            totals = "".join(f", TOTAL(s{j})" for j in range(len(sums)))
            sql = C.Sql(f"SELECT k, COUNT(*){totals} FROM ({inner.text}) GROUP BY k", inner.params)
        else:
            sql = C.select(f"{value} AS k, COUNT(*)" + "".join(f", TOTAL({col})" for _, col in sums), src, present, "GROUP BY k")
        for key, n, *added in self._run_cached(generation, sql):
            counts.add(from_column(info, key) if facet.kind != "year" else key, n, {name: x for (name, _), x in zip(sums, added)})

    def _sums(self, schema, from_sql: C.Sql, conds: list[C.Sql], fields: tuple[str, ...], totals: Counter, generation: int | None) -> None:
        cols = [(name, f"TOTAL(d.{ident(schema.column(name))})") for name in fields if name in schema.spec.fields]
        if not cols:
            return
        row = self._run_cached(generation, C.select(", ".join(c for _, c in cols), from_sql, conds))[0]
        for (name, _), x in zip(cols, row):
            totals[name] += x or 0.0

    def _facet_buckets(self, req: SearchRequest, facet, counts: FacetCounts) -> list[FacetBucket]:
        def bucket(key) -> FacetBucket:
            return FacetBucket(key, counts.n.get(key, 0), {f: float(counts.sums.get(key, {}).get(f, 0.0)) for f in facet.sums})

        if facet.kind == "range":
            return [bucket(r.key) for r in facet.ranges]
        items = [(k, n) for k, n in counts.n.items() if n > 0]
        if facet.order == "count":
            items.sort(key=lambda kv: (-kv[1], kv[0]))
        else:
            items.sort(key=lambda kv: kv[0], reverse=facet.order == "key_desc")
        return [bucket(k) for k, _ in items[: facet.size]]

    def _highlight(self, req: SearchRequest, hits: list[Hit]) -> None:
        hl: Highlight = req.highlight  # type: ignore[assignment]
        wanted = C.positive_terms(req.query)
        if not wanted:
            return
        for hit in hits:
            spec = self.catalog.get(hit.index)
            fields = hl.fields or spec.highlight_fields
            for f in fields:
                info = spec.fields.get(f)
                if info is None or not info.is_text:
                    continue
                frags = highlight_value(_get_path(hit.source, info.source_path), wanted, size=hl.fragment_size, count=hl.number_of_fragments, pre=hl.pre, post=hl.post)
                if frags:
                    hit.highlights[f] = frags

    # -- suggestions and similar records -----------------------------------------------------
    def suggest(self, req: SuggestRequest) -> list[Suggestion]:
        text = req.text.strip()[:100]
        if not text:
            return []
        norm = _norm_suggest(text)
        best: dict[str, Suggestion] = {}
        for name in req.indices:
            schema = self._schema(name)
            t = self._require(schema)
            # as Lucene's completion suggester: one input per document (its heaviest match,
            # ties to the first in order), the documents by that weight
            sql = (f"SELECT input, id, weight FROM (SELECT s.input, d.id, s.weight, row_number() OVER "
                   f"(PARTITION BY s.doc ORDER BY s.weight DESC, s.norm ASC) AS rank FROM {t.sugg} s "
                   f"JOIN {t.docs} d ON d.rowid = s.doc WHERE s.norm >= ? AND s.norm < ?) WHERE rank = 1 "
                   f"ORDER BY weight DESC, input ASC LIMIT ?")
            for input_, doc_id, weight in self.conn.execute(sql, (norm, norm + MAX_CODEPOINT, req.size * 3)).fetchall():
                current = best.get(input_)
                if current is None or weight > current.weight:
                    best[input_] = Suggestion(input_, name, doc_id, weight)
        return sorted(best.values(), key=lambda s: (-s.weight, s.text))[: req.size]

    def similar(self, req: SimilarRequest) -> SearchResult:
        started = time.perf_counter()
        schema = self._schema(req.index)
        t = self._require(schema)
        row = self.conn.execute(f"SELECT d.rowid, s.source FROM {t.docs} d JOIN {t.src} s ON s.rowid = d.rowid WHERE d.id = ?", (req.id,)).fetchone()
        if row is None:
            return SearchResult(0, [])
        source = json.loads(row[1])
        fields = req.fields or schema.spec.similar_fields
        tf: Counter = Counter()
        for f in fields:
            info = schema.spec.fields.get(f)
            if info is None or not info.is_text:
                continue
            value = _get_path(source, info.source_path)
            for v in value if isinstance(value, list) else [value]:
                if isinstance(v, str):
                    tf.update(analysis.terms(v, unigrams=True))
        if not tf:
            return SearchResult(0, [])
        n_docs = self.conn.execute(f"SELECT COUNT(*) FROM {t.docs}").fetchone()[0] or 1
        vocab = ident(schema.base + "_vocab")
        df: dict[str, int] = {}
        terms = list(tf)
        for i in range(0, len(terms), 500):
            chunk = terms[i : i + 500]
            for term, doc in self.conn.execute(f"SELECT term, doc FROM {vocab} WHERE term IN ({', '.join('?' * len(chunk))})", chunk):
                df[term] = doc
        # the same term weight Lucene's MoreLikeThis uses: tf * (log(N / (df + 1)) + 1)
        scored = sorted(((tf[w] * (math.log(n_docs / (df.get(w, 0) + 1)) + 1), w) for w in tf if df.get(w, 0) >= 1), reverse=True)[:25]
        if not scored:
            return SearchResult(0, [])
        columns = [schema.fts_column(f) for f in fields if f in {x.path for x in schema.text_fields}]
        expr = "{" + " ".join(columns) + "} : (" + " OR ".join(f'"{w}"' for _, w in scored) + ")"
        hits: list[Hit] = []
        total = 0
        for name in req.indices or (req.index,):
            other = self._schema(name)
            ot = self._require(other)
            cols = [other.fts_column(f) for f in fields if f in {x.path for x in other.text_fields}]
            if not cols:
                continue
            e = "{" + " ".join(cols) + "} : (" + " OR ".join(f'"{w}"' for _, w in scored) + ")" if name != req.index else expr
            from_sql, base = C.from_clause(other, ot, C.Match("fts", e))
            conds = base + [C.filters_sql(other, ot, list(req.filters)), C.Sql("d.id != ?", [req.id])]
            total += self._run(C.select("COUNT(*)", from_sql, conds))[0][0]
            page = self._run(C.select("d.id, d.rowid, m.score", from_sql, conds, "ORDER BY m.score DESC, d.id ASC LIMIT ?", [req.size]))
            sources = self._sources(ot, [r[1] for r in page])
            hits += [Hit(name, doc_id, score, sources[rowid]) for doc_id, rowid, score in page]
        hits.sort(key=lambda h: (-(h.score or 0), h.id))
        return SearchResult(total, hits[: req.size], {}, None, (time.perf_counter() - started) * 1000)

    # -- reads by id ---------------------------------------------------------------------------
    def get_document(self, index: str, id: str) -> dict[str, Any] | None:
        t = self._require(self._schema(index))
        row = self.conn.execute(f"SELECT s.source FROM {t.docs} d JOIN {t.src} s ON s.rowid = d.rowid WHERE d.id = ?", (id,)).fetchone()
        return json.loads(row[0]) if row else None

    def count(self, index: str) -> int:
        t = self._require(self._schema(index))
        return int(self.conn.execute(f"SELECT COUNT(*) FROM {t.docs}").fetchone()[0])

    def iter_versions(self, index: str) -> Iterator[tuple[str, int]]:
        t = self._require(self._schema(index))
        yield from self.conn.execute(f"SELECT id, version FROM {t.docs} ORDER BY id").fetchall()
