"""Writes to the embedded engine: versioned upserts and deletes, a batch at a time.

Each document is turned into its rows once (``prepare``: typed columns, value rows, analysed
text, completion inputs) before any SQL runs, so a document that does not fit the mapping is
refused on its own. A batch is then written in one transaction with one ``executemany`` per
table: new documents get their rowids from the writer (it holds the write lock), updates
replace their rows. If SQLite itself refuses a row, the batch is written again one document per
savepoint, so only that document fails, as one bad item fails alone in an Elasticsearch bulk.
The facet counts kept at write time (:mod:`.counts`) change in the same transaction."""
from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .. import analysis, derived, pinyin
from ..results import BulkReport, IndexDoc, ItemError
from .counts import CountKey, Counts
from .database import Database
from .schema import VALUE_GAP, SqliteIndexSchema, TableSet, ValueError_, ident, to_column

CHUNK_SIZE = 500
LOOKUP_CHUNK = 500  # ids per IN (...) list


def get_path(source: Mapping[str, Any], path: str) -> Any:
    value: Any = source
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list):
            value = [v.get(part) for v in value if isinstance(v, Mapping)]
        else:
            return None
    return value


def norm_suggest(text: str) -> str:
    return analysis.prefix_form(text)


@dataclass
class Prepared:
    """One document's rows, before it has a rowid."""

    columns: list[Any]
    vals: list[tuple[str, Any]]
    texts: list[str]
    suggestions: list[tuple[str, str, int, int]]  # input, prefix key, weight, whether the key is its pinyin
    source: str


def prepare(schema: SqliteIndexSchema, given: Mapping[str, Any]) -> Prepared:
    """Raises ValueError_ for a document Elasticsearch would refuse under the same mapping. The
    document is stored as given; its columns also hold the fields derived from it (pinyin)."""
    unknown = set(given) - schema.top_level
    if unknown:
        raise ValueError_(f"mapping set to strict, dynamic introduction of [{sorted(unknown)[0]}] is not allowed")
    source = derived.derive(schema.spec, given, suggest=False)
    columns = []
    for info in schema.columns:
        raw = get_path(source, info.source_path)
        if isinstance(raw, list):
            if len(raw) > 1:
                raise ValueError_(f"field [{info.path}] holds one value, got a list (declare it in _meta.multi_valued)")
            raw = raw[0] if raw else None
        columns.append(None if raw is None else to_column(info, raw))
    vals: dict[tuple[str, Any], None] = {}  # each value once per document: facets count documents
    for info in schema.multi:
        raw = get_path(source, info.source_path)
        items = raw if isinstance(raw, list) else [raw]
        for v in dict.fromkeys(json.dumps(x, sort_keys=True) if isinstance(x, (dict, list)) else x for x in items):
            if v is not None:
                vals[(info.path, to_column(info, v))] = None
    texts = []
    for info in schema.text_fields:
        raw = get_path(source, info.source_path)
        items = raw if isinstance(raw, list) else [raw]
        parts = [analysis.index_text(str(v)) for v in items if v not in (None, "")]
        texts.append(f" {VALUE_GAP} ".join(p for p in parts if p))
    suggestions = []
    if schema.completion is not None:
        raw = source.get(schema.completion.path)
        for entry in raw if isinstance(raw, list) else [raw] if raw is not None else []:
            if not isinstance(entry, (str, Mapping)):
                raise ValueError_(f"field [{schema.completion.path}] expects objects with input and weight")
        with_pinyin = schema.pinyin_columns is not None
        for text, weight in derived.suggestion_inputs(source, schema.completion.path):
            suggestions.append((text, norm_suggest(text), weight, 0))
            if with_pinyin:  # its pinyin keys (dianchi, dc) offer the text itself
                suggestions += [(text, key, weight, 1) for key in pinyin.prefix_forms(text)]
    body = json.dumps(given, ensure_ascii=False, separators=(",", ":"), default=str)
    return Prepared(columns, list(vals), texts, suggestions, body)


