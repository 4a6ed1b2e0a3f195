"""The yearly statistics report (年度统计报告): a PDF of one year's figures, made by an
administrator, archived in the store and downloadable again as it was made.

What it counts is what the statistics pages count (:class:`~.stats.StatsService`, the search's
own numbers, published records only), for one year:

* the overview, achievements and patents: the records of that year (an achievement's
  registration year, a patent's filing year); a trend chart shows the ten years up to it, with
  the change on the year before; the patents' grants per year count every patent filed by then;
* research instruments: those in service by the end of the year (an instrument serves every year
  after it came), so the sharing figures (open hours, external service hours and income a year)
  are the province's, not only the new instruments'; the year's new instruments are a headline;
* the headline figures of the first pages are kept with the report (``StatsReport.summary``).

The PDF is made as the annual list's is (:mod:`.selection_export`): HTML through WeasyPrint with
the Noto CJK font embedded and nothing fetched but ``data:`` URLs; the charts are SVG drawn by
:mod:`.stats_charts` with their text as outlines. Wording lives in the template (gettext, in the
report's language); this module passes numbers and the declared labels of ``stats_options``.

Each report is a new row: a second report of a year is a new version and the first stays."""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import vocabularies
from ..models import StatsReport
from ..models.common import utcnow
from ..stats_options import MEASURES
from . import stats_charts
from .audit import AuditLog
from .export import CHINA_TIME, normalise_locale
from .identity import Identity
from .records import PermissionDenied, RecordNotFound
from .search import SearchParams
from .selection_export import PDF_ALLOWED_PROTOCOLS, PDF_MIMETYPE
from .stats import TYPE_INDEX, ChartView, StatsService, StatsView
from .uow import UnitOfWork

PDF_TEMPLATE = "reports/stats_report_pdf.html"
TREND_YEARS = 10  # a trend shows the report's year and the nine before it
FIRST_YEAR, LAST_YEAR = 1949, 2100
MONEY_MEASURES = frozenset(m for m, d in MEASURES.items() if d.unit_zh == "元")
TRUE_KEYS = ("true", "1")
# the main charts of each dashboard (web/stats_options.py), in the report's order: drawn, each
# with its table. The others (and every filter) are on the statistics pages.
REPORT_CHARTS: dict[str, tuple[str, ...]] = {
    "all": ("record_type", "year", "field", "city"),
    "achievement": ("year", "field", "trl", "level", "transfer_mode", "transferred", "holder"),
    "patent": ("year", "granted", "kind", "open_licence", "ipc_class", "holder"),
    "instrument": ("instrument_class", "shared", "city", "holder", "year"),
}


class StatsReportError(ValueError):
    """A report that cannot be made (a year out of range)."""


@dataclass
class Column:
    kind: str  # label | count | total | share | change | money | number | part
    title: str = ""  # the declared label (a measure, a record type, the filter); else the template words it by kind


@dataclass
class ReportChart:
    key: str
    title: str
    kind: str
    image: str | None  # the SVG as a data: URL; None when there is nothing to draw
    columns: list[Column]
    rows: list[list[Any]]
    trend: bool = False


@dataclass
class ReportSection:
    key: str  # the dashboard: all | achievement | patent | instrument
    title: str
    total: int
    totals: list[tuple[Column, float]]
    charts: list[ReportChart] = field(default_factory=list)


@dataclass
class ReportData:
    year: int
    locale: str
    summary: dict[str, Any]
    sections: list[ReportSection]


def _count(chart: ChartView | None, *values: str) -> int:
    return sum(b.count for b in chart.buckets if b.value in values) if chart else 0


