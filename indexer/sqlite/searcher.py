"""Reads from the embedded engine: search with facets, sums, sorting, cursors and highlights;
completion; "more like this"; documents by id.

A search reads from one snapshot. Its words are matched once per index: the matching rowids
and their scores go to a temporary table that the count, the page, the facets and the sums all
join, instead of running the full-text match once for each of them. Facet counts come from the
counts kept at write time (:mod:`.counts`) when a listing has no words and no other selection,
and are otherwise counted over the matching documents only."""
from __future__ import annotations

import functools
import json
import math
import re
import sqlite3
import time
from collections import Counter
from typing import Any

from .. import analysis
from ..base import decode_cursor, encode_cursor
from ..catalog import Catalog
from ..errors import IndexMissing, QueryError
from ..query import FacetSpec, Highlight, SearchRequest, SimilarRequest, Sort, SuggestRequest, has_text
from ..results import FacetBucket, Hit, SearchResult, Suggestion
from ..validate import check_search
from . import compiler as C
from .columnar import SCORE_INFO, ColumnAnswer, ColumnSearch, Unsupported
from .counts import CountKey, Counts
from .database import Database
from .facets import ColumnCount, FacetColumns, mask_sql
from .highlight import highlight_value
from .schema import SqliteIndexSchema, TableSet, from_column, ident
from .writer import get_path, norm_suggest

MAX_CODEPOINT = chr(0x10FFFF)
_COLUMN_REF = re.compile(r'd\.("(?:[^"]|"")+")')  # a typed column in SQL text (schema.ident quotes every name)
MATCH_TABLE = "tt_match"  # per connection (TEMP): the current index's matches for the current search
MASK_COLUMN_BITS = 62  # selections the copy's mask column holds (SQLite integers are 64-bit)


class FacetCounts:
    """Counts (and summed fields) per key, added up across the indices of one search."""

    def __init__(self) -> None:
        self.n: Counter = Counter()
        self.sums: dict[Any, Counter] = {}

    def add(self, key: Any, n: int, sums: dict[str, float]) -> None:
        self.n[key] += n
        if sums:
            bucket = self.sums.setdefault(key, Counter())
            for f, v in sums.items():
                bucket[f] += v or 0.0


