"""Export a result set as CSV or XLSX: the same search as the page (visibility included), walked
with the cursor up to a limit, one row per record, labelled in the reader's language.

Nothing a reader opens in a spreadsheet can run as a formula: every text cell goes through
:func:`~.imports.spreadsheet_safe` (after control characters XML forbids and surrounding
white space are removed), and in XLSX every text cell is written with the string type."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .. import disclosure, vocabularies
from .. import search_options as opts
from .identity import Identity
from .imports import spreadsheet_safe
from .search import SearchParams, SearchService

EXPORT_LIMIT = 10_000
PAGE_SIZE = 1_000  # the engines' largest page
CHINA_TIME = timezone(timedelta(hours=8), "UTC+08:00")
XLSX_CELL_MAX = 32_767
# XML 1.0 forbids these (openpyxl refuses the C0 ones); lone surrogates cannot be encoded at all
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    """One exported column: the document field it reads and how its value is shown.

    kinds: ``text``, ``list`` (joined), ``vocab`` / ``vocab_list`` (codes to labels), ``bool``,
    ``number``, ``date``, ``trl``, ``price`` (achievements' asking price) and ``link``."""

    field: str
    zh: str
    en: str
    kind: str = "text"
    vocabulary: str | None = None
    width: int | None = None  # XLSX width in characters; None: fitted to the content

    def header(self, locale: str) -> str:
        return self.en if locale == "en" else self.zh


C = Column
LINK = C("id", "链接", "Link", "link", width=36)
COLUMNS: dict[str, tuple[Column, ...]] = {
    "achievement": (
        C("title", "成果名称", "Title", width=40),
        C("registration_no", "登记号", "Registration no."),
        C("holders", "完成单位", "Holders", "list", width=36),
        C("field", "技术领域", "Technology field", "vocab", "tech_field"),
        C("trl", "技术就绪度", "TRL", "trl", "trl", width=28),
        C("level", "成果水平", "Level", "vocab", "achievement_level"),
        C("transfer_modes", "转化方式", "Transfer modes", "vocab_list", "transfer_mode"),
        C("price_amount", "意向价格(元)", "Asking price (CNY)", "price", "price_mode"),
        C("city", "所在地市", "City", "vocab", "city"),
        C("registered_at", "登记日期", "Registration date", "date"),
        LINK,
    ),
    "patent": (
        C("title", "专利名称", "Title", width=40),
        C("application_no", "申请号", "Application no."),
        C("publication_no", "公开号", "Publication no."),
        C("kind", "专利类型", "Patent type", "vocab", "patent_kind"),
        C("legal_status", "法律状态", "Legal status", "vocab", "legal_status"),
        C("ipc_main", "主分类号", "Main IPC"),
        C("holders", "申请人", "Applicants", "list", width=36),
        C("open_licence", "开放许可", "Open licence", "bool"),
        C("licence_fee", "许可费(元)", "Licence fee (CNY)", "number"),
        C("filed_at", "申请日", "Filing date", "date"),
        LINK,
    ),
    "instrument": (
        C("title", "仪器名称", "Name", width=32),
        C("holders", "所在单位", "Institution", "list", width=36),
        C("instrument_class", "仪器分类", "Class", "vocab", "instrument_class"),
        C("model", "规格型号", "Model"),
        C("manufacturer", "生产厂商", "Manufacturer"),
        C("value", "原值(元)", "Value (CNY)", "number"),
        C("shared", "是否共享", "Shared", "bool"),
        C("city", "所在地市", "City", "vocab", "city"),
        LINK,
    ),
    "need": (
        C("title", "需求名称", "Need", width=36),
        C("holders", "需求单位", "Company", "list", width=30),
        C("field", "技术领域", "Technology field", "vocab", "tech_field"),
        C("city", "所在地市", "City", "vocab", "city"),
        C("cooperation_modes", "合作方式", "Forms of cooperation", "vocab_list", "cooperation_mode"),
        C("budget", "预算上限(元)", "Budget up to (CNY)", "number"),
        C("deadline", "截止日期", "Deadline", "date"),
        LINK,
    ),
    "all": (
        C("record_type", "类型", "Type", "vocab", "record_type"),
        C("title", "名称", "Title", width=40),
        C("holders", "单位", "Institution", "list", width=36),
        C("city", "所在地市", "City", "vocab", "city"),
        C("field", "技术领域", "Technology field", "vocab", "tech_field"),
        C("year", "年份", "Year", "number"),
        LINK,
    ),
    "institution": (
        C("title", "单位名称", "Name", width=36),
        C("inst_type", "单位类型", "Type", "vocab", "institution_type"),
        C("city", "所在地市", "City", "vocab", "city"),
        C("credit_code", "统一社会信用代码", "Credit code"),
        C("achievements_count", "成果数", "Achievements", "number"),
        C("patents_count", "专利数", "Patents", "number"),
        C("instruments_count", "仪器数", "Instruments", "number"),
        LINK,
    ),
}

TEXT = {
    "zh": {
        "yes": "是", "no": "否", "sep": "；", "all_types": "全部类型", "none": "（无）",
        "results_sheet": "检索结果 Results", "query_sheet": "检索条件 Query",
        "q": "检索词", "type": "记录类型", "filters": "筛选条件", "sort": "排序", "exported_at": "导出时间",
        "total": "检索结果总数", "rows": "导出条数", "truncated": "是否截断", "url": "检索页面",
        "truncated_yes": "是：结果超过导出上限，仅导出前 {rows:,} 条（共 {total:,} 条）；请增加筛选条件后分批导出",
        "truncated_no": "否：已导出全部结果",
        "match": "匹配方式", "match_any": "匹配任意一个词",
    },
    "en": {
        "yes": "Yes", "no": "No", "sep": "; ", "all_types": "All types", "none": "(none)",
        "results_sheet": "检索结果 Results", "query_sheet": "检索条件 Query",
        "q": "Search words", "type": "Record type", "filters": "Filters", "sort": "Sort", "exported_at": "Exported at",
        "total": "Matching records", "rows": "Rows exported", "truncated": "Truncated", "url": "Search page",
        "truncated_yes": "Yes: only the first {rows:,} of {total:,} results were exported (the export limit); narrow the search to export the rest",
        "truncated_no": "No: every result was exported",
        "match": "Matching", "match_any": "Any of the words",
    },
}


@dataclass
class ExportResult:
    """The records of one export and what the reader needs to know about them."""

    params: SearchParams
    sort: str
    total: int
    records: list[dict[str, Any]]
    limit: int
    truncated: bool
    exported_at: datetime = field(default_factory=lambda: datetime.now(CHINA_TIME))

    @property
    def record_type(self) -> str:
        return self.params.record_type


def normalise_locale(locale: str | None) -> str:
    return "en" if locale and locale.lower().startswith("en") else "zh"


def clean_text(value: str) -> str:
    """A text cell as written: no characters XML forbids, no surrounding white space (so a
    formula cannot hide behind a space or a line break), never read as a formula."""
    text = _XML_ILLEGAL.sub("", value).strip()
    return spreadsheet_safe(text)


class ExportService:
    def __init__(self, search_service: SearchService, page_size: int = PAGE_SIZE):
        self.search = search_service
        self.page_size = page_size

    # -- walking the result set --------------------------------------------------------------
    def _pages(self, identity: Identity, params: SearchParams, limit: int) -> Iterator[tuple[int, str, list[dict[str, Any]], bool]]:
        """(total, sort key, sources, more remain) per page, following the cursor from the first
        result. Facets are not counted: an export needs only the hits."""
        cursor: str | None = None
        seen = 0
        while seen < limit:
            size = min(self.page_size, limit - seen)
            page = replace(params, page=1, size=size, cursor=cursor, highlight=False)
            request, sort_key = self.search.build_request(identity, page)  # visibility is added there
            result = self.search.backend.search(replace(request, facets=()))
            sources = [{**disclosure.public_hit(hit.index, hit.source)[0], "id": hit.id} for hit in result.hits]
            seen += len(sources)
            cursor = result.next_cursor
            yield result.total, sort_key, sources, cursor is not None and seen < result.total
            if cursor is None or not sources:
                return

    def rows(self, identity: Identity, params: SearchParams, limit: int = EXPORT_LIMIT) -> Iterator[dict[str, Any]]:
        """The documents of every result, in the search's order, at most ``limit`` of them."""
        for _total, _sort, sources, _more in self._pages(identity, params, limit):
            yield from sources

    def collect(self, identity: Identity, params: SearchParams, limit: int = EXPORT_LIMIT) -> ExportResult:
        records: list[dict[str, Any]] = []
        total, sort_key, more = 0, params.sort or "", False
        for total, sort_key, sources, more in self._pages(identity, params, limit):
            records.extend(sources)
        if limit <= 0:  # nothing walked: still say how many there are
            total = self.search.count(identity, params)
            more = total > 0
        return ExportResult(params, sort_key, total, records, limit, truncated=more and len(records) >= limit)

    # -- cell values -------------------------------------------------------------------------
    @staticmethod
    def columns(record_type: str) -> tuple[Column, ...]:
        return COLUMNS[record_type]

    def headers(self, record_type: str, locale: str = "zh") -> list[str]:
        return [c.header(normalise_locale(locale)) for c in COLUMNS[record_type]]

    @staticmethod
    def value(col: Column, doc: dict[str, Any], locale: str, base_url: str) -> str | int | float | date | None:
        """A cell's value before the format's own escaping: text, a number, a date or None."""
        text = TEXT[locale]
        raw = doc.get(col.field)
        if col.kind == "link":
            return f"{base_url.rstrip('/')}/records/{quote(str(raw), safe='')}" if raw else None
        if col.kind == "price":
            maximum = (doc.get("display") or {}).get("price_amount_max")
            if raw is None:
                mode = doc.get("price_mode")
                return vocabularies.get("price_mode").label(mode, locale) if mode else None
            if maximum is not None and maximum != raw:
                return f"{_number(raw)}-{_number(maximum)}"
            return _number(raw)
        if raw is None or raw == [] or raw == "":
            return None
        if col.kind == "list":
            return text["sep"].join(str(v) for v in _as_list(raw) if v not in (None, ""))
        if col.kind == "vocab":
            return vocabularies.get(col.vocabulary or "").label(str(raw), locale)
        if col.kind == "vocab_list":
            vocab = vocabularies.get(col.vocabulary or "")
            return text["sep"].join(vocab.label(str(v), locale) for v in _as_list(raw))
        if col.kind == "bool":
            return text["yes"] if raw else text["no"]
        if col.kind == "number":
            return _number(raw)
        if col.kind == "trl":
            label = vocabularies.get("trl").label(str(raw), locale)
            return f"{raw}（{label}）" if locale == "zh" else f"{raw} ({label})"
        if col.kind == "date":
            return _date(raw)
        return str(raw)

    def _table(self, result: ExportResult, locale: str, base_url: str) -> tuple[list[Column], list[list[Any]]]:
        cols = list(COLUMNS[result.record_type])
        return cols, [[self.value(c, doc, locale, base_url) for c in cols] for doc in result.records]

    # -- CSV -----------------------------------------------------------------------------------
    def to_csv(self, result: ExportResult, locale: str = "zh", base_url: str = "") -> bytes:
        """UTF-8 with a byte order mark and CRLF line ends, as Excel expects. Only the data:
        truncation is reported by the caller (a response header), never inside the file."""
        locale = normalise_locale(locale)
        cols, table = self._table(result, locale, base_url)
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([clean_text(c.header(locale)) for c in cols])
        for row in table:
            writer.writerow([_csv_cell(v) for v in row])
        return ("\ufeff" + out.getvalue()).encode("utf-8")

    # -- XLSX ----------------------------------------------------------------------------------
    def to_xlsx(self, result: ExportResult, locale: str = "zh", base_url: str = "", search_url: str | None = None) -> bytes:
        """A results sheet (bold frozen header, fitted widths, autofilter, clickable links) and
        a sheet recording the query, the filters, the sort, the time and the row count."""
        locale = normalise_locale(locale)
        text = TEXT[locale]
        cols, table = self._table(result, locale, base_url)
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(text["results_sheet"])
        for i, col in enumerate(cols, start=1):
            ws.column_dimensions[get_column_letter(i)].width = col.width or _fit_width(col.header(locale), (row[i - 1] for row in table))
        ws.freeze_panes = "A2"
        bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
        header = []
        for col in cols:
            cell = _xlsx_cell(ws, col.header(locale))
            cell.font, cell.fill = bold, fill
            header.append(cell)
        ws.append(header)
        link_font = Font(color="0563C1", underline="single")
        for row in table:
            cells = []
            for col, value in zip(cols, row):
                cell = _xlsx_cell(ws, value)
                if col.kind == "link" and isinstance(value, str) and value.startswith(("http://", "https://")):
                    cell.hyperlink, cell.font = value, link_font
                cells.append(cell)
            ws.append(cells)
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{len(table) + 1}"

        qs = wb.create_sheet(text["query_sheet"])
        qs.column_dimensions["A"].width = 18
        qs.column_dimensions["B"].width = 90
        wrap = Alignment(wrap_text=True, vertical="top")
        for label, value in self.query_summary(result, locale, search_url):
            key = _xlsx_cell(qs, label)
            key.font = bold
            val = _xlsx_cell(qs, value)
            val.alignment = wrap
            qs.append([key, val])
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    def query_summary(self, result: ExportResult, locale: str = "zh", search_url: str | None = None) -> list[tuple[str, str | int]]:
        """What was exported, as (label, value) lines for the query sheet."""
        locale = normalise_locale(locale)
        text = TEXT[locale]
        p = result.params
        record_type = text["all_types"] if p.record_type == "all" else vocabularies.get("record_type").label(p.record_type, locale)
        lines: list[tuple[str, str | int]] = [(text["q"], p.q.strip() or text["none"]), (text["type"], record_type)]
        if p.q.strip() and p.match == "any":
            lines.append((text["match"], text["match_any"]))
        filters = [(key, values) for key, values in p.selections.items() if [v for v in values if v != ""]]
        if not filters:
            lines.append((text["filters"], text["none"]))
        for key, values in filters:
            definition = opts.facet(p.record_type, key)
            name = (definition.en if locale == "en" else definition.zh) if definition else key
            shown = text["sep"].join(self._facet_value(p.record_type, definition, v, locale) for v in values if v != "")
            lines.append((f"{text['filters']}：{name}" if locale == "zh" else f"{text['filters']}: {name}", shown))
        sort_def = opts.sort(p.record_type, result.sort)
        lines.append((text["sort"], (sort_def.en if locale == "en" else sort_def.zh) if sort_def else result.sort))
        lines.append((text["exported_at"], result.exported_at.isoformat(timespec="seconds")))
        lines.append((text["total"], result.total))
        lines.append((text["rows"], len(result.records)))
        lines.append((text["truncated"], (text["truncated_yes"] if result.truncated else text["truncated_no"]).format(rows=len(result.records), total=result.total)))
        if search_url:
            lines.append((text["url"], search_url))
        return lines

    def _facet_value(self, record_type: str, definition: opts.FacetDef | None, value: str, locale: str) -> str:
        """A selected filter value as the search page shows it."""
        if definition is None:
            return value
        if definition.ranges:
            zh, en = opts.RANGE_LABELS.get(value, (value, value))
            return en if locale == "en" else zh
        if definition.vocabulary:
            return vocabularies.get(definition.vocabulary).label(value, locale)
        info = self.search.backend.catalog.resolve_field(opts.INDICES[record_type], definition.field)
        if info.type == "boolean" and value.lower() in ("true", "1", "yes", "是", "false", "0", "no", "否"):
            return TEXT[locale]["yes" if value.lower() in ("true", "1", "yes", "是") else "no"]
        return value

    # -- file names ----------------------------------------------------------------------------
    @staticmethod
    def filenames(result: ExportResult, extension: str, locale: str = "zh") -> tuple[str, str]:
        """(the name to offer, an ASCII fallback), such as 检索结果-20261126.xlsx."""
        stamp = result.exported_at.strftime("%Y%m%d")
        ascii_name = f"search-results-{stamp}.{extension}"
        return (ascii_name if normalise_locale(locale) == "en" else f"检索结果-{stamp}.{extension}"), ascii_name


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _number(value: Any) -> int | float | str:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (int, float)):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return int(number) if number.is_integer() else number


def _date(value: Any) -> date | str:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)


def _csv_cell(value: Any) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return clean_text(str(value))


def _xlsx_cell(ws: Any, value: Any) -> WriteOnlyCell:
    """A cell that can never be a formula: text is cleaned and typed as a string."""
    if isinstance(value, str):
        cell = WriteOnlyCell(ws, value=clean_text(value)[:XLSX_CELL_MAX])
        cell.data_type = "s"
        return cell
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def _display_width(value: Any) -> int:
    text = value.isoformat() if isinstance(value, date) else str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _fit_width(header: str, values: Iterator[Any], lo: int = 8, hi: int = 50) -> int:
    widest = _display_width(header)
    for i, value in enumerate(values):
        if i >= 2000:  # a sample is enough
            break
        if value is not None:
            widest = max(widest, _display_width(value))
    return max(lo, min(hi, widest + 2))
