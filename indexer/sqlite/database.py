"""One SQLite database file shared by the writer and the searcher: a connection per thread,
the one write-transaction helper, read snapshots, write generations and the result cache.

Kept apart from the writer and the searcher because both need exactly the same rules: a write
takes the lock at once (BEGIN IMMEDIATE) and bumps its index's generation in the same
transaction; a search reads every statement from one snapshot; cached counts are keyed by the
generation they were computed at, so any write, from any process, retires them."""
from __future__ import annotations

import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import IndexMissing, QueryError
from . import compiler as C
from .schema import SqliteIndexSchema

META_TABLE = "search_index_meta"
GENERATION_TABLE = "search_index_generation"  # bumped in every write transaction of an index
RESULT_CACHE_SIZE = 2048


def _close_quietly(conn: sqlite3.Connection) -> None:
    try:
        conn.close()
    except sqlite3.Error:
        pass


class Database:
    """``path``: the database file (``:memory:`` works for one thread); ``cache_size``: how many
    results the result cache keeps (0: none, every search counts afresh)."""

    def __init__(self, path: str, cache_size: int = RESULT_CACHE_SIZE):
        self.path = path
        self.cache_size = cache_size
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._lock = threading.Lock()
        # counts and facet buckets keyed by the index's write generation: like Elasticsearch's
        # request cache for aggregations, a repeated browse does not count every document again,
        # and any write (from any process) makes the old entries unreachable
        self._results: OrderedDict[tuple, Any] = OrderedDict()

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
            conn.execute("PRAGMA temp_store=MEMORY")
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
            self._results.clear()
        self._local = threading.local()

    # -- transactions -----------------------------------------------------------------------
    @contextmanager
    def immediate(self) -> Iterator[sqlite3.Connection]:
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

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: the count, the page, the facets and the sources of a search all
        see the same committed state (a write committed between two of them is not half seen).
        Nested use joins the outer transaction."""
        conn = self.conn
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # -- generations and the result cache ---------------------------------------------------
    def bump(self, schema: SqliteIndexSchema) -> None:
        """Called inside every write transaction: readers see the new data and the new
        generation together."""
        self.conn.execute(f"CREATE TABLE IF NOT EXISTS {GENERATION_TABLE} (base TEXT PRIMARY KEY, generation INTEGER NOT NULL)")
        self.conn.execute(
            f"INSERT INTO {GENERATION_TABLE} (base, generation) VALUES (?, 1) "
            "ON CONFLICT(base) DO UPDATE SET generation = generation + 1", (schema.base,))

    def generation(self, schema: SqliteIndexSchema) -> int | None:
        try:
            row = self.conn.execute(f"SELECT generation FROM {GENERATION_TABLE} WHERE base = ?", (schema.base,)).fetchone()
        except sqlite3.OperationalError:  # no write yet since this engine version
            return None
        return row[0] if row else 0

    def clear_cache(self) -> None:
        with self._lock:
            self._results.clear()

    def run(self, sql: C.Sql) -> list:
        try:
            return self.conn.execute(sql.text, sql.params).fetchall()
        except sqlite3.OperationalError as exc:
            if "fts5" in str(exc) or "MATCH" in str(exc):
                raise QueryError(f"查询无法解析 / the query could not be parsed: {exc}", code="invalid_query") from exc
            if "no such table" in str(exc):
                raise IndexMissing(str(exc)) from exc
            raise

    def run_cached(self, generation: int | None, sql: C.Sql, scope: str = "") -> list:
        """Counts and facets only (hits are cheap with LIMIT and carry sources). ``scope``: what
        the SQL reads besides the index (the text query whose matches a temporary table holds)."""
        return self.cached(generation, (scope, sql.text, tuple(sql.params)), lambda: self.run(sql))

    def cached(self, generation: int | None, key: tuple, compute: Callable[[], Any]) -> Any:
        """``compute()``'s result, kept under ``key`` until the index's next write."""
        if generation is None or not self.cache_size:
            return compute()
        key = (generation, *key)
        with self._lock:
            found = self._results.get(key)
            if found is not None:
                self._results.move_to_end(key)
                return found
        found = compute()
        with self._lock:
            self._results[key] = found
            while len(self._results) > self.cache_size:
                self._results.popitem(last=False)
        return found

    def table_exists(self, name: str) -> bool:
        return self.conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is not None
