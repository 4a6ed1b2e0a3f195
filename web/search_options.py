"""What users can search by, per record type: facets, sorts and the indices behind each type.

Declared as data (Invenio's SearchOptions): the search service turns a facet selection or a
sort name into neutral indexer objects; nothing here knows an engine."""
from __future__ import annotations

from dataclasses import dataclass

from indexer import FacetSpec, RangeBucket, Sort


@dataclass(frozen=True)
class FacetDef:
    key: str  # URL parameter and facet name
    field: str  # index field
    vocabulary: str | None = None  # labels come from this vocabulary (None: the value is its own label)
    size: int = 10
    order: str = "count"
    ranges: tuple[RangeBucket, ...] = ()
    zh: str = ""
    en: str = ""
    boolean: bool = False  # a yes/no field: "true"/"false" in a URL are shown as 是/否
    by_year: bool = False  # a date field counted per calendar year; "2021" in a URL selects that year
    shown: bool = True  # listed beside the results; False: a filter only (the statistics' charts link to it)

    @property
    def kind(self) -> str:
        return "range" if self.ranges else "year" if self.by_year else "terms"

    def spec(self) -> FacetSpec:
        return FacetSpec(self.field, name=self.key, kind=self.kind, size=self.size, order=self.order, ranges=self.ranges)  # type: ignore[arg-type]


@dataclass(frozen=True)
class SortDef:
    key: str
    sorts: tuple[Sort, ...]
    zh: str
    en: str


BUDGET_RANGES = (
    RangeBucket("lt100k", lt=100_000),
    RangeBucket("100k-1m", gte=100_000, lt=1_000_000),
    RangeBucket("1m-10m", gte=1_000_000, lt=10_000_000),
    RangeBucket("gte10m", gte=10_000_000),
)
PRICE_RANGES = (
    RangeBucket("lt100k", lt=100_000),
    RangeBucket("100k-1m", gte=100_000, lt=1_000_000),
    RangeBucket("1m-10m", gte=1_000_000, lt=10_000_000),
    RangeBucket("gte10m", gte=10_000_000),
)
VALUE_RANGES = (
    RangeBucket("lt500k", lt=500_000),
    RangeBucket("500k-1m", gte=500_000, lt=1_000_000),
    RangeBucket("1m-5m", gte=1_000_000, lt=5_000_000),
    RangeBucket("gte5m", gte=5_000_000),
)
RANGE_LABELS = {
    "lt100k": ("10万元以下", "under ¥100k"), "100k-1m": ("10万-100万元", "¥100k-1M"),
    "1m-10m": ("100万-1000万元", "¥1M-10M"), "gte10m": ("1000万元以上", "¥10M and over"),
    "lt500k": ("50万元以下", "under ¥500k"), "500k-1m": ("50万-100万元", "¥500k-1M"),
    "1m-5m": ("100万-500万元", "¥1M-5M"), "gte5m": ("500万元以上", "¥5M and over"),
}

F = FacetDef
# Filters the search page does not list but accepts, so that every chart of the statistics
# pages links to the search that lists its records (a bar of "form: patent" opens form=patent).
HOLDER_TYPE = F("holder_type", "holder_types", "institution_type", size=10, zh="单位类型", en="Institution type", shown=False)
COMMON = (
    F("city", "city", "city", size=12, zh="所在地市", en="City"),
    F("holder", "holders", None, size=10, zh="单位", en="Institution"),
    F("year", "year", None, size=12, order="key_desc", zh="年份", en="Year"),
)