def _bucket_sums(chart: ChartView | None, *values: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for b in chart.buckets if chart else ():
        if b.value in values:
            for m, v in b.sums.items():
                out[m] = out.get(m, 0.0) + v
    return out


def _change(chart: ChartView | None, year: int) -> float | None:
    bucket = next((b for b in chart.buckets if b.value == str(year)), None) if chart else None
    return None if bucket is None or bucket.change is None else round(bucket.change, 4)


def _years_up_to(view: StatsView, year: int) -> list[str]:
    """The years with records up to ``year`` (a chart of years counts every year whatever the
    year filter: the search's multi-select rule), as values of the year filter."""
    chart = view.chart("year")
    years = [b.value for b in chart.buckets if b.count and b.value.isdigit() and int(b.value) <= year] if chart else []
    return years or [str(year)]


def _measure_column(name: str, locale: str) -> Column:
    """A sum's column: money is printed with its unit (万元, ¥…M), hours under it."""
    m = MEASURES[name]
    if name in MONEY_MEASURES:
        return Column("money", m.label(locale))
    unit = m.unit_en if locale == "en" else m.unit_zh
    return Column("number", f"{m.label(locale)} ({unit})" if locale == "en" else f"{m.label(locale)}（{unit}）")


class StatsReportService:
    def __init__(self, session: Session, stats: StatsService, audit: AuditLog,
                 unit_of_work: Callable[[], AbstractContextManager[UnitOfWork]]):
        self.session, self.stats, self.audit, self.unit_of_work = session, stats, audit, unit_of_work

    @staticmethod
    def _require(identity: Identity) -> None:
        if not identity.is_admin:
            raise PermissionDenied("只有管理员可以生成和下载年度统计报告 / only administrators make and read the yearly reports")

    # -- the archive -----------------------------------------------------------------------------
    def list(self, identity: Identity, year: int | None = None) -> list[StatsReport]:
        """Every archived report (or a year's), newest first; the PDFs themselves are not read."""
        self._require(identity)
        query = select(StatsReport).order_by(StatsReport.created_at.desc(), StatsReport.id.desc())
        if year is not None:
            query = query.where(StatsReport.year == year)
        return list(self.session.scalars(query))

    def get(self, identity: Identity, report_id: int) -> StatsReport:
        self._require(identity)
        report = self.session.get(StatsReport, report_id) if 0 < report_id < 2**31 else None
        if report is None:
            raise RecordNotFound(f"stats report {report_id}")
        return report

    def years(self, identity: Identity) -> list[int]:
        """The years that have published records, newest first (what a report can be made of)."""
        self._require(identity)
        view = self.stats.dashboard(identity, SearchParams(record_type="all"), "zh")
        chart = view.chart("year")
        return sorted({int(b.value) for b in chart.buckets if b.count and b.value.isdigit()} if chart else set(), reverse=True)

    # -- making one ------------------------------------------------------------------------------
    def generate(self, identity: Identity, year: int, locale: str = "zh") -> StatsReport:
        """Make the report of ``year`` in ``locale`` (zh | en), archive it and log it."""
        self._require(identity)
        if not FIRST_YEAR <= int(year) <= LAST_YEAR:
            raise StatsReportError(f"{year} 不是有效的年份 / {year} is not a year a report can be made of")
        year, locale = int(year), normalise_locale(locale)
        started = time.perf_counter()
        data = self.collect(identity, year, locale)
        version = (self.session.scalar(select(func.count()).select_from(StatsReport).where(StatsReport.year == year)) or 0) + 1
        made_at = utcnow()
        html = self.render_html(data, made_at, version)
        pdf, pages = html_to_pdf(html)
        seconds = round(time.perf_counter() - started, 2)
        summary = {**data.summary, "version": version, "pages": pages, "seconds": seconds}
        with self.unit_of_work():
            report = StatsReport(year=year, created_at=made_at, created_by=identity.user_id, locale=locale,
                                 filename=report_filename(year, version, locale), size=len(pdf),
                                 sha256=hashlib.sha256(pdf).hexdigest(), summary=summary, pdf=pdf)
            self.session.add(report)
            self.session.flush()
            self.audit.record(identity, "stats_report.generate", f"stats_report:{report.id}",
                              {"year": year, "locale": locale, "version": version, "size": len(pdf), "pages": pages,
                               "seconds": seconds, "sha256": report.sha256})
        return report

    def collect(self, identity: Identity, year: int, locale: str) -> ReportData:
        """The figures and charts of the report (no PDF): the statistics service's dashboards
        for the year, the patents and instruments up to its end."""
        def view(record_type: str, years: list[str]) -> StatsView:
            return self.stats.dashboard(identity, SearchParams(record_type=record_type, selections={"year": years}), locale)

        this = [str(year)]
        overview, achievements, patents = view("all", this), view("achievement", this), view("patent", this)
        patents_by_then = view("patent", _years_up_to(patents, year))
        instruments_new = view("instrument", this)
        instruments = view("instrument", _years_up_to(instruments_new, year))

        shared = _bucket_sums(instruments.chart("shared"), *TRUE_KEYS)
        records = {t: _count(overview.chart("record_type"), t) for t in TYPE_INDEX}
        summary = {
            "year": year,
            "records": {**records, "total": sum(records.values())},
            "achievements": {
                "registered": achievements.total, "change": _change(achievements.chart("year"), year),
                "transferred": _count(achievements.chart("transferred"), *TRUE_KEYS),
                "price_amount": round(achievements.totals.get("price_amount", 0.0), 2),
            },
            "patents": {
                "filed": patents.total, "change": _change(patents.chart("year"), year),
                "invention": _count(patents.chart("kind"), "invention"),
                "granted": _count(patents_by_then.chart("granted"), str(year)),
                "open_licence": _count(patents.chart("open_licence"), *TRUE_KEYS),
                "open_licence_total": _count(patents_by_then.chart("open_licence"), *TRUE_KEYS),
            },
            "instruments": {
                "new": instruments_new.total, "in_service": instruments.total,
                "shared": _count(instruments.chart("shared"), *TRUE_KEYS),
                "value": round(instruments.totals.get("value", 0.0), 2),
                **{m: round(shared.get(m, 0.0), 2) for m in ("annual_open_hours", "external_hours", "external_income")},
            },
        }
        # a chart of grants per year counts the patents filed by then (the filing year filter would
        # otherwise keep only the report year's filings)
        replacements = {("patent", "granted"): patents_by_then.chart("granted")}
        sections = [self._section(v, year, locale, replacements) for v in (overview, achievements, patents, instruments)]
        return ReportData(year, locale, summary, sections)

    def _section(self, view: StatsView, year: int, locale: str, replacements: dict[tuple[str, str], ChartView | None]) -> ReportSection:
        board = view.dashboard
        totals = [(_measure_column(m, locale), view.totals.get(m, 0.0)) for m in board.totals if m in view.totals]
        charts = []
        for key in REPORT_CHARTS[board.record_type]:
            chart = replacements.get((board.record_type, key)) or view.chart(key)
            if chart is not None:
                charts.append(_report_chart(chart, year, locale))
        return ReportSection(board.record_type, board.title(locale), view.total, totals, charts)

    def render_html(self, data: ReportData, made_at: datetime, version: int) -> str:
        """The report's HTML in its language (needs an app context, no request)."""
        with force_locale(data.locale):
            return render_template(PDF_TEMPLATE, summary=data.summary, sections=data.sections, year=data.year,
                                   locale=data.locale, version=version,
                                   made_at=made_at.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M (UTC+08:00)"),
                                   type_label=lambda t: vocabularies.get("record_type").label(t, data.locale))


def _report_chart(chart: ChartView, year: int, locale: str) -> ReportChart:
    """A chart of the dashboard as the report prints it: the drawing and its table."""
    definition, facet = chart.definition, chart.facet
    label_title = facet.en if locale == "en" else facet.zh
    sums = [(m, _measure_column(m, locale)) for m in chart.measures]
    buckets = chart.buckets
    if chart.key == "record_type":  # institutions have no year: the overview counts the three record types
        buckets = [b for b in buckets if b.value in TYPE_INDEX]
    if definition.trend:  # the ten years up to the report's
        buckets = [b for b in buckets if b.value.isdigit() and year - TREND_YEARS < int(b.value) <= year]
    rows_for_drawing = [stats_charts.Row(b.label, b.count, {t: float(n) for t, n in b.parts.items()}) for b in buckets]
    series = {t: vocabularies.get("record_type").label(t, locale) for t in TYPE_INDEX} if definition.by_type else None
    drawn = any(b.count for b in buckets)
    image = stats_charts.data_url(stats_charts.draw(definition.kind, rows_for_drawing, series=series, highlight=str(year))) if drawn else None

    columns = [Column("label", label_title)]
    if definition.by_type:
        columns += [Column("part", series[t]) for t in TYPE_INDEX]  # type: ignore[index]
    columns.append(Column("total" if definition.by_type else "count"))
    columns.append(Column("change") if definition.trend else Column("share"))
    columns += [c for _m, c in sums]
    rows = []
    for b in buckets:
        row: list[Any] = [b.label]
        if definition.by_type:
            row += [b.parts.get(t, 0) for t in TYPE_INDEX]
        row.append(b.count)
        row.append(b.change if definition.trend else b.share)
        row += [b.sums.get(m, 0.0) for m, _c in sums]
        rows.append(row)
    return ReportChart(chart.key, definition.title(locale), definition.kind, image, columns, rows, definition.trend)


def report_filename(year: int, version: int, locale: str) -> str:
    """The name a report is offered under: 吉林省科技成果转化2025年度统计报告-第2版.pdf, jilin-statistics-report-2025-v2.pdf."""
    if locale == "en":
        return f"jilin-statistics-report-{year}-v{version}.pdf"
    return f"吉林省科技成果转化{year}年度统计报告-第{version}版.pdf"


def html_to_pdf(html: str) -> tuple[bytes, int]:
    """WeasyPrint as the annual list uses it (:func:`.selection_export.html_to_pdf`: ``data:``
    URLs only, no base URL, no redirects), keeping the page count."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=PDF_ALLOWED_PROTOCOLS, allow_redirects=False, timeout=1)
    document = HTML(string=html, base_url=None, url_fetcher=fetcher).render()
    return document.write_pdf(), len(document.pages)


__all__ = ["StatsReportService", "StatsReportError", "ReportData", "ReportSection", "ReportChart", "Column", "PDF_MIMETYPE",
           "report_filename", "html_to_pdf"]
