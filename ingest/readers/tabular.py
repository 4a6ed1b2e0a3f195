"""Spreadsheets: CSV/TSV (any of , ; tab; also PostgreSQL COPY text) and XLSX.

Both readers find the header row (the first of the first 10 non-empty rows that names at least
two known columns, so title lines above the table are fine), map it with :mod:`ingest.columns`,
skip fully empty rows and a second header row repeating the field names (our XLSX template has
one), and yield one :class:`RawRecord` per data row with the row number a person sees in Excel
(``Location.line``; for CSV the records are counted, so a quoted cell with line breaks does not
shift the rows below it — without such cells this is the line number in an editor too).

``read(path, *, record_type=None, display_name=None, defaults=None)``:

* ``record_type``: the type the caller expects; ``None`` detects it from the header row (the type
  whose required columns are present; ambiguous or unknown headers refuse the file). An XLSX
  workbook is detected sheet by sheet, so one workbook may hold achievements and patents.
* ``defaults``: values for fields the file lacks, keyed by field path or any accepted header,
  e.g. ``{"institution": "Pacific Northwest National Laboratory"}`` for an instrument list that
  has no 所在单位 column. A default counts as the column being present (required columns) and
  fills the field wherever the column is missing or the cell is empty.
* CSV only, ``copy_format``: ``True``/``False`` forces or forbids the PostgreSQL COPY text format
  (tab-separated, no quoting, ``\\N`` = NULL, backslash escapes); ``None`` detects it (a tab file
  with a ``\\N`` field).

Unknown columns are ignored and reported once per file (once per sheet for XLSX), never as a
problem of a record (the pipeline rejects every record that has problems):

* ``reader.notes``: a list of ``("_columns", "未识别的列已忽略：… / unrecognised columns ignored: …")``
  file-level notes, reset by each ``read()`` and filled as soon as the header row is mapped (so
  it is complete once the first record has come out, or once the file is read). The pipeline
  can put them in the job's message: ``"; ".join(m for _, m in getattr(reader, "notes", []))``.
* more data rows than TT_INGEST_MAX_ROWS (all sheets together) refuse the file
  (``too_many_rows``): a CSV before its first record (the rows are counted when its line breaks
  allow more), an XLSX before streaming when its sheets' dimensions say so, else as soon as the
  limit is passed (empty rows count too: a junk sheet never streams to its end).
* the import template's example row, where an older template still has it on the data sheet
  and it was left unchanged, is no record: it is left out, and ``reader.notes`` says which row
  (``ingest.template_example``: only a row that means exactly the example, so a row someone
  typed, even one copied from the example with one value changed, is always read).
* ``read(..., note_on_first_record=True)`` instead puts the column note on the first record's
  ``problems`` (field ``"_columns"``; :func:`ingest.columns.split_notes` separates it from real
  problems) for callers that only see records.
* ``inspect(path, ...)`` returns the :class:`~ingest.columns.HeaderMap` of each table without
  reading the rows: mapped columns, ``unknown``, ``duplicates``, and in ``source`` the encoding
  and delimiter found.
"""
from __future__ import annotations

import csv
import io
import itertools
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .. import columns as cols
from ..safety import RowBudget, check_lines, check_size, check_zip, detect_encoding, refuse_binary
from ..template_example import is_template_example, might_be_template_example
from .base import FileRefused, Location, RawRecord

