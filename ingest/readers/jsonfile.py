"""JSON files in the API's input shape: one object, a list of objects, or JSON Lines.

``read(path, *, record_type=None, display_name=None, defaults=None)``:

* Objects are the schema input, exactly as the API takes them. An object may carry
  ``"record_type"`` (code or label: ``"patent"``, ``"专利"``) to mix types in one file; otherwise the
  caller's ``record_type`` applies, and without either the type is told from the object's keys
  (refused if that is ambiguous).
* ``defaults``: field path (or any accepted column header) -> value, filled into each object
  where the field is missing or empty, e.g. ``{"institution": "Pacific Northwest National
  Laboratory"}``.
* Locations: JSON Lines -> ``line``; a list -> ``element="[3]"`` (0-based index) and the line
  where the element starts; a single object -> line 1 and ``element="[0]"``.
* JSON Lines (``.jsonl``/``.ndjson``, or a ``.json`` whose first line is a complete object followed
  by more) is streamed; it is checked line by line first so a syntax error refuses the file
  before any record is read. Lists and single objects are parsed whole (check_size bounds them).
* Invalid JSON -> ``FileRefused("invalid_json", ...)`` with the line and column of the error.
* More records than TT_INGEST_MAX_ROWS -> ``FileRefused("too_many_rows", ...)``, before any
  record is read (both shapes are read whole, or checked line by line, first).
"""
from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from web import vocabularies

from .. import columns as cols
from ..safety import RowBudget, check_lines, check_size, detect_encoding, refuse_binary
from .base import RECORD_TYPES, FileRefused, Location, RawRecord

JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
JSONL_SUFFIXES = (".jsonl", ".ndjson")


# Python's parser recurses once per level of nesting: a value nested some thousand levels deep
# raises RecursionError, not a syntax error. No record nests more than a few levels.
TOO_DEEP = "嵌套层数过多 / nested too deeply"


def _invalid(lineno: int, colno: int, msg: str) -> FileRefused:
    return FileRefused("invalid_json", f"JSON格式错误：第 {lineno} 行第 {colno} 列：{msg}", f"invalid JSON at line {lineno}, column {colno}: {msg}")


