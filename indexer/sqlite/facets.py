"""Facet counts over the documents a search matched, from facet columns held in memory.

Counting a facet in SQL is one ``GROUP BY`` over the matching documents: ten facets, ten scans
at about a microsecond per document each, and a list facet one index lookup per document.
Elasticsearch answers the same from its column store. This is the embedded engine's: each
faceted field of an index is read once into numpy arrays by rowid (a value code per document;
for a list, one (document, code) pair per value), and kept for as long as the index does not
change (its write generation). A search then reads only the matching rowids and, per document,
a bitmask of the selections it passes (bit i: selection i accepts it); each facet is one
``bincount`` over the documents every selection but its own accepts (the multi-select rule).

A column is re-read after a write, within the search that first needs it, unless reading it is
costly compared with how often the index changes (a stream of writes): then the search counts
in SQL instead, and the column waits (see :meth:`FacetColumns.column`).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..query import FacetSpec
from . import compiler as C
from .schema import SqliteIndexSchema, TableSet, from_column, ident

NUMERIC = {"integer", "long", "short", "byte", "float", "double", "half_float", "scaled_float", "unsigned_long"}
MASK_BITS = 20  # selections a mask holds (a search with more counts in SQL)
STALE_FACTOR = 10  # re-read a column after a write only when the last read took under 1/10 of the time since

Buckets = list[tuple[Any, int, dict[str, float]]]  # (key, documents, sums) per bucket


@dataclass
class Column:
    """One field's values for every document of one index at one generation."""

    generation: int
    size: int  # rowids below it
    codes: np.ndarray  # int32: per rowid (single values, -1 missing) or per entry (lists)
    keys: list[Any]  # code -> stored value
    docs: np.ndarray | None = None  # lists: the rowid of each entry
    numbers: np.ndarray | None = None  # numeric single values: float64 per rowid, NaN missing
    rowids: np.ndarray | None = None  # kind "ids": every document's rowid, ascending
    ranks: np.ndarray | None = None  # kind "ids": per rowid, the place of its id in id order (the last tie-break)
    _places: np.ndarray | None = None

    def places(self) -> np.ndarray:
        """Per code, the place of its value in SQLite's order (NaN for the code -1, no value):
        what sorting by this field compares. Worked out once per column read."""
        if self._places is None:
            places = np.full(len(self.keys) + 1, np.nan)
            places[sorted(range(len(self.keys)), key=self.keys.__getitem__)] = np.arange(len(self.keys))
            self._places = places
        return self._places
    read_seconds: float = 0.0
    read_at: float = 0.0


def mask_sql(flags: list[C.Sql]) -> C.Sql:
    """One integer per document: bit i set when selection i accepts it (NULL counts as no)."""
    if not flags:
        return C.Sql("0")
    terms = [f"(COALESCE(({f.text}), 0) <> 0) * {1 << i}" for i, f in enumerate(flags)]
    return C.Sql("(" + " + ".join(terms) + ")", [p for f in flags for p in f.params])


def parse_ids(concatenated: str) -> np.ndarray:
    """``group_concat``'s "1,5,9" as integers (parsed in C: a list of Python strings costs 7x more)."""
    return np.fromstring(concatenated, dtype=np.int64, sep=",")