TEXT_SUFFIXES = (".csv", ".tsv", ".tab", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
HEADER_SCAN_ROWS = 10  # the header row is among the first 10 non-empty rows
HEADER_SCAN_PHYSICAL = 200  # ... and within the first 200 rows of a sheet
SAMPLE_CHARS = 256 * 1024
DELIMITERS = (",", "\t", ";")
GUIDE_SHEETS = frozenset({"说明guide", "说明", "填写说明", "guide", "readme", "instructions", "使用说明"})

Rows = Iterator[tuple[int, Sequence[Any]]]


# -- shared ------------------------------------------------------------------------------------

def _nonempty(rows: Iterable[tuple[int, Sequence[Any]]]) -> Iterator[tuple[int, Sequence[Any]]]:
    return ((n, cells) for n, cells in rows if not cols.is_empty_row(cells))


def _refuse_no_header(record_type: str | None, where: str = "") -> FileRefused:
    if record_type:
        cs = cols.column_set(record_type)
        return cols.missing_message(cs, list(cs.required), where)
    wzh, wen = (f"（{where}）", f" ({where})") if where else ("", "")
    return FileRefused("unknown_record_type", f"找不到表头行{wzh}，请使用模板表头", f"no header row found{wen}; use the template headers")


def _locate_header(rows: Rows, record_type: str | None, defaults: Mapping[str, Any] | None, where: str = "") -> tuple[cols.HeaderMap, Rows]:
    """Find and map the header row; the rows after it stay in the returned iterator."""
    buffered: list[tuple[int, Sequence[Any]]] = []
    for n, cells in rows:
        if cols.is_empty_row(cells):
            continue
        buffered.append((n, cells))
        if len(buffered) >= HEADER_SCAN_ROWS:
            break
    pos = cols.find_header_row(buffered, record_type)
    if pos is None:
        raise _refuse_no_header(record_type, where)
    line, header = buffered[pos]
    hmap = cols.map_headers(header, record_type, defaults, where=where)
    hmap.line = line
    return hmap, itertools.chain(buffered[pos + 1:], rows)


def _note(hmap: cols.HeaderMap) -> tuple[str, str] | None:
    note = hmap.note()
    if note and hmap.sheet:
        note = (note[0], f"工作表“{hmap.sheet}”：{note[1].replace(' / ', f' / sheet {hmap.sheet!r}: ', 1)}")
    return note


def _example_note(line: int, sheet: str | None) -> tuple[str, str]:
    where_zh, where_en = (f"工作表“{sheet}”第 {line} 行", f"sheet {sheet!r} row {line}") if sheet else (f"第 {line} 行", f"row {line}")
    return (cols.FILE_NOTE_FIELD, f"{where_zh}是未修改的模板示例，未导入 / {where_en} is the template's example, unchanged: not imported")


def _records(rows: Rows, hmap: cols.HeaderMap, file: str, sheet: str | None = None, strict_width: bool = False,
             note_on_first_record: bool = False, notes: list[tuple[str, str]] | None = None,
             budget: RowBudget | None = None, skip: int = 0) -> Iterator[RawRecord]:
    """Records of the rows below a header. The template's example row, unchanged, is no record:
    it is left out and said so in ``notes`` (see :mod:`ingest.template_example`). Every row,
    empty ones too, counts against ``budget`` (the file's row limit).

    The first ``skip`` records are counted but not yielded (a part of a file imported in
    parallel starts after them): a row is only converted when it might be the example."""
    note = _note(hmap) if note_on_first_record else None
    first = True
    check_alias = True
    for line, cells in rows:
        if budget is not None:
            budget.take()
        if cols.is_empty_row(cells):
            continue
        if check_alias:
            check_alias = False
            if hmap.is_alias_row(cells):
                continue
        if skip and not might_be_template_example(hmap.record_type, cells):
            skip, first = skip - 1, False
            continue
        data, problems = hmap.convert(cells)
        if not problems and is_template_example(hmap.record_type, data, hmap.label(data)):
            if notes is not None:
                notes.append(_example_note(line, sheet))
            continue
        if skip:
            skip, first = skip - 1, False
            continue
        if strict_width and len(cells) > hmap.width and not cols.is_empty_row(cells[hmap.width:]):
            problems.append((cols.ROW_FIELD, f"本行单元格比表头多 {len(cells) - hmap.width} 个（分隔符或引号可能有误） / "
                                             f"the row has {len(cells) - hmap.width} more cells than the header (a stray delimiter or quote?)"))
        if first:
            first = False
            if note:
                problems.insert(0, note)
        yield RawRecord(Location(file, line=line, sheet=sheet), hmap.record_type, data, problems, hmap.label(data))


# -- CSV / TSV ---------------------------------------------------------------------------------

_COPY_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))", re.S)
_COPY_CHARS = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def copy_unescape(value: str) -> str | None:
    """One field of PostgreSQL COPY text: ``\\N`` is NULL; ``\\t \\n \\\\`` (and octal/hex) unescaped."""
    if value == "\\N":
        return None
    if "\\" not in value:
        return value

    def sub(m: re.Match) -> str:
        if m.group(1):
            return chr(int(m.group(1), 8))
        if m.group(2):
            return chr(int(m.group(2), 16))
        return _COPY_CHARS.get(m.group(3), m.group(3))

    return _COPY_ESCAPE.sub(sub, value)


