"""Searches answered from the facet columns: SQLite matches the words, numpy does the rest.

A search with words used to copy its matches to a temporary table, looking each matching
document up for its status and id, and then ran the count, the page and the facets over that
copy. For a query that matches half the index that is tens of thousands of lookups and copies
per search. Here the full-text match returns its rowids and bm25 scores as two strings, parsed
by numpy; the filters and the user's selections are evaluated over the columns held in memory
(:class:`.facets.FacetColumns`); the count is a sum, each facet one ``bincount``, and the page
an ``argpartition`` and a ``lexsort`` (by score or any field, then by id, whose order is a
column too). Only the page's documents are then looked up.

It answers searches with words, listings with selections and searches that only exclude words,
when the columns can evaluate every filter, selection, facet and sum (terms, ranges and
existence over keyword, number, date and boolean fields, single or multi-valued, combined with
and/or/not). Anything else, a cursor, or a column that is not current (writes coming fast) and
the search runs in SQL as before; the conformance suite runs both ways.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..catalog import FieldInfo
from ..errors import IndexMissing, QueryError
from ..query import AllOf, AnyOf, Exists, FacetSpec, Filter, NoneOf, Range, Sort, Term, Terms
from .compiler import Match, score_sql
from .facets import NUMERIC, Buckets, Column, ColumnCount, FacetColumns, parse_ids
from .schema import SqliteIndexSchema, TableSet, from_column, ident, to_column

SCORE_INFO = FieldInfo("_score", "double", False, "_score")

Mask = Callable[[np.ndarray], np.ndarray]  # rowids -> which of them pass


class Unsupported(Exception):
    """A filter or facet the columns cannot evaluate: the search runs in SQL."""


@dataclass
class ColumnAnswer:
    """One index's share of a search: what the count, the facets and the sums add, and its
    first documents in the search's order (rowid, id, score, sort values), enough for the page."""

    total: int
    top: list[tuple[int, str, float | None, list[Any]]]
    facets: dict[str, Buckets]
    sums: dict[str, float]