def _position(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


class JsonReader:
    name = "json"

    def __init__(self) -> None:
        self.notes: list[tuple[str, str]] = []  # same interface as the spreadsheet readers; JSON has none

    def sniff(self, path: Path, head: bytes) -> bool:
        if Path(path).suffix.lower() in JSON_SUFFIXES:
            return True
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        return Path(path).suffix.lower() in ("", ".txt") and start in (b"{", b"[")

    def read(self, path: Path, *, record_type: str | None = None, display_name: str | None = None,
             defaults: Mapping[str, Any] | None = None) -> Iterator[RawRecord]:
        path = Path(path)
        file = display_name or path.name
        if record_type is not None and record_type not in RECORD_TYPES:
            raise ValueError(f"unknown record type {record_type!r}")
        check_size(path)
        with open(path, "rb") as fh:
            head = fh.read(8192)
        refuse_binary(head, "JSON")
        encoding = detect_encoding(path)
        builder = _Builder(file, record_type, defaults)
        self.notes = []
        if path.suffix.lower() in JSONL_SUFFIXES or self._looks_like_lines(path, encoding):
            records = self._lines(path, encoding, builder)
        else:
            with open(path, encoding=encoding) as fh:
                text = fh.read()
            records = self._document(text, builder)
        for rec in records:
            yield rec
            self._note(builder)

    def _note(self, builder: "_Builder") -> None:
        if builder.ignored:
            names = "、".join(builder.ignored)
            self.notes = [("_columns", f"未识别的字段已忽略：{names} / unrecognised keys ignored: {', '.join(builder.ignored)}")]

    @staticmethod
    def _looks_like_lines(path: Path, encoding: str) -> bool:
        """A first line that is a whole object, followed by more content: JSON Lines."""
        with open(path, encoding=encoding) as fh:
            first = fh.readline(1024 * 1024)
            if not first.lstrip().startswith("{"):
                return False
            try:
                json.loads(first)
            except (ValueError, RecursionError):
                return False
            for line in fh:
                if line.strip():
                    return True
        return False

    def _lines(self, path: Path, encoding: str, builder: _Builder) -> Iterator[RawRecord]:
        check_lines(path)
        objects = 0
        with open(path, encoding=encoding) as fh:  # first pass: refuse a broken or oversized file before any record
            for n, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        json.loads(line.rstrip("\r\n"))
                    except json.JSONDecodeError as exc:  # one line per object: the column is the position
                        raise _invalid(n, exc.pos + 1, exc.msg) from exc
                    except RecursionError:
                        raise _invalid(n, 1, TOO_DEEP) from None
                    objects += 1
        RowBudget().check(objects, f"{objects:,} 条记录 / {objects:,} records")
        with open(path, encoding=encoding) as fh:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    yield builder.record(json.loads(line), Location(builder.file, line=n))

    def _document(self, text: str, builder: _Builder) -> Iterator[RawRecord]:
        decoder = json.JSONDecoder()
        pos = len(text) - len(text.lstrip())
        if pos >= len(text):
            raise FileRefused("empty_file", "文件为空", "the file is empty")
        if text[pos] == "[":
            items = self._array(text, pos, decoder)
            RowBudget().check(len(items), f"{len(items):,} 条记录 / {len(items):,} records")
            for index, (start, obj) in enumerate(items):
                yield builder.record(obj, Location(builder.file, line=_position(text, start)[0], element=f"[{index}]"))
            return
        if text[pos] != "{":
            line, col = _position(text, pos)
            raise _invalid(line, col, "应为对象、数组或JSON Lines / expected an object, a list or JSON Lines")
        try:
            obj, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise _invalid(exc.lineno, exc.colno, exc.msg) from exc
        except RecursionError:
            raise _invalid(*_position(text, pos), TOO_DEEP) from None
        rest = len(text) - len(text[end:].lstrip())
        if rest < len(text):
            line, col = _position(text, rest)
            raise _invalid(line, col, "Extra data")
        yield builder.record(obj, Location(builder.file, line=_position(text, pos)[0], element="[0]"))

    @staticmethod
    def _array(text: str, pos: int, decoder: json.JSONDecoder) -> list[tuple[int, Any]]:
        """Elements of a top-level list with where each starts (for line numbers)."""
        items: list[tuple[int, Any]] = []
        n = len(text)

        def skip(i: int) -> int:
            while i < n and text[i] in " \t\r\n":
                i += 1
            return i

        def fail(i: int, msg: str) -> FileRefused:
            line, col = _position(text, min(i, n))
            return _invalid(line, col, msg)

        i = skip(pos + 1)
        if i < n and text[i] == "]":
            i += 1
        else:
            while True:
                if i >= n:
                    raise fail(i, "Expecting value")
                try:
                    obj, end = decoder.raw_decode(text, i)
                except json.JSONDecodeError as exc:
                    raise _invalid(exc.lineno, exc.colno, exc.msg) from exc
                except RecursionError:
                    raise fail(i, TOO_DEEP) from None
                items.append((i, obj))
                i = skip(end)
                if i < n and text[i] == ",":
                    i = skip(i + 1)
                    continue
                if i < n and text[i] == "]":
                    i += 1
                    break
                raise fail(i, "Expecting ',' delimiter")
        i = skip(i)
        if i < n:
            raise fail(i, "Extra data")
        return items


class _Builder:
    """One JSON value -> RawRecord: record type, defaults, label."""

    def __init__(self, file: str, record_type: str | None, defaults: Mapping[str, Any] | None):
        self.file = file
        self.record_type = record_type
        self.defaults = defaults
        self.ignored: dict[str, None] = {}  # keys left out, in first-seen order
        self._resolved: dict[str, dict[str, Any]] = {}
        if record_type is not None:
            self._resolved[record_type] = cols.column_set(record_type).resolve_defaults(defaults)

    def _defaults(self, record_type: str) -> dict[str, Any]:
        if record_type not in self._resolved:
            self._resolved[record_type] = cols.column_set(record_type).resolve_defaults(self.defaults, strict=False)
        return self._resolved[record_type]

    def record(self, obj: Any, location: Location) -> RawRecord:
        problems: list[tuple[str, str]] = []
        if not isinstance(obj, dict):
            if self.record_type is None:
                raise FileRefused("invalid_json", f"{location}：应为对象", f"{location}: expected an object")
            problems.append(("_record", "应为对象 / expected an object"))
            return RawRecord(location, self.record_type, {}, problems, None)
        data = {k: v for k, v in obj.items() if k != "record_type"}
        record_type = self.record_type
        given = obj.get("record_type")
        if given not in (None, ""):
            code = vocabularies.get("record_type").resolve(given)
            if code in RECORD_TYPES:
                record_type = code
            else:
                problems.append(("record_type", f"未知的记录类型“{given}” / unknown record type {given!r}"))
        if record_type is None:
            record_type = cols.detect_record_type(list(data), self.defaults, where=str(location))
        data = self._map_keys(record_type, data)
        cols.apply_defaults(data, self._defaults(record_type))
        return RawRecord(location, record_type, data, problems, cols.record_label(record_type, data))

    def _map_keys(self, record_type: str, data: dict[str, Any]) -> dict[str, Any]:
        """Keys the schema does not know are read like spreadsheet headers (publication_number
        -> publication_no, abstract -> summary); keys nothing matches are left out and named
        once in the reader's notes, as unknown columns are. So a third-party JSON export
        imports without a conversion step, and the API's own shape passes untouched."""
        known = self._schema_fields(record_type)
        if all(k in known for k in data):
            return data
        out: dict[str, Any] = {}
        cs = cols.column_set(record_type)
        for key, value in data.items():
            if key in known:
                out.setdefault(key, value)
                continue
            match = cs.match(key)
            if match is None or "." in match.column.path or match.column.path not in known:
                self.ignored.setdefault(key, None)
                continue
            out.setdefault(match.column.path, value)
        return out

    @staticmethod
    def _schema_fields(record_type: str) -> set[str]:
        from web.schemas import SCHEMAS

        schema = SCHEMAS[record_type][0]
        return {name for name, f in schema._declared_fields.items() if not f.dump_only} | set(schema.SYSTEM_FIELDS)