def _csv_rows(fh: io.TextIOBase, delimiter: str) -> Rows:
    """(row number as Excel shows it, cells): CSV records are counted, so a quoted cell with line
    breaks does not shift the numbers of the rows below it (a blank line is an empty row)."""
    reader = csv.reader(fh, delimiter=delimiter)
    n = 0
    try:
        for n, row in enumerate(reader, 1):
            yield n, row
    except csv.Error as exc:
        line = reader.line_num
        raise FileRefused("malformed_csv", f"第 {line} 行附近CSV格式错误：{exc}", f"malformed CSV near line {line}: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise FileRefused("bad_encoding", f"第 {n + 1} 行附近编码错误（文件混用了多种编码？）",
                          f"undecodable bytes near row {n + 1} (mixed encodings?)") from exc


def _copy_rows(fh: io.TextIOBase) -> Rows:
    n = 0
    try:
        for n, line in enumerate(fh, 1):
            line = line.rstrip("\r\n")
            if line == "\\.":  # end-of-data marker
                return
            yield n, [copy_unescape(f) for f in line.split("\t")]
    except UnicodeDecodeError as exc:
        raise FileRefused("bad_encoding", f"第 {n + 1} 行附近编码错误", f"undecodable bytes near line {n + 1}") from exc


def _sample_rows(sample: str, delimiter: str) -> list[list[str]]:
    try:
        reader = csv.reader(io.StringIO(sample), delimiter=delimiter)
        return [r for r in itertools.islice(reader, 200) if not cols.is_empty_row(r)][:HEADER_SCAN_ROWS]
    except csv.Error:
        return []