class ColumnSearch:
    def __init__(self, store: FacetColumns, conn: sqlite3.Connection, schema: SqliteIndexSchema, t: TableSet,
                 generation: int | None):
        self.store, self.conn, self.schema, self.t, self.generation = store, conn, schema, t, generation
        self.sizes: list[int] = []  # of the columns read: every rowid of this generation is below them

    def _column(self, field: str, kind: str) -> Column:
        col = self.store.column(self.conn, self.schema, self.t, self.generation, field, kind)
        if col is None:
            raise Unsupported(f"the column of {field} is not current")
        self.sizes.append(col.size)
        return col

    # -- filters as masks ---------------------------------------------------------------------
    def mask(self, f: Filter) -> Mask:
        """``f`` as a function of rowids, with the semantics of :func:`.compiler.filter_sql`."""
        if isinstance(f, (AllOf, AnyOf, NoneOf)):
            parts = [self.mask(c) for c in f.filters]
            if isinstance(f, AllOf):
                return lambda docs: np.logical_and.reduce([p(docs) for p in parts]) if parts else np.ones(len(docs), bool)
            either = (lambda docs: np.logical_or.reduce([p(docs) for p in parts])) if parts else (lambda docs: np.zeros(len(docs), bool))
            return either if isinstance(f, AnyOf) else (lambda docs: ~either(docs))
        info = self.schema.spec.fields.get(f.field)
        if info is None:
            return lambda docs: np.zeros(len(docs), bool)  # no such field here: nothing matches (as in SQL and ES)
        if not info.is_scalar:
            raise Unsupported(f"{f.field} is not a column")
        if isinstance(f, Range) and all(getattr(f, op) is None for op in ("gte", "gt", "lte", "lt")):
            f = Exists(f.field)
        numeric = info.type in NUMERIC and not info.multi
        if isinstance(f, Exists):
            if numeric:
                numbers = self._column(f.field, "number").numbers
                return lambda docs: ~np.isnan(numbers[docs])
            return self._by_code(self._column(f.field, "terms"), lambda key: True)
        if isinstance(f, (Term, Terms)):
            wanted = [to_column(info, v) for v in ((f.value,) if isinstance(f, Term) else f.values)]
            if numeric:
                numbers = self._column(f.field, "number").numbers
                values = np.array(wanted, dtype=np.float64)
                return lambda docs: np.isin(numbers[docs], values)
            chosen = set(wanted)
            return self._by_code(self._column(f.field, "terms"), lambda key: key in chosen)
        if isinstance(f, Range):
            bounds = [(op, to_column(info, getattr(f, op), round_up=op in ("lte", "gt")))
                      for op in ("gte", "gt", "lte", "lt") if getattr(f, op) is not None]
            if numeric:
                numbers = self._column(f.field, "number").numbers

                def inside(docs: np.ndarray) -> np.ndarray:
                    values = numbers[docs]
                    ok = ~np.isnan(values)
                    for op, b in bounds:
                        ok &= {"gte": values >= b, "gt": values > b, "lte": values <= b, "lt": values < b}[op]
                    return ok
                return inside
            return self._by_code(self._column(f.field, "terms"), lambda key: all(_compare(key, op, b) for op, b in bounds))
        raise Unsupported(f"unknown filter {type(f).__name__}")

    @staticmethod
    def _by_code(col: Column, accept: Callable[[Any], bool]) -> Mask:
        """A condition on a field's values, decided once per distinct value (its code)."""
        ok = np.array([bool(accept(k)) for k in col.keys] + [False], dtype=bool)  # the last: no value (-1)
        if col.docs is None:
            codes = col.codes
            return lambda docs: ok[codes[docs]]
        member = np.zeros(col.size, dtype=bool)
        member[col.docs[ok[col.codes]]] = True  # a list passes when any of its values does
        return lambda docs: member[docs]

    # -- one search over one index ------------------------------------------------------------
    def run(self, match: Match, weights: str, filters: list[Filter], selections: dict[str, Filter],
            facets: tuple[FacetSpec, ...], sums: tuple[str, ...], sorts: list[Sort], keep: int) -> ColumnAnswer:
        """The count, facets and sums of the documents matching ``match`` that pass ``filters``
        and ``selections``, and the first ``keep`` of them in the order of ``sorts`` (then id)."""
        base = [self.mask(f) for f in filters]
        chosen = {k: self.mask(f) for k, f in selections.items()}
        counter = ColumnCount(self.store, self.conn, self.schema, self.t, self.generation, {})
        present = [f for f in facets if f.field in self.schema.spec.fields]
        if any(not counter.takes(f) for f in present) or len(counter.prepare(present)) != len(present):
            raise Unsupported("a facet the columns do not count")
        summed = [name for name in sums if name in self.schema.spec.fields]
        for name in summed:
            info = self.schema.spec.fields[name]
            if info.multi or info.type not in NUMERIC:
                raise Unsupported(f"{name} cannot be summed from a column")
        number_of = {name: self._column(name, "number") for name in summed}
        documents = self._column("", "ids")
        self.sizes += [col.size for col in counter.columns.values()]

        scores: np.ndarray | None = None
        if match.kind == "fts":
            rids, scores = self._matches(match, weights)
        elif match.kind == "all":
            rids = documents.rowids
        elif match.kind == "not_fts":
            rids = np.setdiff1d(documents.rowids, self._matches(match, None)[0], assume_unique=True)
        else:
            raise Unsupported(f"a match of kind {match.kind}")
        if len(rids) and rids.max() >= min(self.sizes):
            raise Unsupported("a match the columns do not hold")  # not at this generation: cannot happen, but never index past them
        ok = np.ones(len(rids), dtype=bool)
        for m in base:
            ok &= m(rids)
        rids = rids[ok]
        scores = scores[ok] if scores is not None else None
        passes = {k: m(rids) for k, m in chosen.items()}
        every = np.logical_and.reduce(list(passes.values())) if passes else np.ones(len(rids), dtype=bool)

        out_facets: dict[str, Buckets] = {}
        for facet in present:
            others = [v for k, v in passes.items() if k != facet.key]
            docs = rids[np.logical_and.reduce(others)] if others else rids
            out_facets[facet.key] = counter.buckets(facet, docs)
        hits = rids[every]
        hit_scores = scores[every] if scores is not None else None
        totals = {name: float(np.nansum(col.numbers[hits])) for name, col in number_of.items()}
        return ColumnAnswer(int(len(hits)), self._first(hits, hit_scores, sorts, documents.ranks, keep), out_facets, totals)

    def _matches(self, match: Match, weights: str | None) -> tuple[np.ndarray, np.ndarray]:
        """Every match's rowid and (with ``weights``) score, as two strings parsed in C (a row
        at a time to Python costs more than the match). ``%!.17g`` writes a double that reads
        back exactly."""
        fts = self.t.fts
        score, params = score_sql(fts, weights, match) if weights is not None else ("0", [])
        score = f"printf('%!.17g', {score})" if weights is not None else score
        # LIMIT -1 keeps SQLite from folding the match into the aggregate, where bm25() cannot run
        sql = f"SELECT group_concat(r), group_concat(s) FROM (SELECT rowid AS r, {score} AS s FROM {fts} WHERE {fts} MATCH ? LIMIT -1)"
        try:
            rowids, scores = self.conn.execute(sql, (*params, match.expr)).fetchone()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                raise IndexMissing(str(exc)) from exc
            raise QueryError(f"查询无法解析 / the query could not be parsed: {exc}", code="invalid_query") from exc
        if not rowids:
            return np.zeros(0, np.int64), np.zeros(0, np.float64)
        return parse_ids(rowids), np.fromstring(scores, dtype=np.float64, sep=",")

    def _sort_key(self, s: Sort, hits: np.ndarray, scores: np.ndarray | None) -> np.ndarray:
        """One sort as floats, ascending, missing values last (as the SQL path and Elasticsearch)."""
        if s.field == "_score":
            if scores is None:
                return np.zeros(len(hits))  # no words, no score: SQL sorts by NULL
            return -scores if s.desc else scores.copy()
        info = self.schema.spec.fields.get(s.field)
        if info is None or not info.is_scalar or info.multi:
            return np.zeros(len(hits))  # SQL sorts these by NULL: no order
        if info.type in NUMERIC:
            values = self._column(s.field, "number").numbers[hits]
        else:
            col = self._column(s.field, "terms")
            values = col.places()[col.codes[hits]]
        key = -values if s.desc else values
        key[np.isnan(key)] = np.inf
        return key

    def _first(self, hits: np.ndarray, scores: np.ndarray | None, sorts: list[Sort], ranks: np.ndarray,
               keep: int) -> list[tuple[int, str, float | None, list[Any]]]:
        """The first ``keep`` documents: (rowid, id, score, sort values as the page reports them)."""
        if keep <= 0 or not len(hits):
            return []
        keys = [self._sort_key(s, hits, scores) for s in sorts] + [ranks[hits].astype(np.float64)]
        candidates = np.arange(len(hits))
        if len(hits) > keep:  # every document at least as early as the keep-th by the first sort
            threshold = np.partition(keys[0], keep - 1)[keep - 1]
            candidates = np.flatnonzero(keys[0] <= threshold)
        order = candidates[np.lexsort([k[candidates] for k in reversed(keys)])][:keep]
        columns = [self._sort_column(s) for s in sorts]
        rows = {r[0]: r[1:] for r in self.conn.execute(
            f"SELECT d.rowid, d.id{''.join(', ' + c for c in columns)} FROM json_each(?) j JOIN {self.t.docs} d ON d.rowid = j.value",
            (json.dumps(hits[order].tolist()),))}
        out = []
        for i in order:
            rowid = int(hits[i])
            doc_id, *raw = rows[rowid]
            score = float(scores[i]) if scores is not None else None
            values = [score if s.field == "_score" else from_column(self._sort_info(s), v) for s, v in zip(sorts, raw)]
            out.append((rowid, doc_id, score, values))
        return out

    def _sort_column(self, s: Sort) -> str:
        info = self.schema.spec.fields.get(s.field)
        if s.field == "_score" or info is None or not info.is_scalar or info.multi:
            return "NULL"
        return f"d.{ident(self.schema.column(s.field))}"

    def _sort_info(self, s: Sort) -> FieldInfo:
        return self.schema.spec.fields.get(s.field) or SCORE_INFO


def _compare(key: Any, op: str, bound: Any) -> bool:
    """SQLite's comparison of a stored value with a bound (both as the column stores them)."""
    try:
        return {"gte": key >= bound, "gt": key > bound, "lte": key <= bound, "lt": key < bound}[op]
    except TypeError:  # a number against text: SQLite orders every number before any text
        number_first = isinstance(key, (int, float))
        return op in ("lt", "lte") if number_first else op in ("gt", "gte")