class IndexSearcher:
    def __init__(self, db: Database, catalog: Catalog, schema_of, require, columns: FacetColumns | None = None):
        self.db = db
        self.catalog = catalog
        self._schema = schema_of  # index name -> SqliteIndexSchema (raises IndexMissing)
        self._require = require  # SqliteIndexSchema -> TableSet of the live copy (raises IndexMissing)
        self.columns = columns  # the faceted fields' values in memory (None: facets are counted in SQL)

    # -- search ---------------------------------------------------------------------------------
    def search(self, req: SearchRequest) -> SearchResult:
        check_search(self.catalog, req)
        started = time.perf_counter()
        wanted = self._count_keys(req)
        with self.db.snapshot():
            result = self._search(req, wanted)
        result.took_ms = (time.perf_counter() - started) * 1000
        return result

    def _count_keys(self, req: SearchRequest) -> dict[str, list[CountKey]]:
        """The kept counts this search can use, per index, registered first if need be (a write
        transaction, once per key and index); none for searches with words or other filters."""
        if has_text(req.query):
            return {}
        out: dict[str, list[CountKey]] = {}
        selections = req.facet_filter_map()
        for name in req.indices:
            schema = self._schema(name)
            counts = Counts(schema, self._require(schema))
            if counts.parts_of(req.filters) is None:
                continue
            keys = [CountKey("")] if not selections else []
            for facet in req.facets:
                key = self._facet_key(schema, facet)
                others = [k for k in selections if k != facet.key]
                if key is not None and not others and not facet.sums and counts.countable(key):
                    keys.append(key)
            if not keys:
                continue
            try:
                have = {k.name for k in counts.counted(self.db.conn)}
            except sqlite3.OperationalError:  # made by an engine version without counts
                continue
            missing = [k for k in dict.fromkeys(keys) if k.name not in have]
            if missing:
                with self.db.immediate() as conn:
                    for key in missing:
                        counts.register(conn, key)
            out[name] = keys
        return out

    @staticmethod
    def _facet_key(schema: SqliteIndexSchema, facet: FacetSpec) -> CountKey | None:
        info = schema.spec.fields.get(facet.field)
        if info is None or not info.is_scalar:
            return None
        return CountKey(facet.field, facet.kind == "year")

    def _search(self, req: SearchRequest, wanted: dict[str, list[CountKey]]) -> SearchResult:
        sorts = list(req.sort) or ([Sort.score()] if has_text(req.query) else [])
        after = decode_cursor("sqlite", req.after, len(sorts) + 1) if req.after else None
        single = len(req.indices) == 1
        size, offset = req.page.size, (0 if after else req.page.offset)
        total = 0
        rows: list[tuple[str, str, dict[str, Any], float | None, list[Any]]] = []
        facet_counts: dict[str, FacetCounts] = {f.key: FacetCounts() for f in req.facets}
        totals: Counter = Counter()
        selections = req.facet_filter_map()
        conn = self.db.conn
        for name in req.indices:
            schema = self._schema(name)
            t = self._require(schema)
            generation = self.db.generation(schema)
            match = C.compile_match(schema, req.query)
            # by the columns in memory: searches with words, and listings with selections (a plain
            # listing reads its kept counts and takes its page off the sort column's index)
            if after is None and (match.kind == "fts" or (match.kind in ("all", "not_fts") and selections)):
                answer = self._by_columns(schema, t, generation, match, req, selections, sorts, offset + size if size > 0 else 0)
                if answer is not None:
                    total += answer.total
                    top = answer.top[offset:] if single else answer.top
                    sources = self._sources(t, [rowid for rowid, *_ in top])
                    rows += [(name, doc_id, sources[rowid], score, values) for rowid, doc_id, score, values in top]
                    for key, buckets in answer.facets.items():
                        for value, n, sums in buckets:
                            facet_counts[key].add(value, n, sums)
                    for field, x in answer.sums.items():
                        totals[field] += x
                    continue
            from_sql, base = self._from(schema, t, match)
            scope = match.expr if match.kind == "fts" else ""
            plain = frozenset([schema.count_partition]) if schema.count_partition and sorts and sorts[0].field != "_score" else frozenset()
            base = base + [C.filters_sql(schema, t, list(req.filters), plain)]
            post = [C.filter_sql(schema, t, f) for f in selections.values()]
            counts = Counts(schema, t)
            kept = set()
            if name in wanted:
                have = {k.name for k in counts.counted(conn)}  # read in this snapshot: a rebuild may have reset them
                kept = {k for k in wanted[name] if k.name in have}
            parts = counts.parts_of(req.filters) if kept else None
            score = "m.score" if match.kind == "fts" else "NULL"
            counted = [f for f in req.facets if not self._served_by_kept(schema, f, kept, parts, selections)]
            flags = {k: C.filter_sql(schema, t, f) for k, f in selections.items()}
            counter = ColumnCount(self.columns, conn, schema, t, generation, flags) if self.columns is not None and counted else None
            by_columns = counter.prepare(counted) if counter is not None else []
            if counted or req.sums:
                narrow = self._narrow(schema, t, selections, counted, req.facets)
                if match.kind == "fts" or narrow:
                    # what the queries over the copy read: the conditions are settled in the copy
                    reads = [*(C.Sql(self._sort_expr(schema, s)) for s in sorts),
                             *(self._facet_sql(schema, f) for f in counted if f not in by_columns),
                             *(C.Sql(f"d.{ident(schema.column(name))}") for name in req.sums if name in schema.spec.fields)]
                    # what the copy holds, for the cache: the queries over it no longer name the conditions
                    scope = f"{scope}\n{[(c.text, c.params) for c in base + narrow + post]}"
                    masked = len(flags) <= MASK_COLUMN_BITS
                    if not masked:
                        reads += [*base, *post]
                    mask = mask_sql(list(flags.values()) if masked else [])
                    from_sql, score = self._materialize(schema, t, from_sql, base + narrow, reads, score, mask)
                    if masked:
                        # every copied document meets the base conditions; the selections it passes are its mask's bits
                        base = []
                        flags = {k: C.Sql(f"(d.mk & {1 << i}) <> 0") for i, k in enumerate(flags)}
                        post = list(flags.values())
                        if counter is not None:
                            counter.use(flags)
            if CountKey("") in kept and parts is not None:
                total += sum(n for _, n in counts.rows(conn, CountKey(""), parts))
            else:
                total += self.db.run_cached(generation, C.select("COUNT(*)", from_sql, base + post), scope)[0][0]
            if size > 0:
                rows += self._page(schema, t, name, from_sql, base + post, sorts, after, size, offset, single, score)
            for facet in req.facets:
                if self._served_by_kept(schema, facet, kept, parts, selections):
                    self._kept_facet(schema, counts, self._facet_key(schema, facet), parts, facet, facet_counts[facet.key])
            if by_columns:
                self._column_facets(counter, from_sql, base, by_columns, facet_counts, generation, scope)  # type: ignore[arg-type]
            for facet in counted:
                if facet not in by_columns:
                    conds = base + [c for k, c in flags.items() if k != facet.key]
                    self._facet(schema, t, from_sql, conds, facet, facet_counts[facet.key], generation, scope)
            if req.sums:
                self._sums(schema, from_sql, base + post, req.sums, totals, generation, scope)
        if not single:
            rows.sort(key=functools.cmp_to_key(lambda a, b: self._compare(a, b, sorts)))
            rows = rows[offset : offset + size]
        hits = [Hit(name, doc_id, score, source) for name, doc_id, source, score, _ in rows]
        if req.highlight is not None and hits:
            self._highlight(req, hits)
        facets = {f.key: self._facet_buckets(f, facet_counts[f.key]) for f in req.facets}
        next_cursor = None
        if rows and len(rows) == size:
            last = rows[-1]
            next_cursor = encode_cursor("sqlite", [*last[4], last[1]])
        sums = {f: float(totals.get(f, 0.0)) for f in req.sums}
        return SearchResult(total, hits, facets, next_cursor, 0.0, sums)

    def _by_columns(self, schema: SqliteIndexSchema, t: TableSet, generation: int | None, match: C.Match,
                    req: SearchRequest, selections: dict[str, Any], sorts: list[Sort], keep: int) -> ColumnAnswer | None:
        """One index's share of a search, answered from the columns in memory (:mod:`.columnar`),
        or None: it runs in SQL."""
        if self.columns is None or generation is None:
            return None
        # the index's tables in the key: a listing's match ("all") and filters read alike in every index
        key = ("columns", t.base, match, repr(req.filters), repr(sorted(selections.items())), repr(req.facets), req.sums,
               repr(sorts), keep)
        search = ColumnSearch(self.columns, self.db.conn, schema, t, generation)
        try:
            return self.db.cached(generation, key, lambda: search.run(match, self._weights(schema), list(req.filters),
                                                                      selections, req.facets, req.sums, sorts, keep))
        except Unsupported:
            return None

    @staticmethod
    def _weights(schema: SqliteIndexSchema) -> str:
        """bm25()'s column weights: the mapping's field boosts."""
        return schema.bm25_weights

    def _from(self, schema: SqliteIndexSchema, t: TableSet, match: C.Match) -> tuple[C.Sql, list[C.Sql]]:
        """The FROM clause of this index's queries; words are matched here, once."""
        if match.kind != "fts":
            return C.from_clause(schema, t, match)
        conn = self.db.conn
        weights = self._weights(schema)
        conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {MATCH_TABLE} (rid INTEGER PRIMARY KEY, score REAL)")
        conn.execute(f"DELETE FROM temp.{MATCH_TABLE}")
        score, params = C.score_sql(t.fts, weights, match)
        try:
            conn.execute(f"INSERT INTO temp.{MATCH_TABLE} (rid, score) SELECT rowid, {score} "
                         f"FROM {t.fts} WHERE {t.fts} MATCH ?", (*params, match.expr))
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                raise IndexMissing(str(exc)) from exc
            raise QueryError(f"查询无法解析 / the query could not be parsed: {exc}", code="invalid_query") from exc
        return C.Sql(f"FROM temp.{MATCH_TABLE} m CROSS JOIN {t.docs} d ON d.rowid = m.rid"), []

    def _served_by_kept(self, schema: SqliteIndexSchema, facet: FacetSpec, kept: set[CountKey], parts, selections) -> bool:
        key = self._facet_key(schema, facet)
        return (key is not None and key in kept and parts is not None and not facet.sums
                and not any(k != facet.key for k in selections))

    @staticmethod
    def _narrow(schema: SqliteIndexSchema, t: TableSet, selections: dict[str, Any], counted: list[FacetSpec],
                facets: tuple[FacetSpec, ...]) -> list[C.Sql]:
        """Conditions every document the counts need meets. Multi-select facets count each facet
        with every selection but its own: a document matters when at most one selection rejects
        it, and with one selection, when it accepts it unless that selection's own facet is
        counted here."""
        keys = list(selections)
        flags = [C.filter_sql(schema, t, selections[k]) for k in keys]
        if len(keys) == 1 and keys[0] not in {f.key for f in counted}:
            return [flags[0]]
        if len(keys) >= 2:
            return [C.Sql("(" + " + ".join(f"COALESCE({f.text}, 0)" for f in flags) + f") >= {len(keys) - 1}",
                          [p for f in flags for p in f.params])]
        return []

    def _materialize(self, schema: SqliteIndexSchema, t: TableSet, from_sql: C.Sql, conds: list[C.Sql],
                     reads: list[C.Sql], score: str, mask: C.Sql) -> tuple[C.Sql, str]:
        """Copy the documents the counts need (matching rows, score and the typed columns that
        ``reads`` use) to a temporary table, once: the count, the page and each facet counted in
        SQL then scan that small table in memory instead of looking every matching document up
        again. Columns nothing reads stay NULL there (copying them costs more than the lookup)."""
        conn = self.db.conn
        names = [ident(schema.column(f.path)) for f in schema.columns]
        used = set(_COLUMN_REF.findall(" ".join(r.text for r in reads)))
        copied = [n for n in names if n in used]
        table = ident(f"tt_{t.base}_{len(names)}")
        conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} (rid INTEGER PRIMARY KEY, id TEXT, score REAL, mk INTEGER"
                     f"{''.join(', ' + n for n in names)})")
        conn.execute(f"DELETE FROM temp.{table}")
        copy = C.select(", ".join(["d.rowid", "d.id", score, mask.text, *(f"d.{n}" for n in copied)]), from_sql, conds)
        conn.execute(f"INSERT INTO temp.{table} (rid, id, score, mk{''.join(', ' + n for n in copied)}) {copy.text}",
                     mask.params + copy.params)  # the mask's parameters come first in the text
        # its size, for the planner: without it SQLite guesses a large table and builds a Bloom
        # filter over a whole value table to join a few hundred documents
        conn.execute(f"ANALYZE temp.{table}")
        return C.Sql(f"FROM temp.{table} d"), "d.score"

    def _page(self, schema, t, name, from_sql, conds, sorts, after, size, offset, single, score: str) -> list:
        exprs = [self._sort_expr(schema, s, score) for s in sorts]
        if after is not None:
            conds = conds + [self._keyset(exprs, sorts, after)]
        order = ", ".join(self._order_term(e, s) for e, s in zip(exprs, sorts))
        order = f"ORDER BY {order + ', ' if order else ''}d.id ASC LIMIT ? OFFSET ?"
        limit, off = (size, offset) if single else (offset + size, 0)
        cols = f"d.id, d.rowid, {score}" + "".join(f", {e}" for e in exprs)
        page = self.db.run(C.select(cols, from_sql, conds, order, [limit, off]))
        sources = self._sources(t, [r[1] for r in page])
        return [(name, r[0], sources[r[1]], r[2], [from_column(self._sort_info(schema, s), v) for s, v in zip(sorts, r[3:])])
                for r in page]

    @staticmethod
    def _order_term(expr: str, s: Sort) -> str:
        """Missing values last, as Elasticsearch sorts them. Descending already puts NULL last
        in SQLite, and leaving the expression bare lets an index on the column give the order."""
        if s.desc:
            return f"{expr} DESC"
        return f"({expr} IS NULL), {expr} ASC"

    def _sources(self, t: TableSet, rowids: list[int]) -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        for i in range(0, len(rowids), 500):
            chunk = rowids[i : i + 500]
            rows = self.db.conn.execute(f"SELECT rowid, source FROM {t.src} WHERE rowid IN ({', '.join('?' * len(chunk))})", chunk)
            out.update((rowid, json.loads(src)) for rowid, src in rows)
        return out

    def _sort_info(self, schema: SqliteIndexSchema, s: Sort):
        if s.field == "_score":
            return SCORE_INFO
        return schema.spec.fields.get(s.field) or SCORE_INFO

    def _sort_expr(self, schema: SqliteIndexSchema, s: Sort, score: str = "m.score") -> str:
        if s.field == "_score":
            return score
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

    # -- facets and sums ----------------------------------------------------------------------------
    def _kept_facet(self, schema: SqliteIndexSchema, counts: Counts, key: CountKey, parts: list[Any],
                    facet: FacetSpec, out: FacetCounts) -> None:
        conn = self.db.conn
        if facet.kind == "range":
            for r in facet.ranges:
                out.add(r.key, counts.in_range(conn, key, parts, r.gte, r.lt), {})
            return
        info = schema.spec.fields[facet.field]
        for value, n in counts.rows(conn, key, parts):
            out.add(value if key.year else from_column(info, value), n, {})

    def _column_facets(self, counter: ColumnCount, from_sql: C.Sql, base: list[C.Sql], facets: list[FacetSpec],
                       out: dict[str, FacetCounts], generation: int | None, scope: str) -> None:
        """The facets the in-memory columns count (see :mod:`.facets`)."""
        key = ("facets", repr(facets), from_sql.text, tuple(from_sql.params), tuple((c.text, tuple(c.params)) for c in base),
               counter.mask.text, tuple(counter.mask.params))
        for name, buckets in self.db.cached(generation, (scope, *key), lambda: counter.count(from_sql, base, facets)).items():
            for value, n, sums in buckets:
                out[name].add(value, n, sums)

    @staticmethod
    def _facet_sql(schema: SqliteIndexSchema, facet: FacetSpec) -> C.Sql:
        """What counting ``facet`` in SQL reads of a document (its column and summed columns)."""
        info = schema.spec.fields.get(facet.field)
        names = [name for name in (facet.field, *facet.sums) if name in schema.spec.fields and (name != facet.field or not info.multi)]
        return C.Sql(" ".join(f"d.{ident(schema.column(name))}" for name in names))

    def _facet(self, schema, t, from_sql: C.Sql, conds: list[C.Sql], facet, counts: FacetCounts,
               generation: int | None, scope: str) -> None:
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
            row = self.db.run_cached(generation, C.Sql(sql.text, params + sql.params), scope)[0]  # CASE parameters come first in the text
            width = 1 + len(sums)
            for i, r in enumerate(facet.ranges):
                counts.add(r.key, row[i * width] or 0, {name: row[i * width + 1 + j] for j, (name, _) in enumerate(sums)})
            return
        present = conds + [C.Sql(f"{value} IS NOT NULL")]
        if info.multi and facet.kind == "year":
            # one row per (year, document) first: two dates of one year count the document once
            sum_cols = "".join(f", {col} AS s{j}" for j, (_, col) in enumerate(sums))
            inner = C.select(f"DISTINCT {value} AS k, d.rowid AS r{sum_cols}", src, present)
            totals = "".join(f", TOTAL(s{j})" for j in range(len(sums)))
            sql = C.Sql(f"SELECT k, COUNT(*){totals} FROM ({inner.text}) GROUP BY k", inner.params)
        else:  # a list's values are stored once per document (the writer drops repeats)
            sql = C.select(f"{value} AS k, COUNT(*)" + "".join(f", TOTAL({col})" for _, col in sums), src, present, "GROUP BY k")
        for key, n, *added in self.db.run_cached(generation, sql, scope):
            counts.add(from_column(info, key) if facet.kind != "year" else key, n, {name: x for (name, _), x in zip(sums, added)})

    def _sums(self, schema, from_sql: C.Sql, conds: list[C.Sql], fields: tuple[str, ...], totals: Counter,
              generation: int | None, scope: str) -> None:
        cols = [(name, f"TOTAL(d.{ident(schema.column(name))})") for name in fields if name in schema.spec.fields]
        if not cols:
            return
        row = self.db.run_cached(generation, C.select(", ".join(c for _, c in cols), from_sql, conds), scope)[0]
        for (name, _), x in zip(cols, row):
            totals[name] += x or 0.0

    @staticmethod
    def _facet_buckets(facet: FacetSpec, counts: FacetCounts) -> list[FacetBucket]:
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
        wanted = C.positive_terms(req.query, self._schema(req.indices[0]).synonyms if req.indices else None)
        if not wanted:
            return
        for hit in hits:
            spec = self.catalog.get(hit.index)
            fields = hl.fields or spec.highlight_fields
            for f in fields:
                info = spec.fields.get(f)
                if info is None or not info.is_text:
                    continue
                frags = highlight_value(get_path(hit.source, info.source_path), wanted, size=hl.fragment_size,
                                        count=hl.number_of_fragments, pre=hl.pre, post=hl.post)
                if frags:
                    hit.highlights[f] = frags

    # -- suggestions and similar records -----------------------------------------------------------
    def suggest(self, req: SuggestRequest) -> list[Suggestion]:
        text = req.text.strip()[:100]
        if not text:
            return []
        norm = norm_suggest(text)
        best: dict[str, Suggestion] = {}
        for name in req.indices:
            schema = self._schema(name)
            t = self._require(schema)
            # as Lucene's completion suggester: one input per document (its heaviest match,
            # ties to the first in order), the documents by that weight; the pinyin keys are a
            # suggester of their own (Elasticsearch asks a second completion field)
            sql = (f"SELECT input, id, weight FROM (SELECT s.input, d.id, s.weight, row_number() OVER "
                   f"(PARTITION BY s.doc, s.pinyin ORDER BY s.weight DESC, s.norm ASC) AS rank FROM {t.sugg} s "
                   f"JOIN {t.docs} d ON d.rowid = s.doc WHERE s.norm >= ? AND s.norm < ?) WHERE rank = 1 "
                   f"ORDER BY weight DESC, input ASC LIMIT ?")
            for input_, doc_id, weight in self.db.conn.execute(sql, (norm, norm + MAX_CODEPOINT, req.size * 3)).fetchall():
                current = best.get(input_)
                if current is None or weight > current.weight:
                    best[input_] = Suggestion(input_, name, doc_id, weight)
        return sorted(best.values(), key=lambda s: (-s.weight, s.text))[: req.size]

    def similar(self, req: SimilarRequest) -> SearchResult:
        started = time.perf_counter()
        schema = self._schema(req.index)
        t = self._require(schema)
        conn = self.db.conn
        row = conn.execute(f"SELECT d.rowid, s.source FROM {t.docs} d JOIN {t.src} s ON s.rowid = d.rowid WHERE d.id = ?", (req.id,)).fetchone()
        if row is None:
            return SearchResult(0, [])
        source = json.loads(row[1])
        fields = req.fields or schema.spec.similar_fields
        tf: Counter = Counter()
        for f in fields:
            info = schema.spec.fields.get(f)
            if info is None or not info.is_text:
                continue
            value = get_path(source, info.source_path)
            for v in value if isinstance(value, list) else [value]:
                if isinstance(v, str):
                    # bigrams, words and lone characters: the terms the index holds once per
                    # occurrence (a run's other characters are in it only as bigram starts)
                    tf.update(analysis.terms(v))
        if not tf:
            return SearchResult(0, [])
        n_docs = conn.execute(f"SELECT COUNT(*) FROM {t.docs}").fetchone()[0] or 1
        vocab = ident(schema.base + "_vocab")
        df: dict[str, int] = {}
        terms = list(tf)
        for i in range(0, len(terms), 500):
            chunk = terms[i : i + 500]
            for term, doc in conn.execute(f"SELECT term, doc FROM {vocab} WHERE term IN ({', '.join('?' * len(chunk))})", chunk):
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
            total += self.db.run(C.select("COUNT(*)", from_sql, conds))[0][0]
            page = self.db.run(C.select("d.id, d.rowid, m.score", from_sql, conds, "ORDER BY m.score DESC, d.id ASC LIMIT ?", [req.size]))
            sources = self._sources(ot, [r[1] for r in page])
            hits += [Hit(name, doc_id, score, sources[rowid]) for doc_id, rowid, score in page]
        hits.sort(key=lambda h: (-(h.score or 0), h.id))
        return SearchResult(total, hits[: req.size], {}, None, (time.perf_counter() - started) * 1000)

    # -- reads by id --------------------------------------------------------------------------------
    def get_document(self, index: str, id: str) -> dict[str, Any] | None:
        t = self._require(self._schema(index))
        row = self.db.conn.execute(f"SELECT s.source FROM {t.docs} d JOIN {t.src} s ON s.rowid = d.rowid WHERE d.id = ?", (id,)).fetchone()
        return json.loads(row[0]) if row else None

    def count(self, index: str) -> int:
        t = self._require(self._schema(index))
        return int(self.db.conn.execute(f"SELECT COUNT(*) FROM {t.docs}").fetchone()[0])

    def iter_versions(self, index: str):
        t = self._require(self._schema(index))
        yield from self.db.conn.execute(f"SELECT id, version FROM {t.docs} ORDER BY id").fetchall()