class FacetColumns:
    """The columns of every index this process searched, shared by its threads."""

    def __init__(self, stale_factor: float = STALE_FACTOR) -> None:
        self.stale_factor = stale_factor  # 0: re-read after every write (tests, read-mostly sites)
        self._columns: dict[tuple[str, str, str], Column] = {}
        self._lock = threading.Lock()

    def column(self, conn, schema: SqliteIndexSchema, t: TableSet, generation: int | None, field: str, kind: str) -> Column | None:
        """The field's column at ``generation`` (read now, in the caller's snapshot, if need be),
        or None: the search counts in SQL."""
        if generation is None:
            return None
        key = (t.base, field, kind)
        with self._lock:
            col = self._columns.get(key)
        if col is not None and col.generation == generation:
            return col
        if col is not None and time.monotonic() - col.read_at < self.stale_factor * col.read_seconds:
            return None  # written to again soon after the last read: count in SQL for now
        started = time.monotonic()
        col = self._read(conn, schema, t, field, kind)
        col.generation, col.read_seconds, col.read_at = generation, time.monotonic() - started, time.monotonic()
        with self._lock:
            self._columns[key] = col
        return col

    @staticmethod
    def _read(conn, schema: SqliteIndexSchema, t: TableSet, field: str, kind: str) -> Column:
        size = (conn.execute(f"SELECT max(rowid) FROM {t.docs}").fetchone()[0] or 0) + 1
        if kind == "ids":  # not a field: the documents themselves, in the order of their ids
            # row by row: group_concat does not promise to keep a subquery's order
            rowids = np.fromiter((r for (r,) in conn.execute(f"SELECT rowid FROM {t.docs} ORDER BY id")), dtype=np.int64)
            ranks = np.full(size, len(rowids), dtype=np.int64)
            ranks[rowids] = np.arange(len(rowids))
            return Column(0, size, np.zeros(0, np.int32), [], rowids=np.sort(rowids), ranks=ranks)
        info = schema.spec.fields[field]
        if info.multi:
            keys, docs, codes = [], [], []
            for value, ids in conn.execute(f"SELECT value, group_concat(doc) FROM {t.vals} WHERE field = ? GROUP BY value", (field,)):
                if value is None:
                    continue
                rows = parse_ids(ids)
                docs.append(rows)
                codes.append(np.full(len(rows), len(keys), dtype=np.int32))
                keys.append(value)
            return Column(0, size, np.concatenate(codes) if codes else np.zeros(0, np.int32), keys,
                          docs=np.concatenate(docs) if docs else np.zeros(0, np.int64))
        col = ident(schema.column(field))
        if kind == "number":
            numbers = np.full(size, np.nan)
            pairs = conn.execute(f"SELECT rowid, {col} FROM {t.docs} WHERE typeof({col}) IN ('integer', 'real')").fetchall()
            if pairs:
                found = np.array(pairs, dtype=np.float64)
                numbers[found[:, 0].astype(np.int64)] = found[:, 1]
            return Column(0, size, np.zeros(0, np.int32), [], numbers=numbers)
        value = f"CAST(substr({col}, 1, 4) AS INTEGER)" if kind == "year" else col
        codes = np.full(size, -1, dtype=np.int32)
        keys = []
        for v, ids in conn.execute(f"SELECT {value}, group_concat(rowid) FROM {t.docs} WHERE {col} IS NOT NULL GROUP BY 1"):
            codes[parse_ids(ids)] = len(keys)
            keys.append(v)
        return Column(0, size, codes, keys)


