"""A chart's numbers as a file: CSV (one chart) or XLSX (one chart, or the whole dashboard with a
sheet per chart and one describing the filters). The numbers are the API's, rounded the same way,
so a download can be checked against ``/api/v1/stats`` and against the search totals."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from ..stats_options import MEASURES
from .export import _csv_cell, _fit_width, _xlsx_cell, clean_text
from .stats import TYPE_INDEX, ChartView, StatsView

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

WORDS = {
    "zh": {"code": "代码", "label": "名称", "count": "记录数", "share": "占比(%)", "change": "同比(%)", "search": "检索链接",
           "filters": "筛选条件", "dashboard": "统计", "words": "检索词", "total": "记录总数", "made": "生成时间", "none": "（无）",
           "url": "统计页面", "by_type": "其中{}"},
    "en": {"code": "Code", "label": "Name", "count": "Records", "share": "Share (%)", "change": "Year on year (%)", "search": "Search link",
           "filters": "Filters", "dashboard": "Statistics", "words": "Search words", "total": "Records in all", "made": "Made at",
           "none": "(none)", "url": "Statistics page", "by_type": "of which {}"},
}
TYPE_WORDS = {"achievement": ("科技成果", "achievements"), "patent": ("专利", "patents"), "instrument": ("仪器", "instruments")}


def _words(locale: str) -> dict[str, str]:
    return WORDS["en" if locale.startswith("en") else "zh"]


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)


def chart_table(chart: ChartView, locale: str, search_url: Callable[[ChartView, Any], str]) -> tuple[list[str], list[list[Any]]]:
    """The header and the rows of one chart, as the page's table shows them."""
    w = _words(locale)
    en = locale.startswith("en")
    header = [w["code"], w["label"], w["count"]]
    header += [f"{MEASURES[m].label(locale)} ({MEASURES[m].unit_en if en else MEASURES[m].unit_zh})" for m in chart.measures]
    header.append(w["share"])
    if chart.definition.trend:
        header.append(w["change"])
    types = list(TYPE_INDEX) if chart.definition.by_type else []
    header += [w["by_type"].format(TYPE_WORDS[t][1 if en else 0]) for t in types]
    header.append(w["search"])
    rows = []
    for b in chart.buckets:
        row: list[Any] = [b.value, b.label, b.count]
        row += [round(b.sums.get(m, 0.0), 2) for m in chart.measures]
        row.append(_percent(b.share))
        if chart.definition.trend:
            row.append(_percent(b.change))
        row += [b.parts.get(t, 0) for t in types]
        row.append(search_url(chart, b))
        rows.append(row)
    return header, rows


def chart_csv(chart: ChartView, locale: str, search_url: Callable[[ChartView, Any], str]) -> bytes:
    """UTF-8 with a byte order mark and CRLF line ends, as Excel expects."""
    header, rows = chart_table(chart, locale, search_url)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([clean_text(h) for h in header])
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def dashboard_xlsx(view: StatsView, charts: list[ChartView], locale: str, search_url: Callable[[ChartView, Any], str],
                   filters: list[tuple[str, str]], page_url: str) -> bytes:
    """A sheet per chart (bold frozen header, fitted widths, links) and a sheet of the filters."""
    w = _words(locale)
    wb = Workbook(write_only=True)
    bold, fill, link = Font(bold=True), PatternFill("solid", fgColor="DDEBF7"), Font(color="0563C1", underline="single")
    used: set[str] = set()
    for chart in charts:
        header, rows = chart_table(chart, locale, search_url)
        ws = wb.create_sheet(_sheet_name(chart.definition.title(locale), used))
        for i, h in enumerate(header, start=1):
            ws.column_dimensions[get_column_letter(i)].width = _fit_width(h, (r[i - 1] for r in rows), hi=60)
        ws.freeze_panes = "A2"
        cells = []
        for h in header:
            cell = _xlsx_cell(ws, h)
            cell.font, cell.fill = bold, fill
            cells.append(cell)
        ws.append(cells)
        for row in rows:
            out = [_xlsx_cell(ws, v) for v in row]
            out[-1].hyperlink, out[-1].font = row[-1], link
            ws.append(out)
    about = wb.create_sheet(_sheet_name(w["filters"], used))
    about.column_dimensions["A"].width = 18
    about.column_dimensions["B"].width = 90
    lines: list[tuple[str, Any]] = [
        (w["dashboard"], view.dashboard.title(locale)),
        (w["words"], view.params.q or w["none"]),
        *(filters or [(w["filters"], w["none"])]),
        (w["total"], view.total),
        *[(f"{MEASURES[m].label(locale)}", round(v, 2)) for m, v in view.totals.items()],
        (w["made"], datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        (w["url"], page_url),
    ]
    for key, value in lines:
        k = _xlsx_cell(about, key)
        k.font = bold
        about.append([k, _xlsx_cell(about, value)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_name(title: str, used: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = "".join(" " if ch in "[]:*?/\\" else ch for ch in title)[:28].strip() or "sheet"
    name, n = base, 2
    while name.lower() in used:
        name, n = f"{base[:26]} {n}", n + 1
    used.add(name.lower())
    return name