def _chunks(items: list, size: int = LOOKUP_CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class IndexWriter:
    def __init__(self, db: Database):
        self.db = db

    # -- the batch --------------------------------------------------------------------------------
    def write(self, schema: SqliteIndexSchema, t: TableSet, documents: Iterable[IndexDoc]) -> BulkReport:
        """Batches of CHUNK_SIZE, one transaction each."""
        report = BulkReport()
        batch: list[IndexDoc] = []
        for doc in documents:
            batch.append(doc)
            if len(batch) >= CHUNK_SIZE:
                report.merge(self._flush(schema, t, batch))
                batch = []
        if batch:
            report.merge(self._flush(schema, t, batch))
        return report

    def _flush(self, schema: SqliteIndexSchema, t: TableSet, batch: list[IndexDoc]) -> BulkReport:
        report = BulkReport()
        ready: list[tuple[IndexDoc, Prepared]] = []
        for doc in batch:
            try:
                ready.append((doc, prepare(schema, doc.source)))
            except (ValueError, TypeError) as exc:
                report.errors.append(ItemError(doc.id, str(exc), 400, False))
        try:
            with self.db.immediate():
                part = self._store(schema, t, ready)
                self.db.bump(schema)
        except sqlite3.Error:
            # one document SQLite refuses failed the batch: again, each in its own savepoint
            with self.db.immediate() as conn:
                part = BulkReport()
                for item in ready:
                    conn.execute("SAVEPOINT doc")
                    try:
                        part.merge(self._store(schema, t, [item]))
                    except sqlite3.Error as exc:
                        conn.execute("ROLLBACK TO doc")
                        conn.execute("RELEASE doc")
                        part.errors.append(ItemError(item[0].id, str(exc), 400, isinstance(exc, sqlite3.OperationalError)))
                        continue
                    conn.execute("RELEASE doc")
                self.db.bump(schema)
        report.merge(part)
        return report

    def _store(self, schema: SqliteIndexSchema, t: TableSet, ready: list[tuple[IndexDoc, Prepared]]) -> BulkReport:
        """Write prepared documents in the open transaction: the last accepted write of each id
        wins, a write older than the stored version (or than its deletion) is skipped."""
        conn = self.db.conn
        report = BulkReport()
        known, tombs = self._known(t, list(dict.fromkeys(d.id for d, _ in ready)))
        final: dict[str, tuple[IndexDoc, Prepared]] = {}
        current = {doc_id: version for doc_id, (_, version) in known.items()}
        for doc, prepared in ready:
            have = current.get(doc.id)
            if (have is not None and have > doc.version) or (have is None and tombs.get(doc.id, -1) > doc.version):
                report.skipped_stale += 1
                continue
            current[doc.id] = doc.version
            final[doc.id] = (doc, prepared)
            report.indexed += 1
        if not final:
            return report
        counts = Counts(schema, t)
        keys = counts.counted(conn)
        delta: Counter = Counter()
        updated = [known[i][0] for i in final if i in known]
        if keys and updated:
            for keyed in self._old_keys(schema, t, counts, keys, updated):
                delta[keyed] -= 1
        next_rowid = (conn.execute(f"SELECT MAX(rowid) FROM {t.docs}").fetchone()[0] or 0) + 1
        names = [ident(schema.column(f.path)) for f in schema.columns]
        inserts, updates, sources_new, sources_upd = [], [], [], []
        fts_rows, val_rows, sugg_rows, untomb = [], [], [], []
        for doc_id, (doc, p) in final.items():
            row = known.get(doc_id)
            if row is None:
                rowid = next_rowid
                next_rowid += 1
                inserts.append((rowid, doc.id, doc.version, *p.columns))
                sources_new.append((rowid, p.source))
                if doc_id in tombs:
                    untomb.append((doc_id,))
            else:
                rowid = row[0]
                updates.append((doc.version, *p.columns, rowid))
                sources_upd.append((p.source, rowid))
            fts_rows.append((rowid, *p.texts))
            val_rows += [(rowid, f, v) for f, v in p.vals]
            sugg_rows += [(rowid, *s) for s in p.suggestions]
            if keys:
                for keyed in counts.keys_of(keys, p.columns, p.vals):
                    delta[keyed] += 1
        if updated:
            gone = [(r,) for r in updated]
            for table, col in ((t.fts, "rowid"), (t.vals, "doc"), (t.sugg, "doc")):
                conn.executemany(f"DELETE FROM {table} WHERE {col} = ?", gone)
            sets = ", ".join(["version = ?"] + [f"{n} = ?" for n in names])
            conn.executemany(f"UPDATE {t.docs} SET {sets} WHERE rowid = ?", updates)
            conn.executemany(f"UPDATE {t.src} SET source = ? WHERE rowid = ?", sources_upd)
        if inserts:
            marks = ", ".join("?" * (3 + len(names)))
            conn.executemany(f"INSERT INTO {t.docs} (rowid, id, version{''.join(', ' + n for n in names)}) VALUES ({marks})", inserts)
            conn.executemany(f"INSERT INTO {t.src} (rowid, source) VALUES (?, ?)", sources_new)
        if untomb:
            conn.executemany(f"DELETE FROM {t.tomb} WHERE id = ?", untomb)
        if schema.text_fields:
            cols = ", ".join(schema.fts_column(f.path) for f in schema.text_fields)
            conn.executemany(f"INSERT INTO {t.fts} (rowid, {cols}) VALUES ({', '.join('?' * (1 + len(schema.text_fields)))})", fts_rows)
        if val_rows:
            conn.executemany(f"INSERT INTO {t.vals} (doc, field, value) VALUES (?, ?, ?)", val_rows)
        if sugg_rows:
            conn.executemany(f"INSERT INTO {t.sugg} (doc, input, norm, weight, pinyin) VALUES (?, ?, ?, ?, ?)", sugg_rows)
        counts.apply(conn, delta)
        return report

    def _known(self, t: TableSet, ids: list[str]) -> tuple[dict[str, tuple[int, int]], dict[str, int]]:
        """Existing (rowid, version) and tombstone versions for a batch of ids."""
        conn = self.db.conn
        rows: dict[str, tuple[int, int]] = {}
        tombs: dict[str, int] = {}
        for chunk in _chunks(ids):
            marks = ", ".join("?" * len(chunk))
            rows.update((d, (r, v)) for d, r, v in conn.execute(f"SELECT id, rowid, version FROM {t.docs} WHERE id IN ({marks})", chunk))
            tombs.update(conn.execute(f"SELECT id, version FROM {t.tomb} WHERE id IN ({marks})", chunk))
        return rows, tombs

    def _old_keys(self, schema: SqliteIndexSchema, t: TableSet, counts: Counts, keys: list[CountKey],
                  rowids: list[int]) -> list[tuple[Any, str, Any]]:
        """The counted (partition, key, value) of stored documents, before they change."""
        conn = self.db.conn
        names = [ident(schema.column(f.path)) for f in schema.columns]
        multi = sorted({k.field for k in keys if k.field and schema.spec.fields[k.field].multi})
        out: list[tuple[Any, str, Any]] = []
        for chunk in _chunks(rowids):
            marks = ", ".join("?" * len(chunk))
            vals: dict[int, list[tuple[str, Any]]] = {}
            if multi:
                sql = (f"SELECT doc, field, value FROM {t.vals} WHERE doc IN ({marks}) "
                       f"AND field IN ({', '.join('?' * len(multi))})")
                for doc, f, v in conn.execute(sql, [*chunk, *multi]):
                    vals.setdefault(doc, []).append((f, v))
            cols = ", ".join(["rowid", *names])
            for row in conn.execute(f"SELECT {cols} FROM {t.docs} WHERE rowid IN ({marks})", chunk):
                out += counts.keys_of(keys, list(row[1:]), vals.get(row[0], []))
        return out

    # -- deletes ------------------------------------------------------------------------------------
    def delete(self, schema: SqliteIndexSchema, t: TableSet, ids: Iterable[str | tuple[str, int]]) -> BulkReport:
        """``(id, version)`` leaves a tombstone, so a late older write cannot bring it back."""
        report = BulkReport()
        with self.db.immediate() as conn:
            counts = Counts(schema, t)
            keys = counts.counted(conn)
            delta: Counter = Counter()
            for item in ids:
                doc_id, version = item if isinstance(item, tuple) else (item, None)
                row = conn.execute(f"SELECT rowid, version FROM {t.docs} WHERE id = ?", (doc_id,)).fetchone()
                if version is not None:
                    if row is not None and row[1] > version:
                        report.skipped_stale += 1
                        continue
                    conn.execute(f"INSERT INTO {t.tomb} (id, version) VALUES (?, ?) "
                                 "ON CONFLICT(id) DO UPDATE SET version = max(version, excluded.version)", (doc_id, version))
                if row is None:
                    continue
                rowid = row[0]
                if keys:
                    for keyed in self._old_keys(schema, t, counts, keys, [rowid]):
                        delta[keyed] -= 1
                for table, col in ((t.fts, "rowid"), (t.vals, "doc"), (t.sugg, "doc"), (t.src, "rowid"), (t.docs, "rowid")):
                    conn.execute(f"DELETE FROM {table} WHERE {col} = ?", (rowid,))
                report.deleted += 1
            counts.apply(conn, delta)
            self.db.bump(schema)
        return report
