"""Mapping JSON -> SQLite tables. One logical index becomes:

* ``<base>_docs``: one narrow row per document (id, version) plus one typed column per
  single-valued keyword/number/date/boolean field, indexed for filters, facets and sorting;
* ``<base>_src``: the stored JSON documents, apart, so that filtering and faceting scan
  narrow rows and the large JSON is read only for the page of hits;
* ``<base>_vals``: (doc, field, value) rows for multi-valued scalar fields;
* ``<base>_fts``: an FTS5 table with one column per text field, holding the tokens produced
  by :mod:`indexer.analysis` (bigrams for Chinese, stemmed words for English);
* ``<base>_sugg``: completion inputs with a normalised prefix key and their weights;
* ``<base>_tomb``: versions of deleted documents, so a late older write cannot resurrect one;
* ``<base>_counts`` and ``<base>_counted``: facet counts kept at write time (see :mod:`.counts`).
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from ..catalog import NUMERIC_TYPES, FieldInfo, IndexSpec
from ..derived import pinyin_fields
from ..synonyms import Synonyms

FTS_TOKENIZE = "unicode61 remove_diacritics 0 categories 'L* N* Co M*' tokenchars '.''’:·,;_'"
VALUE_GAP = "\ue000"  # a private-use token between values of a list: phrases never span two values
KINDS = ("docs", "src", "vals", "fts", "sugg", "tomb", "counts", "counted")

_SQL_TYPE = {"keyword": "TEXT", "date": "TEXT", "boolean": "INTEGER"} | {t: "REAL" for t in ("float", "double", "half_float")} | {
    t: "INTEGER" for t in ("integer", "long", "short", "byte")
}


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def column_name(path: str, kind: str = "c") -> str:
    return f"{kind}_" + re.sub(r"[^A-Za-z0-9_]", "_", path.replace(".", "__"))


class ValueError_(ValueError):
    """A document value that does not fit its field type (reported per document)."""


def to_date(value: Any, *, round_up: bool = False) -> str:
    """ISO 8601 in UTC with milliseconds, the form Elasticsearch reports dates in.

    A date without a time means the start of that day, or its last millisecond when
    ``round_up`` (the rule Elasticsearch applies to ``lte``/``gt`` bounds)."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
        if round_up:
            dt = dt.replace(hour=23, minute=59, second=59, microsecond=999000)
    else:
        text = str(value).strip()
        try:
            if re.fullmatch(r"\d{4}", text):
                dt = datetime(int(text), 12, 31, 23, 59, 59, 999000) if round_up else datetime(int(text), 1, 1)
            elif re.fullmatch(r"\d{4}-\d{2}", text):
                y, m = map(int, text.split("-"))
                last_day = calendar.monthrange(y, m)[1]
                dt = datetime(y, m, last_day, 23, 59, 59, 999000) if round_up else datetime(y, m, 1)
            elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                dt = datetime.fromisoformat(text)
                if round_up:
                    dt = dt.replace(hour=23, minute=59, second=59, microsecond=999000)
            else:
                dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError_(f"failed to parse date field [{text}]") from exc
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def to_column(info: FieldInfo, value: Any, *, round_up: bool = False) -> Any:
    """Convert a document or query value to what the column stores, as ES would coerce it."""
    t = info.type
    if t == "keyword":
        if isinstance(value, (dict, list)):
            raise ValueError_(f"field [{info.path}] expects a string, got an object")
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)
    if t == "boolean":
        if isinstance(value, bool):
            return int(value)
        if value in ("true", "false"):
            return int(value == "true")
        raise ValueError_(f"field [{info.path}] expects true or false, got [{value}]")
    if t in NUMERIC_TYPES:
        if isinstance(value, bool) or isinstance(value, (dict, list)):
            raise ValueError_(f"field [{info.path}] expects a number, got [{value}]")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError_(f"failed to parse field [{info.path}] of type [{t}]: [{value}]") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError_(f"field [{info.path}] expects a finite number")
        return int(number) if _SQL_TYPE[t] == "INTEGER" else number
    if t == "date":
        return to_date(value, round_up=round_up)
    raise ValueError_(f"field [{info.path}] of type [{t}] cannot be stored as a value")


def from_column(info: FieldInfo, value: Any) -> Any:
    if value is None:
        return None
    if info.type == "boolean":
        return bool(value)
    return value


@dataclass(frozen=True)
class TableSet:
    """Table names for one copy of an index (the live one, or a copy being rebuilt)."""

    base: str

    def __getattr__(self, kind: str) -> str:
        if kind in KINDS:
            return ident(f"{self.base}_{kind}")
        raise AttributeError(kind)

    def raw(self, kind: str) -> str:
        return f"{self.base}_{kind}"


