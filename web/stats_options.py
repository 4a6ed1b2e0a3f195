"""What the statistics pages chart, per record type, declared as data like the search options.

Every chart is drawn over one search filter (a :class:`~web.search_options.FacetDef` key), so
the words and filters of a search narrow every chart, and a bar of a chart is the search that
lists its records (the filter set to that bar's value). Nothing here knows an engine."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ChartKind = Literal["bar", "hbar", "pie", "line"]


@dataclass(frozen=True)
class ChartDef:
    key: str  # the search filter it counts by (a facet key of the dashboard's record type)
    kind: ChartKind
    zh: str
    en: str
    size: int | None = None  # how many values (default: the filter's facet size)
    order: str | None = None  # count | key_asc | key_desc (default: the filter's order)
    sums: tuple[str, ...] = ()  # values added up per bar (columns of the table)
    complete: bool = False  # every value of the vocabulary, in its order, zeros included
    trend: bool = False  # years along the axis, gaps filled with zero, with year-on-year change
    by_type: bool = False  # the overview's trend: one line per record type

    def title(self, locale: str) -> str:
        return self.en if locale.startswith("en") else self.zh


@dataclass(frozen=True)
class Measure:
    """A value added up over records (an instrument's yearly service hours)."""

    field: str
    zh: str
    en: str
    unit_zh: str
    unit_en: str
    members_only: bool = False  # the record pages show it to signed-in members only (web/disclosure.py)

    def label(self, locale: str) -> str:
        return self.en if locale.startswith("en") else self.zh


MEASURES: dict[str, Measure] = {m.field: m for m in (
    Measure("price_amount", "意向价格合计", "Asking prices, total", "元", "CNY"),
    Measure("value", "仪器原值合计", "Instrument value, total", "元", "CNY"),
    Measure("annual_open_hours", "年开放机时", "Open hours a year", "小时", "hours"),
    Measure("external_hours", "年对外服务机时", "External service hours a year", "小时", "hours"),
    Measure("external_income", "年对外服务收入", "External service income a year", "元", "CNY", members_only=True),
    Measure("budget", "预算合计", "Budgets, total", "元", "CNY"),
)}


@dataclass(frozen=True)
class Dashboard:
    record_type: str
    zh: str
    en: str
    charts: tuple[ChartDef, ...]
    totals: tuple[str, ...] = ()  # measures added up over every record the filters keep

    def title(self, locale: str) -> str:
        return self.en if locale.startswith("en") else self.zh

    def chart(self, key: str) -> ChartDef | None:
        return next((c for c in self.charts if c.key == key), None)


C = ChartDef
OPENNESS = ("annual_open_hours", "external_hours", "external_income")

DASHBOARDS: dict[str, Dashboard] = {
    "all": Dashboard("all", "总览", "Overview", (
        C("record_type", "pie", "记录类型", "Records by type", complete=True),
        C("year", "line", "年度趋势", "Records per year", size=50, order="key_asc", trend=True, by_type=True),
        C("field", "hbar", "技术领域", "Technology fields", size=20),
        C("city", "bar", "所在地市", "Cities and prefectures", complete=True),
        C("holder", "hbar", "重点单位（前十）", "Top institutions", size=10),
        C("holder_type", "pie", "单位类型", "Institution types", complete=True),
    )),
    "achievement": Dashboard("achievement", "科技成果", "Achievements", (
        C("year", "line", "年度登记趋势", "Achievements per year", size=50, order="key_asc", trend=True, sums=("price_amount",)),
        C("field", "hbar", "技术领域", "Technology fields", size=20, sums=("price_amount",)),
        C("city", "bar", "所在地市", "Cities and prefectures", complete=True),
        C("trl", "bar", "技术就绪度", "Technology readiness level", complete=True),
        C("level", "pie", "成果水平", "Level", complete=True),
        C("form", "hbar", "成果体现形式", "Form", complete=True),
        C("transfer_mode", "bar", "转化方式", "Transfer modes", complete=True, sums=("price_amount",)),
        C("price", "bar", "意向价格区间", "Asking price bands", sums=("price_amount",)),
        C("transferred", "pie", "是否已转化", "Transferred or not"),
        C("holder", "hbar", "完成单位（前十）", "Top holders", size=10, sums=("price_amount",)),
        C("holder_type", "pie", "单位类型", "Institution types", complete=True),
    ), totals=("price_amount",)),
    "patent": Dashboard("patent", "专利", "Patents", (
        C("year", "line", "年度申请量", "Filings per year", size=50, order="key_asc", trend=True),
        C("granted", "line", "年度授权量", "Grants per year", size=50, order="key_asc", trend=True),
        C("kind", "pie", "专利类型", "Patent types", complete=True),
        C("legal_status", "bar", "法律状态", "Legal status", complete=True),
        C("open_licence", "pie", "开放许可", "Open licence"),
        C("ipc_section", "bar", "IPC部", "IPC sections", size=8, order="key_asc"),
        C("ipc_class", "hbar", "IPC大类（前十五）", "Top IPC classes", size=15),
        C("holder", "hbar", "专利权人（前十）", "Top applicants", size=10),
        C("city", "bar", "所在地市", "Cities and prefectures", complete=True),
        C("holder_type", "pie", "单位类型", "Institution types", complete=True),
    )),
    "instrument": Dashboard("instrument", "大型科研仪器", "Research instruments", (
        C("instrument_class", "hbar", "仪器分类", "Instrument classes", complete=True, sums=("value", *OPENNESS)),
        C("shared", "pie", "共享情况", "Shared or not", sums=OPENNESS),
        C("value", "bar", "原值区间", "Value bands", sums=("value", *OPENNESS)),
        C("holder", "hbar", "开放共享单位（前十）", "Top institutions", size=10, sums=("value", *OPENNESS)),
        C("city", "bar", "所在地市", "Cities and prefectures", complete=True, sums=OPENNESS),
        C("service_mode", "bar", "服务方式", "Service modes", complete=True),
        C("run_status", "pie", "运行状态", "Operating status", complete=True),
        C("holder_type", "pie", "单位类型", "Institution types", complete=True),
        C("year", "line", "年度新增仪器", "Instruments per year in service", size=50, order="key_asc", trend=True, sums=("value",)),
    ), totals=("value", *OPENNESS)),
    "need": Dashboard("need", "技术需求", "Technology needs", (
        C("year", "line", "年度发布需求", "Needs posted per year", size=50, order="key_asc", trend=True, sums=("budget",)),
        C("field", "hbar", "技术领域", "Technology fields", size=20, sums=("budget",)),
        C("city", "bar", "所在地市", "Cities and prefectures", complete=True, sums=("budget",)),
        C("cooperation", "bar", "合作方式", "Forms of cooperation", complete=True, sums=("budget",)),
        C("budget", "bar", "预算区间", "Budget bands", sums=("budget",)),
        C("holder", "hbar", "需求单位（前十）", "Top companies", size=10, sums=("budget",)),
    ), totals=("budget",)),
}

STATS_TYPES = tuple(DASHBOARDS)
