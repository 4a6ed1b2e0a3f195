"""``/stats/exchanges``: the statistics page of the exchanges between parties (成果转化成交统计),
a tab beside the search dashboards of ``/stats``.

Its numbers come from the store (``ExchangeStats``), not the search, so it has no words or
filters, only a year. Each table is drawn the way the dashboards draw theirs: the table first
(what shows without scripts, and the accessible fallback), the same ``stats.js`` chart over it;
a bar of a patent or an instrument opens its record."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import redirect, render_template, request, url_for
from flask_babel import gettext

from ..exchange_stats_options import BY_KEY, group_label
from ..i18n import lang, money, number
from ..proxies import current_services
from ..security import current_identity
from ..services.exchange_stats import MAX_YEAR, MIN_YEAR, ExchangeFigures, Group
from ..stats_options import DASHBOARDS, STATS_TYPES
from ..templating import record_url
from .stats import bp, echarts_version


@dataclass
class Row:
    label: str
    value: float  # what the chart draws
    cells: list[str]  # the table's cells after the name, formatted
    link: str | None = None


@dataclass
class Table:
    key: str
    title: str
    kind: str
    name_heading: str
    headings: list[str]  # of ``cells``; the first is what the chart draws
    rows: list[Row] = field(default_factory=list)
    wide: bool = False

    @property
    def drawn(self) -> bool:
        """Worth a chart: something to draw."""
        return any(r.value for r in self.rows)

    def chart_data(self) -> dict:
        """What stats.js draws (the dashboards' shape): labels, values, and each bar's link."""
        n = len(self.rows)
        return {"key": self.key, "kind": self.kind, "title": self.title, "trend": False, "labels": [r.label for r in self.rows],
                "counts": [r.value for r in self.rows], "changes": [None] * n, "selected": [False] * n,
                "links": [r.link for r in self.rows], "parts": None, "part_labels": {}, "measures": [],
                "count_label": self.headings[0], "change_label": gettext("同比")}


def _money(value: float | None) -> str:
    return "—" if value is None else money(value, negotiable=False)


def _share(n: int, total: int) -> str:
    return f"{n * 100 / total:.1f}%" if total else "—"


def _table(key: str, name_heading: str, headings: list[str], rows: list[Row]) -> Table:
    definition = BY_KEY[key]
    return Table(key, definition.title(lang()), definition.kind, name_heading, headings, rows, definition.wide)


def _agreements(key: str, groups: list[Group], total: int) -> Table:
    return _table(key, gettext("名称"), [gettext("协议数"), gettext("协议金额合计"), gettext("占比")],
                  [Row(group_label(key, g.key, lang()), g.count, [number(g.count), _money(g.amount), _share(g.count, total)])
                   for g in groups])


def _instruments(figures: ExchangeFigures) -> Table:
    """Hours, bookings and (for members) fees; a visitor's table has no fee column at all."""
    fees = figures.booking_fees is not None
    headings = [gettext("服务机时（小时）"), gettext("完成预约数"), *([gettext("服务收费合计")] if fees else []), gettext("编号")]
    return _table("instruments", gettext("仪器"), headings, [
        Row(i.name, i.hours, [number(i.hours), number(i.bookings), *([_money(i.fees)] if fees else []), i.public_id], record_url(i.public_id))
        for i in figures.top_instruments])


def tables(figures: ExchangeFigures) -> list[Table]:
    """The page's tables, in order, in the reader's language."""
    total = figures.inquiry_total
    status = _table("status", gettext("状态"), [gettext("洽谈数"), gettext("占比")],
                    [Row(group_label("status", g.key, lang()), g.count, [number(g.count), _share(g.count, total)]) for g in figures.inquiries])
    patents = _table("patents", gettext("专利"), [gettext("授予许可数"), gettext("许可费合计"), gettext("编号")],
                     [Row(p.title, p.licences, [number(p.licences), _money(p.fees), p.public_id], record_url(p.public_id))
                      for p in figures.top_patents])
    agreements = [_agreements(k, g, figures.agreements) for k, g in (("mode", figures.by_mode), ("field", figures.by_field),
                                                                      ("city", figures.by_city))]
    return [status, *agreements, patents, _instruments(figures)]


def _year() -> tuple[int | None, bool]:
    """The year asked for, and whether the argument was one (an empty one means every year)."""
    raw = request.args.get("year", "").strip()
    if not raw:
        return None, True
    year = int(raw) if raw.isdigit() else None
    return (year, True) if year is not None and MIN_YEAR <= year <= MAX_YEAR else (None, False)


@bp.get("/stats/exchanges")
def exchanges():
    year, valid = _year()
    if not valid:
        return redirect(url_for("stats.exchanges"), 303)
    figures = current_services.exchange_stats.figures(current_identity(), year)
    shown = tables(figures)
    years = sorted({*current_services.exchange_stats.years(), *([year] if year else [])}, reverse=True)  # the year asked for is offered
    return render_template("stats/exchanges.html", figures=figures, tables=shown, years=years,
                           year=year, types=STATS_TYPES, dashboards=DASHBOARDS, echarts_version=echarts_version(),
                           chart_data={t.key: t.chart_data() for t in shown if t.drawn}, amount=_money)
