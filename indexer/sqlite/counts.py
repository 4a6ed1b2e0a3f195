"""Facet counts kept at write time, so that browsing without words does not count every
document on every request.

``<base>_counts`` holds, per partition (the value of the mapping's ``_meta.count_partition``
field, "status": every public listing filters on it) and per counted key, how many documents
hold each value. A key is a field path (its values), ``path#year`` (the years of a date or year
field) or ``#total`` (all documents). Keys are counted from the first time a search asks for
them (``<base>_counted`` lists them): the first browse counts with one GROUP BY, in a write
transaction, and from then on every write adjusts the counts in its own transaction. Fields
nobody facets on cost writers nothing.

A search uses the counts only when they are exactly what it would count: no words, no filter
other than on the partition field, no other facet selection, no sums. Everything else counts
over the matching documents (see the searcher)."""
from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..query import AnyOf, Filter, Term, Terms
from .schema import SqliteIndexSchema, TableSet, ident, to_column

TOTAL = "#total"
YEAR = "#year"
NO_PART = "\ue001"  # the partition of documents without a value for the partition field


@dataclass(frozen=True)
class CountKey:
    """What a facet counts: a field's values, or the years of a date or year field."""

    field: str
    year: bool = False

    @property
    def name(self) -> str:
        return TOTAL if not self.field else self.field + (YEAR if self.year else "")

    @staticmethod
    def parse(name: str) -> "CountKey":
        if name == TOTAL:
            return CountKey("")
        if name.endswith(YEAR):
            return CountKey(name[: -len(YEAR)], True)
        return CountKey(name)


def _year(value: Any) -> int | None:
    text = str(value)[:4]
    return int(text) if text.isdigit() else None