def choose_delimiter(sample: str, suffix: str = "", record_type: str | None = None) -> str:
    """The delimiter under which the first rows name the most known columns; csv.Sniffer
    decides when no delimiter finds any (the file will then be refused for its headers)."""
    order = ("\t", ",", ";") if suffix in (".tsv", ".tab") else DELIMITERS
    best, best_score = None, 0
    for d in order:
        score = max((cols.header_score(r, record_type) for r in _sample_rows(sample, d)), default=0)
        if score > best_score:
            best, best_score = d, score
    if best:
        return best
    try:
        return csv.Sniffer().sniff(sample[:65536], delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        return order[0]


def looks_like_copy_text(sample: str) -> bool:
    return any(f == "\\N" for line in sample.splitlines()[:500] for f in line.split("\t"))


class CsvReader:
    """CSV and TSV; encoding detected (UTF-8, UTF-8 BOM, GBK/GB18030, UTF-16 BOM)."""

    name = "csv"
    # read(skip=N) passes over N records without converting them: a large file's parts
    # (ingest/parts.py) start where they begin at the cost of parsing the rows before them
    splittable = True

    def sniff(self, path: Path, head: bytes) -> bool:
        return Path(path).suffix.lower() in TEXT_SUFFIXES

    def _prepare(self, path: Path, record_type: str | None, copy_format: bool | None) -> tuple[dict[str, Any], int]:
        """(encoding, delimiter and format; an upper bound on the rows)."""
        check_size(path)
        with open(path, "rb") as fh:
            head = fh.read(8192)
        refuse_binary(head, "CSV")
        most_rows = check_lines(path) + 1
        encoding = detect_encoding(path)
        try:
            with open(path, encoding=encoding, errors="replace", newline="") as fh:
                sample = fh.read(SAMPLE_CHARS)
        except LookupError as exc:  # an encoding name Python does not know
            raise FileRefused("unknown_encoding", "无法识别文件编码", "cannot tell the file's encoding") from exc
        delimiter = choose_delimiter(sample, path.suffix.lower(), record_type)
        if copy_format is None:
            copy_format = delimiter == "\t" and looks_like_copy_text(sample)
        if copy_format:
            delimiter = "\t"
        return {"encoding": encoding, "delimiter": delimiter, "format": "postgres-copy" if copy_format else "csv"}, most_rows

    @staticmethod
    def _rows(fh: io.TextIOBase, source: dict[str, Any]) -> Rows:
        return _copy_rows(fh) if source["format"] == "postgres-copy" else _csv_rows(fh, source["delimiter"])

    def _check_rows(self, path: Path, source: dict[str, Any], most_rows: int, hmap: cols.HeaderMap, budget: RowBudget) -> None:
        """Refuse a file with more data rows than the limit before any record is read. Counting
        the rows costs a pass over the file, so it is done only when the line breaks allow more."""
        header = hmap.line or 1
        if most_rows - header <= budget.limit:
            return
        with open(path, encoding=source["encoding"], newline="") as fh:
            rows = sum(1 for _ in self._rows(fh, source))
        budget.check(rows - header, f"{rows - header:,} 行 / {rows - header:,} rows")

    def _table(self, fh: io.TextIOBase, source: dict[str, Any], record_type: str | None, defaults: Mapping[str, Any] | None) -> tuple[cols.HeaderMap, Rows]:
        hmap, rest = _locate_header(self._rows(fh, source), record_type, defaults)
        hmap.source = dict(source)
        return hmap, rest

    def __init__(self) -> None:
        self.notes: list[tuple[str, str]] = []

    def read(self, path: Path, *, record_type: str | None = None, display_name: str | None = None,
             defaults: Mapping[str, Any] | None = None, copy_format: bool | None = None,
             note_on_first_record: bool = False, skip: int = 0) -> Iterator[RawRecord]:
        """``skip``: records to pass over first, counted but not converted (see ``splittable``)."""
        self.notes = []
        path = Path(path)
        source, most_rows = self._prepare(path, record_type, copy_format)
        budget = RowBudget()
        with open(path, encoding=source["encoding"], newline="") as fh:
            hmap, rows = self._table(fh, source, record_type, defaults)
            self._check_rows(path, source, most_rows, hmap, budget)
            if note := _note(hmap):
                self.notes.append(note)
            yield from _records(rows, hmap, display_name or path.name, strict_width=source["format"] == "csv",
                                note_on_first_record=note_on_first_record, notes=self.notes, budget=budget, skip=skip)

    def inspect(self, path: Path, *, record_type: str | None = None, defaults: Mapping[str, Any] | None = None,
                copy_format: bool | None = None) -> list[cols.HeaderMap]:
        """The header mapping (unknown columns, encoding, delimiter) without reading the rows."""
        path = Path(path)
        source, _ = self._prepare(path, record_type, copy_format)
        with open(path, encoding=source["encoding"], newline="") as fh:
            return [self._table(fh, source, record_type, defaults)[0]]


# -- XLSX --------------------------------------------------------------------------------------

def _bad_xlsx(exc: BaseException) -> FileRefused:
    if isinstance(exc, zipfile.BadZipFile):  # e.g. a member holding more than the directory declares
        return FileRefused("bad_zip", "文件已损坏：压缩包内容与目录不符", f"the file is damaged: the archive's contents do not match its directory ({exc})")
    return FileRefused("bad_xlsx", f"无法读取XLSX文件：{type(exc).__name__}", f"cannot read the XLSX file: {type(exc).__name__}: {exc}")


def _sheet_rows(ws) -> Rows:
    return ((n, list(cells)) for n, cells in enumerate(ws.iter_rows(values_only=True), 1))


def _other_type(header: Sequence[Any], record_type: str | None, defaults: Mapping[str, Any] | None) -> bool:
    if record_type is None:
        return False
    try:
        return cols.detect_record_type(header, defaults) != record_type
    except FileRefused:
        return False


class XlsxReader:
    """Excel 2007+ workbooks, read streaming (openpyxl read-only) with cached formula values.

    Every visible sheet whose header row names at least two known columns is read (else the
    first sheet naming one); sheets named like our template's guide (说明 Guide) are skipped."""

    name = "xlsx"

    def sniff(self, path: Path, head: bytes) -> bool:
        suffix = Path(path).suffix.lower()
        return suffix in XLSX_SUFFIXES or (suffix == "" and head.startswith(b"PK\x03\x04"))

    @contextmanager
    def _workbook(self, path: Path) -> Iterator[Any]:
        """The workbook, opened read-only once the file passed the archive checks. openpyxl reads
        from a file we opened, so whatever it raises (a damaged part, a member whose CRC fails)
        the file is closed here, as it is once the caller is done."""
        check_size(path)
        with open(path, "rb") as fh:
            head = fh.read(8192)
        if not head.startswith(b"PK\x03\x04"):
            # a PDF, a legacy .xls...: say what it is (refuse_binary's NUL check would refuse
            # every genuine XLSX too, so it only runs on files that are not ZIP archives)
            refuse_binary(head, "XLSX")
            raise FileRefused("unsupported_type", "文件不是XLSX格式（请另存为 .xlsx 或 CSV）", "the file is not an XLSX workbook (save it as .xlsx or CSV)")
        check_zip(path)
        import openpyxl

        with open(path, "rb") as fh:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it drops
                    wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
            except FileRefused:
                raise
            except Exception as exc:  # openpyxl raises many kinds for damaged files
                raise _bad_xlsx(exc) from exc
            try:
                yield wb
            finally:
                wb.close()

    def _headers(self, wb, record_type: str | None) -> list[tuple[Any, int, Sequence[Any], int]]:
        """(sheet, header line, header cells, score) of every visible data sheet with a header row."""
        found = []
        self._declared = {}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for ws in wb.worksheets:
                    if getattr(ws, "sheet_state", "visible") != "visible" or cols.parse_header(ws.title).full in GUIDE_SHEETS:
                        continue
                    self._declared[str(ws.title)] = getattr(ws, "max_row", None)  # the sheet's <dimension>, if any
                    if hasattr(ws, "reset_dimensions"):
                        ws.reset_dimensions()  # some writers store wrong dimensions
                    rows = list(_nonempty(itertools.islice(_sheet_rows(ws), HEADER_SCAN_PHYSICAL)))[:HEADER_SCAN_ROWS]
                    pos = cols.find_header_row(rows, record_type)
                    if pos is not None:
                        line, header = rows[pos]
                        found.append((ws, line, header, cols.header_score(header, record_type)))
        except Exception as exc:  # a damaged sheet part
            raise _bad_xlsx(exc) from exc
        return found

    def _plan(self, wb, record_type: str | None, defaults: Mapping[str, Any] | None) -> list[tuple[Any, cols.HeaderMap]]:
        found = self._headers(wb, record_type)
        chosen = [f for f in found if f[3] >= 2] or found[:1]  # every sheet naming two known columns, else the first naming one
        plans: list[tuple[Any, cols.HeaderMap]] = []
        for ws, line, header, _ in chosen:
            try:
                hmap = cols.map_headers(header, record_type, defaults, where=str(ws.title))
            except FileRefused as exc:
                if len(chosen) > 1 and exc.code == "missing_columns" and _other_type(header, record_type, defaults):
                    continue  # a table of another record type (achievements next to the patents asked for)
                raise
            hmap.line, hmap.sheet, hmap.source = line, str(ws.title), {"format": "xlsx"}
            plans.append((ws, hmap))
        if not plans:
            raise _refuse_no_header(record_type)
        return plans

    def __init__(self) -> None:
        self.notes: list[tuple[str, str]] = []
        self._declared: dict[str, int | None] = {}  # sheet -> last row its dimension declares

    def _check_rows(self, plans: list[tuple[Any, cols.HeaderMap]], budget: RowBudget) -> None:
        """Refuse, before streaming a row, a workbook whose sheets declare more data rows than
        the limit. A sheet without a dimension (or with a wrong one) is counted as it streams."""
        declared = {hmap.sheet: max(0, last - (hmap.line or 0)) for _, hmap in plans
                    if isinstance(last := self._declared.get(hmap.sheet or ""), int)}
        total = sum(declared.values())
        if len(declared) == 1:
            (sheet, rows), = declared.items()
            found = f"工作表“{sheet}”有 {rows:,} 行 / sheet {sheet!r} has {rows:,} rows"
        else:
            found = f"各工作表共 {total:,} 行 / {total:,} rows in all sheets"
        budget.check(total, found)

    def read(self, path: Path, *, record_type: str | None = None, display_name: str | None = None,
             defaults: Mapping[str, Any] | None = None, note_on_first_record: bool = False) -> Iterator[RawRecord]:
        self.notes = []
        path = Path(path)
        file = display_name or path.name
        budget = RowBudget()
        with self._workbook(path) as wb:
            plans = self._plan(wb, record_type, defaults)
            self._check_rows(plans, budget)
            self.notes.extend(note for _, hmap in plans if (note := _note(hmap)))
            for ws, hmap in plans:
                rows = ((n, cells) for n, cells in _sheet_rows(ws) if n > (hmap.line or 0))
                records = _records(rows, hmap, file, sheet=hmap.sheet, note_on_first_record=note_on_first_record, notes=self.notes,
                                   budget=budget)
                try:
                    while True:
                        try:
                            record = next(records)
                        except StopIteration:
                            break
                        except FileRefused:
                            raise
                        except Exception as exc:  # a damaged sheet part found midway
                            raise _bad_xlsx(exc) from exc
                        yield record
                finally:  # the sheet's open member is closed now, not when a traceback lets go of it
                    records.close()
                    rows.close()

    def inspect(self, path: Path, *, record_type: str | None = None, defaults: Mapping[str, Any] | None = None) -> list[cols.HeaderMap]:
        with self._workbook(Path(path)) as wb:
            return [hmap for _, hmap in self._plan(wb, record_type, defaults)]