class ColumnCount:
    """The facets of one index, one search, counted from the columns."""

    def __init__(self, store: FacetColumns, conn, schema: SqliteIndexSchema, t: TableSet, generation: int | None,
                 selections: dict[str, C.Sql]):
        self.store, self.conn, self.schema, self.t, self.generation = store, conn, schema, t, generation
        self.keys = list(selections)
        self.use(selections)
        self.everything = (1 << len(self.keys)) - 1
        self.columns: dict[tuple[str, str], Column] = {}

    def use(self, selections: dict[str, C.Sql]) -> None:
        """The selections' conditions as the counted documents' table has them (the same keys)."""
        self.mask = mask_sql([selections[k] for k in self.keys])

    def _column(self, field: str, kind: str) -> Column | None:
        return self.store.column(self.conn, self.schema, self.t, self.generation, field, kind)

    def takes(self, facet: FacetSpec) -> bool:
        """Whether the columns count this facet (else the caller counts it in SQL)."""
        info = self.schema.spec.fields.get(facet.field)
        if info is None or self.generation is None or len(self.keys) > MASK_BITS:
            return False
        summed = [self.schema.spec.fields.get(name) for name in facet.sums]
        if any(s is not None and (s.multi or s.type not in NUMERIC) for s in summed):
            return False
        if info.multi:
            return facet.kind == "terms"
        if facet.kind == "range":
            bounds = [b for r in facet.ranges for b in (r.gte, r.lt) if b is not None]
            return info.type in NUMERIC and all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds)
        return True

    def prepare(self, facets: list[FacetSpec]) -> list[FacetSpec]:
        """The facets the columns will count, their columns read now if need be (in this
        search's snapshot); the others are the caller's to count in SQL."""
        taken = []
        for facet in facets:
            if not self.takes(facet):
                continue
            kind = "number" if facet.kind == "range" else ("year" if facet.kind == "year" else "terms")
            wanted = [(facet.field, kind)] + [(name, "number") for name in facet.sums if name in self.schema.spec.fields]
            for field, k in wanted:
                if (field, k) not in self.columns:
                    col = self._column(field, k)
                    if col is None:
                        break
                    self.columns[(field, k)] = col
            else:
                taken.append(facet)
        return taken

    def count(self, from_sql: C.Sql, base: list[C.Sql], facets: list[FacetSpec]) -> dict[str, Buckets]:
        """Buckets per facet key for ``facets`` (prepared): one read of the matching rowids and
        their selection masks, as one string (a row at a time to Python costs more than the count)."""
        sql = C.select(f"group_concat((d.rowid << {MASK_BITS}) | {self.mask.text})", from_sql, base)
        packed = self.conn.execute(sql.text, self.mask.params + sql.params).fetchone()[0]
        found = parse_ids(packed) if packed else np.zeros(0, np.int64)
        rids, masks = found >> MASK_BITS, found & ((1 << MASK_BITS) - 1)
        out: dict[str, Buckets] = {}
        for facet in facets:
            own = self.keys.index(facet.key) if facet.key in self.keys else None
            need = self.everything & ~(1 << own) if own is not None else self.everything
            docs = rids[(masks & need) == need]
            out[facet.key] = self.buckets(facet, docs)
        return out

    def buckets(self, facet: FacetSpec, docs: np.ndarray) -> Buckets:
        """``facet``'s buckets over the documents ``docs`` (rowids), from its prepared columns."""
        columns = self.columns
        info = self.schema.spec.fields[facet.field]
        sums = [(name, columns[(name, "number")]) for name in facet.sums if name in self.schema.spec.fields]
        if facet.kind == "range":
            col = columns[(facet.field, "number")]
            values = col.numbers[docs]
            out = []
            for r in facet.ranges:
                inside = ~np.isnan(values)
                if r.gte is not None:
                    inside &= values >= r.gte
                if r.lt is not None:
                    inside &= values < r.lt
                picked = docs[inside]
                out.append((r.key, int(inside.sum()), {name: float(np.nansum(s.numbers[picked])) for name, s in sums}))
            return out
        col = columns[(facet.field, "year" if facet.kind == "year" else "terms")]
        if info.multi:
            member = np.zeros(col.size, dtype=bool)
            member[docs] = True
            entries = member[col.docs]
            codes, owners = col.codes[entries], col.docs[entries]
        else:
            codes = col.codes[docs]
            present = codes >= 0
            codes, owners = codes[present], docs[present]
        n = np.bincount(codes, minlength=len(col.keys))
        totals = {name: np.bincount(codes, weights=np.nan_to_num(s.numbers[owners]), minlength=len(col.keys)) for name, s in sums}
        convert = (lambda k: k) if facet.kind == "year" else (lambda k: from_column(info, k))
        return [(convert(col.keys[code]), int(n[code]), {name: float(t[code]) for name, t in totals.items()})
                for code in np.flatnonzero(n)]