FACETS: dict[str, tuple[FacetDef, ...]] = {
    "all": (
        F("record_type", "record_type", "record_type", size=4, zh="类型", en="Type"),
        F("field", "field", "tech_field", size=20, zh="技术领域", en="Field"),
        *COMMON,
        HOLDER_TYPE,
    ),
    "achievement": (
        F("field", "field", "tech_field", size=20, zh="技术领域", en="Field"),
        COMMON[0],
        F("holder", "holders", None, size=10, zh="完成单位", en="Holder"),
        F("trl", "trl", "trl", size=9, order="key_asc", zh="技术就绪度", en="TRL"),
        F("level", "level", "achievement_level", zh="成果水平", en="Level"),
        F("transfer_mode", "transfer_modes", "transfer_mode", zh="转化方式", en="Transfer mode"),
        F("price", "price_amount", None, ranges=PRICE_RANGES, zh="意向价格", en="Price"),
        F("year", "year", None, size=12, order="key_desc", zh="年份", en="Year"),
        F("selected", "selected_years", None, size=10, order="key_desc", zh="入选年度榜单", en="On the annual list"),
        HOLDER_TYPE,
        F("form", "form", "achievement_form", size=20, zh="成果体现形式", en="Form", shown=False),
        F("stage", "stage", "achievement_stage", size=10, zh="成果所处阶段", en="Stage", shown=False),
        F("transferred", "transferred", None, size=2, zh="是否已转化", en="Transferred", boolean=True, shown=False),
    ),
    "patent": (
        F("kind", "kind", "patent_kind", zh="专利类型", en="Patent type"),
        F("legal_status", "legal_status", "legal_status", zh="法律状态", en="Legal status"),
        F("open_licence", "open_licence", None, size=2, zh="开放许可", en="Open licence", boolean=True),
        F("ipc_section", "ipc_sections", None, size=8, order="key_asc", zh="IPC部", en="IPC section"),
        F("ipc_class", "ipc_classes", None, size=15, zh="IPC大类", en="IPC class"),
        F("holder", "holders", None, size=10, zh="申请人", en="Applicant"),
        COMMON[0],
        F("year", "year", None, size=12, order="key_desc", zh="申请年", en="Filing year"),
        HOLDER_TYPE,
        F("granted", "granted_at", None, size=50, order="key_asc", zh="授权年", en="Grant year", by_year=True, shown=False),
    ),
    "instrument": (
        F("instrument_class", "instrument_class", "instrument_class", size=15, zh="仪器分类", en="Class"),
        F("shared", "shared", None, size=2, zh="是否共享", en="Shared", boolean=True),
        F("value", "value", None, ranges=VALUE_RANGES, zh="原值", en="Value"),
        F("holder", "holders", None, size=10, zh="所在单位", en="Institution"),
        COMMON[0],
        F("service_mode", "service_modes", "service_mode", zh="服务方式", en="Service"),
        F("run_status", "run_status", "run_status", zh="运行状态", en="Status"),
        HOLDER_TYPE,
        F("year", "year", None, size=50, order="key_asc", zh="启用年", en="Year in service", shown=False),
    ),
    "institution": (
        F("inst_type", "inst_type", "institution_type", zh="单位类型", en="Type"),
        COMMON[0],
    ),
    "need": (
        F("field", "field", "tech_field", size=20, zh="技术领域", en="Field"),
        COMMON[0],
        F("cooperation", "cooperation_modes", "cooperation_mode", zh="合作方式", en="Form of cooperation"),
        F("budget", "budget", None, ranges=BUDGET_RANGES, zh="预算", en="Budget"),
        F("holder", "holders", None, size=10, zh="需求单位", en="Company"),
        F("year", "year", None, size=12, order="key_desc", zh="发布年份", en="Year posted"),
    ),
}

INDICES = {
    "all": ("achievements", "patents", "instruments"),
    "achievement": ("achievements",),
    "patent": ("patents",),
    "instrument": ("instruments",),
    "institution": ("institutions",),
    "need": ("needs",),
}

RELEVANCE = SortDef("relevance", (Sort.score(),), "相关度", "Relevance")
NEWEST = SortDef("newest", (Sort("published_at", desc=True),), "最新发布", "Newest")
SORTS: dict[str, tuple[SortDef, ...]] = {
    "all": (RELEVANCE, NEWEST, SortDef("year", (Sort("year", desc=True),), "年份", "Year")),
    "achievement": (
        RELEVANCE, NEWEST,
        SortDef("trl", (Sort("trl", desc=True),), "技术就绪度", "TRL"),
        SortDef("price_asc", (Sort("price_amount"),), "价格从低到高", "Price, low to high"),
        SortDef("price_desc", (Sort("price_amount", desc=True),), "价格从高到低", "Price, high to low"),
        SortDef("registered", (Sort("registered_at", desc=True),), "登记日期", "Registration date"),
    ),
    "patent": (
        RELEVANCE, NEWEST,
        SortDef("filed", (Sort("filed_at", desc=True),), "申请日", "Filing date"),
        SortDef("fee_asc", (Sort("licence_fee"),), "许可费从低到高", "Licence fee, low to high"),
    ),
    "instrument": (
        RELEVANCE, NEWEST,
        SortDef("value_desc", (Sort("value", desc=True),), "原值从高到低", "Value, high to low"),
        SortDef("value_asc", (Sort("value"),), "原值从低到高", "Value, low to high"),
    ),
    "institution": (
        RELEVANCE,
        SortDef("achievements", (Sort("achievements_count", desc=True), Sort("patents_count", desc=True)), "成果数", "Achievements"),
        SortDef("patents", (Sort("patents_count", desc=True), Sort("achievements_count", desc=True)), "专利数", "Patents"),
        SortDef("instruments", (Sort("instruments_count", desc=True),), "仪器数", "Instruments"),
    ),
    "need": (
        RELEVANCE, NEWEST,
        SortDef("deadline", (Sort("open_until"),), "截止日期", "Deadline"),
        SortDef("budget_desc", (Sort("budget", desc=True),), "预算从高到低", "Budget, high to low"),
    ),
}

# The order of a list with no search words (relevance means nothing without words): every
# type names one of its own sorts, so a tab opened without words never asks for a sort the
# type does not have (institutions have no publication order people care about; the ones
# holding most results come first).
BROWSE_SORT: dict[str, str] = {
    "all": "newest", "achievement": "newest", "patent": "newest", "instrument": "newest", "institution": "achievements",
    "need": "newest",
}

RECORD_TYPES = tuple(INDICES)


def facet(record_type: str, key: str) -> FacetDef | None:
    return next((f for f in FACETS[record_type] if f.key == key), None)


def sort(record_type: str, key: str | None) -> SortDef | None:
    return next((s for s in SORTS[record_type] if s.key == key), None)


def default_sort(record_type: str, has_words: bool) -> str:
    """The sort a search uses when the URL names none: relevance with words, else the type's browse order."""
    return "relevance" if has_words else BROWSE_SORT[record_type]