class SqliteIndexSchema:
    def __init__(self, spec: IndexSpec, prefix: str = "", synonyms: Synonyms | None = None):
        """``synonyms``: what a query word also finds (the catalog's)."""
        self.spec = spec
        self.synonyms = synonyms
        self.name = spec.name
        self.base = "s_" + re.sub(r"[^A-Za-z0-9_]", "_", prefix) + spec.name
        self.text_fields: list[FieldInfo] = spec.text_fields
        self.columns: list[FieldInfo] = [f for f in spec.scalar_fields if not f.multi]
        self.multi: list[FieldInfo] = [f for f in spec.scalar_fields if f.multi]
        self.completion = spec.completion_field
        props = spec.body["mappings"]["properties"]
        self.top_level = set(props)
        self.search_weights = spec.search_fields
        py = pinyin_fields(spec)
        # the FTS columns a Latin query word may match as pinyin (syllables, initials)
        self.pinyin_columns = (self.fts_column(py.syllables), self.fts_column(py.initials)) if py else None
        weights = {**({py.syllables: py.boost, py.initials: py.initials_boost} if py else {}), **self.search_weights}
        # bm25()'s column weights: the mapping's field boosts (pinyin's low, below any character match)
        self.bm25_weights = ", ".join(f"{weights.get(f.path, 1.0):g}" for f in self.text_fields)
        partition = spec.count_partition
        self.count_partition = partition if partition in {f.path for f in self.columns} else None

    def tables(self, suffix: str = "") -> TableSet:
        return TableSet(self.base + suffix)

    def fts_column(self, path: str) -> str:
        return column_name(path, "t")

    def column(self, path: str) -> str:
        return column_name(path, "c")

    def ddl(self, suffix: str = "", stamp: str = "") -> list[str]:
        t = self.tables(suffix)
        cols = ", ".join(f"{ident(self.column(f.path))} {_SQL_TYPE[f.type]}" for f in self.columns)
        stmts = [
            f"CREATE TABLE {t.docs} (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, version INTEGER NOT NULL"
            f"{', ' + cols if cols else ''})",
            f"CREATE TABLE {t.src} (rowid INTEGER PRIMARY KEY, source TEXT NOT NULL)",
            f"CREATE TABLE {t.vals} (doc INTEGER NOT NULL, field TEXT NOT NULL, value)",
            f"CREATE INDEX {ident(t.raw('vals') + '_fv_' + stamp)} ON {t.vals} (field, value, doc)",
            f"CREATE INDEX {ident(t.raw('vals') + '_doc_' + stamp)} ON {t.vals} (doc, field, value)",
            "CREATE VIRTUAL TABLE {} USING fts5({}, tokenize = {})".format(
                t.fts,
                ", ".join(self.fts_column(f.path) for f in self.text_fields),
                "'" + FTS_TOKENIZE.replace("'", "''") + "'",
            ),
            f"CREATE TABLE {t.sugg} (doc INTEGER NOT NULL, input TEXT NOT NULL, norm TEXT NOT NULL, weight INTEGER NOT NULL, "
            f"pinyin INTEGER NOT NULL DEFAULT 0)",  # pinyin: the row's key is the input's pinyin (dianchi for 电池)
            f"CREATE INDEX {ident(t.raw('sugg') + '_norm_' + stamp)} ON {t.sugg} (norm)",
            f"CREATE INDEX {ident(t.raw('sugg') + '_doc_' + stamp)} ON {t.sugg} (doc)",
            f"CREATE TABLE {t.tomb} (id TEXT PRIMARY KEY, version INTEGER NOT NULL)",
            *self.counts_ddl(suffix),
        ]
        for f in self.columns:
            stmts.append(f"CREATE INDEX {ident(t.raw('docs') + '_' + self.column(f.path) + '_' + stamp)} ON {t.docs} ({ident(self.column(f.path))})")
        return stmts

    def counts_ddl(self, suffix: str = "") -> list[str]:
        """The count tables (``IF NOT EXISTS``: an index made by an older version gets them)."""
        t = self.tables(suffix)
        return [
            f"CREATE TABLE IF NOT EXISTS {t.counts} (part NOT NULL, field TEXT NOT NULL, value NOT NULL, n INTEGER NOT NULL, "
            "PRIMARY KEY (part, field, value)) WITHOUT ROWID",
            f"CREATE TABLE IF NOT EXISTS {t.counted} (field TEXT PRIMARY KEY)",
        ]

    def add_columns(self, fields: list[FieldInfo], stamp: str) -> list[str]:
        """DDL for single-valued fields the live tables do not have yet."""
        t = self.tables()
        stmts = []
        for f in fields:
            col = ident(self.column(f.path))
            stmts.append(f"ALTER TABLE {t.docs} ADD COLUMN {col} {_SQL_TYPE[f.type]}")
            stmts.append(f"CREATE INDEX {ident(t.raw('docs') + '_' + self.column(f.path) + '_' + stamp)} ON {t.docs} ({col})")
        return stmts