class Counts:
    """Reads and writes the counts of one copy of an index (live or being rebuilt)."""

    def __init__(self, schema: SqliteIndexSchema, t: TableSet):
        self.schema = schema
        self.t = t
        self.partition = schema.count_partition
        self._column_pos = {f.path: i for i, f in enumerate(schema.columns)}

    # -- which keys are kept -------------------------------------------------------------------
    def counted(self, conn: sqlite3.Connection) -> list[CountKey]:
        return [CountKey.parse(r[0]) for r in conn.execute(f"SELECT field FROM {self.t.counted}")]

    def is_counted(self, conn: sqlite3.Connection, key: CountKey) -> bool:
        return conn.execute(f"SELECT 1 FROM {self.t.counted} WHERE field = ?", (key.name,)).fetchone() is not None

    def countable(self, key: CountKey) -> bool:
        if not key.field:
            return True
        info = self.schema.spec.fields.get(key.field)
        return info is not None and info.is_scalar

    def register(self, conn: sqlite3.Connection, key: CountKey) -> None:
        """Count ``key`` over every document now; call inside a write transaction, so no write
        slips between the count and the first adjustment."""
        if self.is_counted(conn, key):
            return
        part = f"COALESCE(d.{ident(self.schema.column(self.partition))}, ?)" if self.partition else "?"
        info = self.schema.spec.fields.get(key.field) if key.field else None
        if info is None:
            sql = f"SELECT {part}, '', COUNT(*) FROM {self.t.docs} d GROUP BY 1"
        else:
            if info.multi:
                value, src = "v.value", f"{self.t.docs} d JOIN {self.t.vals} v ON v.doc = d.rowid AND v.field = ?"
            else:
                value, src = f"d.{ident(self.schema.column(info.path))}", f"{self.t.docs} d"
            if key.year:
                value = f"CAST(substr({value}, 1, 4) AS INTEGER)"
            # DISTINCT document per value: a list holding a value twice counts the document once
            sql = (f"SELECT p, k, COUNT(*) FROM (SELECT DISTINCT {part} AS p, {value} AS k, d.rowid FROM {src} "
                   f"WHERE {value} IS NOT NULL) GROUP BY p, k")
        params: list[Any] = [NO_PART] + ([key.field] if info is not None and info.multi else [])
        rows = conn.execute(sql, params).fetchall()
        conn.executemany(f"INSERT INTO {self.t.counts} (part, field, value, n) VALUES (?, ?, ?, ?)",
                         [(p, key.name, k, n) for p, k, n in rows])
        conn.execute(f"INSERT INTO {self.t.counted} (field) VALUES (?)", (key.name,))

    # -- adjustments by writers ------------------------------------------------------------------
    def keys_of(self, keys: list[CountKey], columns: list[Any], vals: list[tuple[str, Any]]) -> list[tuple[Any, str, Any]]:
        """(partition, key, value) of one document, from its typed columns and value rows."""
        part = columns[self._column_pos[self.partition]] if self.partition else None
        part = NO_PART if part is None else part
        out: list[tuple[Any, str, Any]] = []
        multi: dict[str, list[Any]] = {}
        for f, v in vals:
            multi.setdefault(f, []).append(v)
        for key in keys:
            if not key.field:
                out.append((part, TOTAL, ""))
                continue
            pos = self._column_pos.get(key.field)
            values = [columns[pos]] if pos is not None else multi.get(key.field, [])
            if key.year:
                values = [_year(v) for v in values if v is not None]
            for v in dict.fromkeys(v for v in values if v is not None):
                out.append((part, key.name, v))
        return out

    def apply(self, conn: sqlite3.Connection, delta: Counter) -> None:
        changes = [(p, k, v, n) for (p, k, v), n in delta.items() if n]
        if not changes:
            return
        conn.executemany(
            f"INSERT INTO {self.t.counts} (part, field, value, n) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(part, field, value) DO UPDATE SET n = n + excluded.n", changes)
        conn.execute(f"DELETE FROM {self.t.counts} WHERE n <= 0")

    # -- reads by searchers ------------------------------------------------------------------------
    def parts_of(self, filters: Iterable[Filter]) -> list[Any] | None:
        """The partitions a search's filters select, ``[]`` for all of them; None when a filter
        is anything but a term (or terms) on the partition field: the counts cannot answer."""
        parts: set[Any] | None = None  # None: every partition
        for f in filters:
            if isinstance(f, AnyOf) and f.filters and all(isinstance(c, (Term, Terms)) for c in f.filters):
                values = [v for c in f.filters for v in ((c.value,) if isinstance(c, Term) else c.values)]
                fields = {c.field for c in f.filters}
            elif isinstance(f, Term):
                values, fields = [f.value], {f.field}
            elif isinstance(f, Terms):
                values, fields = list(f.values), {f.field}
            else:
                return None
            if not self.partition or fields != {self.partition}:
                return None
            info = self.schema.spec.fields[self.partition]
            wanted = {to_column(info, v) for v in values}
            parts = wanted if parts is None else parts & wanted
        if parts is None:
            return []
        return sorted(parts, key=str) or [NO_PART + "none"]  # an empty intersection: a partition no document has

    def rows(self, conn: sqlite3.Connection, key: CountKey, parts: list[Any]) -> list[tuple[Any, int]]:
        where, params = "field = ?", [key.name]
        if parts:
            where += f" AND part IN ({', '.join('?' * len(parts))})"
            params += parts
        return conn.execute(f"SELECT value, SUM(n) FROM {self.t.counts} WHERE {where} GROUP BY value", params).fetchall()

    def in_range(self, conn: sqlite3.Connection, key: CountKey, parts: list[Any], gte: Any, lt: Any) -> int:
        where, params = ["field = ?"], [key.name]
        if parts:
            where.append(f"part IN ({', '.join('?' * len(parts))})")
            params += parts
        if gte is not None:
            where.append("value >= ?")
            params.append(gte)
        if lt is not None:
            where.append("value < ?")
            params.append(lt)
        row = conn.execute(f"SELECT SUM(n) FROM {self.t.counts} WHERE {' AND '.join(where)}", params).fetchone()
        return int(row[0] or 0)
