"""Spreadsheet columns of every record type, and how a header row and its cells become the
schema's input shape.

One :class:`Column` per input field: the Chinese header our templates use (``zh``), the natural
English header (``en``), more headers people write (``aliases``), and the ``path`` of the field in
the marshmallow input (``title``, or nested: ``price.amount``, ``contact.name``,
``open_licence.declared_at``). The schema field name itself is always accepted as a header.

Header matching is forgiving (:func:`parse_header`): full-width/half-width (NFKC), case, spaces,
punctuation and trailing colons are ignored; *required* markers (``*``, ``（必填）``, ``(required)``)
are dropped; a unit in brackets or after a slash (``意向价格（万元）``, ``Price (CNY)``, ``价格/万元``) is
read and removed. For money columns a header in 万元 multiplies plain numbers by 10,000 (the
schema stores CNY); cells that carry their own unit ("50万", "面议") go to the schema unchanged.
Other brackets are tried with and without their text (``公开(公告)号`` = ``公开号``).

Cells: empty cells are left out (the schema sees the field as missing); list columns are split on
; ； , ， 、 and line breaks (the schema's StrList splits strings too, but the reader also has to
turn spreadsheet numbers into text, split the lists the schema keeps whole — 主要创新点 one per
line, 仪器图片 — and parse 知识产权 ``发明专利:ZL202310123456.7; 软件著作权:2021SR012345`` and
优先权 into lists of objects).

Unknown columns are ignored and reported once per file: :meth:`HeaderMap.note` gives the
bilingual note ``(FILE_NOTE_FIELD, "中文 / English")``; the readers collect these in
``reader.notes`` (or, with ``note_on_first_record=True``, put them on the first record's problems,
which :func:`split_notes` tells apart), and their ``inspect()`` returns the :class:`HeaderMap`
(``unknown``, ``duplicates``, ``mapped``) without reading the rows.

:data:`COLUMNS` lists every column of each type and :func:`to_row` writes a record (schema data
shape) as one row under ``[c.header for c in COLUMNS[type]]`` — what exports and test files use;
the readers read such rows back to the same data.

A missing required column refuses the file: ``FileRefused("missing_columns", ...)`` naming the
columns in Chinese and English. Required columns: achievement 成果名称 + 完成单位; patent 专利名称 +
(申请号 or 公开号); instrument 仪器名称 + 所在单位; institution 名称. A column supplied by the caller's
``defaults`` (e.g. ``{"institution": "Pacific Northwest National Laboratory"}``) counts as present;
defaults fill the field wherever the column is missing or the cell is empty.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from web import vocabularies

from .readers.base import RECORD_TYPES, FileRefused

FILE_NOTE_FIELD = "_columns"
ROW_FIELD = "_row"

# -- the column spec --------------------------------------------------------------------------

# kinds: text, multiline, phone, email, list, lines (one item per line), urls, vocab, vocab_list,
# money, number, int, trl, date, month, bool, ip, priority


@dataclass(frozen=True)
class Column:
    path: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()
    kind: str = "text"
    vocabulary: str | None = None
    unit: str | None = None  # "万元": the zh template header says 万元 and numbers are read ×10,000
    template: bool = True
    note_zh: str = ""
    note_en: str = ""
    # vocab columns only: a value that is not in the vocabulary and has no Chinese in it (a code
    # such as the PNNL class "BrukerFTMS") goes to this field instead
    fallback: str | None = None

    @property
    def header(self) -> str:
        """The Chinese template header, unit included: 意向价格（万元）."""
        return self.header_text("zh")

    def header_text(self, locale: str = "zh", required: bool = False) -> str:
        """The template header: 意向价格（万元）, 成果名称*; Price (CNY), Title*."""
        if locale.startswith("en"):
            text = self.en + (" (CNY)" if self.kind == "money" else "")
        else:
            text = self.zh + (f"（{self.unit}）" if self.unit else "")
        return text + ("*" if required else "")

    @property
    def multiplier(self) -> float:
        return UNIT_FACTORS.get(_unit_key(self.unit), 1) if self.unit else 1


def C(path: str, zh: str, en: str, *aliases: str, kind: str = "text", vocab: str | None = None, unit: str | None = None,
      template: bool = True, note: tuple[str, str] = ("", ""), fallback: str | None = None) -> Column:
    if vocab and kind == "text":
        kind = "vocab"
    return Column(path, zh, en, tuple(aliases), kind, vocab, unit, template, note[0], note[1], fallback)


def _contact(prefix: str = "contact.") -> list[Column]:
    return [
        C(f"{prefix}name", "联系人", "Contact", "联系人姓名", "Contact name", "Contact person"),
        C(f"{prefix}phone", "联系电话", "Phone", "电话", "手机", "联系方式", "电话号码", "Telephone", "Tel", "Contact phone", kind="phone"),
        C(f"{prefix}email", "电子邮箱", "E-mail", "邮箱", "电子邮件", "Email", "Contact email", kind="email"),
    ]


ACHIEVEMENT_COLUMNS = [
    C("title", "成果名称", "Title", "名称", "项目名称", "成果题目", "科技成果名称", "Achievement", "Achievement title", "Achievement name"),
    C("title_en", "英文名称", "English title", "成果英文名称", "Title (English)", "Title in English"),
    C("registration_no", "登记号", "Registration No.", "成果登记号", "登记编号", "科技成果登记号", "Registration number", "Reg. No.",
      note=("12位数字，如 220202300123（旧式“□□科成登字□□□□”亦可）", "12 digits, e.g. 220202300123")),
    C("achievement_type", "成果类型", "Type", "类型", "Achievement type", vocab="achievement_type"),
    C("institutions", "完成单位", "Holders", "成果完成单位", "完成单位名称", "单位", "单位名称", "Holder", "Institutions", "Institution",
      "Organisations", "Organizations", "Affiliations", kind="list", note=("第一个为第一完成单位；多个用；分隔", "the first is the lead holder")),
    C("people", "主要完成人", "Researchers", "完成人", "主要完成人员", "主要研究人员", "成果完成人", "People", "Authors", "Team", kind="list"),
    C("keywords", "关键词", "Keywords", "关键字", "Key words", kind="list"),
    C("summary", "成果简介", "Summary", "简介", "成果摘要", "摘要", "内容简介", "Abstract", "Description", kind="multiline",
      note=("不超过2000字", "at most 2,000 characters")),
    C("innovations", "主要创新点", "Innovations", "创新点", "技术创新点", "Key innovations", kind="lines",
      note=("最多3条，每行一条", "up to 3, one per line")),
    C("field", "技术领域", "Technology field", "所属技术领域", "领域", "Field", "Tech field", vocab="tech_field"),
    C("industry", "所属国民经济行业", "Industry", "国民经济行业", "行业", "行业代码", "Industry code", note=("GB/T 4754 代码，如 C28", "GB/T 4754 code")),
    C("discipline", "学科分类", "Discipline", "学科", "所属学科"),
    C("form", "成果体现形式", "Form", "体现形式", vocab="achievement_form"),
    C("origin", "成果属性", "Origin", "属性", vocab="achievement_origin"),
    C("level", "成果水平", "Level", "水平", vocab="achievement_level"),
    C("stage", "成果所处阶段", "Stage", "所处阶段", "阶段", "成果阶段", vocab="achievement_stage"),
    C("trl", "技术就绪度", "TRL", "就绪度", "技术就绪度等级", "Technology readiness level", "Readiness level", kind="trl"),
    C("evaluation.method", "评价方式", "Evaluation method", "评价方法", "Evaluation", vocab="evaluation_method"),
    C("evaluation.org", "评价机构", "Evaluation body", "评价单位", "鉴定单位", "Evaluated by"),
    C("evaluation.date", "评价日期", "Evaluation date", "鉴定日期", "评价时间", kind="date"),
    C("funding_source", "任务来源", "Funding source", "项目来源", "Funding"),
    C("programme", "计划名称", "Programme", "项目计划", "计划", "Program", "Programme name"),
    C("grant_no", "计划编号", "Grant No.", "项目编号", "课题编号", "Grant number", "Project No."),
    C("research_start", "研究起始时间", "Research start", "研究开始时间", "起始时间", "开始时间", kind="month"),
    C("research_end", "研究终止时间", "Research end", "研究结束时间", "终止时间", "结束时间", "完成时间", kind="month"),
    C("registered_at", "登记日期", "Registration date", "登记时间", "Registered", kind="date"),
    C("ip", "知识产权", "IP", "知识产权情况", "知识产权类型及号码", "Intellectual property", "IP rights", kind="ip"),
    C("transfer_modes", "转化方式", "Transfer modes", "拟转化方式", "合作方式", "转化形式", "Transfer mode", kind="vocab_list", vocab="transfer_mode"),
    C("price.mode", "价格方式", "Price mode", "意向价格方式", "报价方式", "定价方式", vocab="price_mode",
      note=("留空时：有金额为固定价格，无金额为面议", "if empty: fixed when a price is given, else negotiable")),
    C("price.amount", "意向价格", "Price", "价格", "转让价格", "意向价格金额", "Asking price", "Price amount", kind="money", unit="万元"),
    C("price.amount_max", "意向价格上限", "Maximum price", "价格上限", "Price ceiling", "Max price", kind="money", unit="万元",
      note=("价格方式为“区间”时填写", "for a price range")),
    C("application_status", "应用状态", "Application status", "应用情况", "推广应用情况"),
    C("transferred", "是否已转化", "Transferred", "已转化", "是否转化", kind="bool"),
    C("transfer_amount", "转化金额", "Transfer amount", "转化收入", "成交金额", kind="money", unit="万元"),
    *_contact(),
    C("scores.innovation", "技术创新程度", "Innovation score", kind="number", template=False),
    C("scores.indicators", "技术经济指标先进程度", "Technical and economic indicators score", kind="number", template=False),
    C("scores.difficulty", "技术难度和复杂程度", "Difficulty score", kind="number", template=False),
    C("scores.maturity", "技术成熟度", "Maturity score", kind="number", template=False),
    C("scores.impact", "推动科技进步和市场竞争力", "Impact score", kind="number", template=False),
]

PATENT_COLUMNS = [
    C("application_no", "申请号", "Application No.", "专利申请号", "专利号", "Application number", "Appl. No.",
      note=("如 202310123456.7（可带CN/ZL）", "e.g. 202310123456.7")),
    C("filed_at", "申请日", "Filing date", "申请日期", "Application date", "Filed", kind="date"),
    C("publication_no", "公开号", "Publication No.", "公开(公告)号", "公告号", "公布号", "Publication number", "Pub. No.",
      note=("如 CN116123456A", "e.g. CN116123456A")),
    C("publication_date", "公开日", "Publication date", "公开(公告)日", "公告日", "公开日期", "公布日", kind="date"),
    C("grant_no", "授权公告号", "Grant No.", "授权号", "Grant number"),
    C("granted_at", "授权公告日", "Grant date", "授权日", "授权日期", kind="date"),
    C("kind", "专利类型", "Patent type", "类型", "专利种类", "Type", "Kind", vocab="patent_kind"),
    C("title", "专利名称", "Title", "名称", "发明名称", "标题", "发明创造名称", "Invention title"),
    C("title_en", "英文名称", "English title", "Title (English)"),
    C("abstract", "摘要", "Abstract", "专利摘要", kind="multiline"),
    C("first_claim", "主权项", "First claim", "权利要求", "独立权利要求", "首项权利要求", "Claim", kind="multiline"),
    C("keywords", "关键词", "Keywords", "关键字", "Prior art keywords", kind="list"),
    C("applicants", "申请人", "Applicants", "申请(专利权)人", "专利申请人", "Applicant", kind="list"),
    C("inventors", "发明人", "Inventors", "发明(设计)人", "设计人", "Inventor", kind="list"),
    C("owners", "当前权利人", "Owners", "专利权人", "权利人", "Owner", "Assignee", "Patentee", kind="list"),
    C("applicant_address", "申请人地址", "Applicant address", "地址", "Address"),
    C("province_code", "国省代码", "Province code", "申请人国省代码"),
    C("city", "所在地市", "City", "地市", "城市", vocab="city"),
    C("field", "技术领域", "Technology field", "领域", "Field", vocab="tech_field"),
    C("ipc_main", "主分类号", "Main IPC", "主IPC", "IPC主分类号", "Main classification", note=("如 C08J5/04", "e.g. C08J5/04")),
    C("ipc", "分类号", "IPC", "IPC分类号", "IPC分类", "IPC classification", kind="list"),
    C("cpc", "CPC分类号", "CPC", "CPC classification", kind="list"),
    C("agency", "代理机构", "Agency", "专利代理机构", "Patent agency"),
    C("agent", "代理人", "Agent", "专利代理人", "Patent agent"),
    C("priority", "优先权", "Priority", "优先权信息", "Priority claims", kind="priority",
      note=("[国别] 号码 日期，多项用；分隔，如 US17/123456 2022-01-05；CN 202210000001.X 2022-01-06", "[country] number date; several separated by ;")),
    C("legal_status", "法律状态", "Legal status", "当前法律状态", "专利状态", "Status", vocab="legal_status"),
    C("transfers", "转让次数", "Transfers", kind="int"),
    C("licences", "许可次数", "Licences", "Licenses", kind="int"),
    C("pledges", "质押次数", "Pledges", kind="int"),
    C("open_licence.declared_at", "开放许可声明日", "Open licence declared", "开放许可声明日期", "开放许可日期", "Open licence date",
      "Open license declared", kind="date"),
    C("open_licence.payment", "许可使用费支付方式", "Licence fee payment", "支付方式", "许可费支付方式", "License fee payment", vocab="licence_payment"),
    C("open_licence.fee", "许可使用费", "Licence fee", "许可费", "一次性许可费", "入门费", "License fee", kind="money", unit="万元"),
    C("open_licence.royalty_rate", "提成比例", "Royalty rate", "提成率", kind="number", note=("百分比，如 3 表示 3%", "percent, 3 = 3%")),
    C("open_licence.terms", "支付标准", "Payment terms", "许可使用费支付标准", "许可条件", "Terms"),
    C("open_licence.term", "许可期限", "Licence term", "License term", "Term"),
    C("open_licence.withdrawn_at", "开放许可撤回日", "Open licence withdrawn", "撤回日", "撤回日期", kind="date"),
    C("family", "同族专利", "Family", "同族", "Patent family", kind="list"),
    C("citations", "被引次数", "Citations", "引证次数", "被引用次数", kind="int"),
]

INSTRUMENT_COLUMNS = [
    C("name", "仪器名称", "Name", "设备名称", "仪器设备名称", "名称", "Instrument name", "Instrument", "Equipment"),
    C("name_en", "英文名称", "English name", "仪器英文名称", "Name (English)"),
    C("asset_no", "仪器编号", "Asset No.", "资产编号", "设备编号", "仪器设备编号", "固定资产编号", "资产号", "Asset number", "Inventory No.",
      "Instrument ID", note=("本单位资产编号；与所在单位一起识别同一台仪器", "the holder's asset number; identifies the instrument")),
    C("class_code", "仪器分类编码", "Class code", "分类编码", "分类代码", "仪器分类代码", "Classification code"),
    C("instrument_class", "仪器分类", "Instrument class", "仪器类别", "类别", "分类", "Category", "Class", vocab="instrument_class",
      fallback="class_code", note=("", "a value outside this list without Chinese (a vendor class) is kept as the class code")),
    C("model", "规格型号", "Model", "型号", "规格", "型号规格", "Model number"),
    C("manufacturer", "生产厂商", "Manufacturer", "生产厂家", "厂商", "厂家", "制造商", "制造厂商", "Vendor", "Maker"),
    C("country", "产地国别", "Country of origin", "产地", "国别", "生产国别", "Country"),
    C("origin", "进口/国产", "Imported or domestic", "是否进口", "Import", vocab="instrument_origin"),
    C("specs", "主要技术指标", "Specifications", "技术指标", "技术参数", "主要技术参数", "Specs", "Description", kind="multiline"),
    C("functions", "主要功能", "Functions", "主要功能及特色", "功能", "用途", "主要功能/用途", "Function", "Applications", kind="multiline"),
    C("research_areas", "主要测试和研究领域", "Research areas", "研究领域", "测试研究领域", "应用领域", "服务领域", kind="list"),
    C("accessories", "主要附件", "Accessories", "附件", "配套附件", kind="multiline"),
    C("value", "仪器原值", "Value", "原值", "仪器价值", "资产原值", "设备原值", "购置金额", "购置价格", "Purchase price", "Price",
      kind="money", unit="万元"),
    C("purchased_at", "购置日期", "Purchase date", "购买日期", "购置时间", "Purchased", kind="date"),
    C("commissioned_at", "启用日期", "Commissioned", "启用时间", "投入使用日期", "Commissioning date", kind="date"),
    C("funding", "经费来源", "Funding source", "购置经费来源", "资金来源", "Funding", vocab="instrument_funding"),
    C("institution", "所在单位", "Institution", "单位", "单位名称", "所属单位", "管理单位", "依托单位", "Holder", "Owner", "Organisation",
      "Organization"),
    C("lab", "实验室", "Laboratory", "所在实验室", "所属实验室", "实验室名称", "Lab"),
    C("address", "安放地址", "Location", "安放地点", "放置地点", "存放地点", "地址", "Address", "Room", "Room number"),
    C("city", "所在地市", "City", "地市", "城市", vocab="city"),
    C("run_status", "运行状态", "Status", "状态", "仪器状态", "设备状态", "Operating status", vocab="run_status"),
    C("shared", "是否共享", "Shared", "共享", "是否开放共享", "是否对外共享", kind="bool"),
    C("open_hours", "开放机时安排", "Open hours", "开放时间", "开放机时"),
    C("fees", "参考收费标准", "Fees", "收费标准", "收费", kind="multiline"),
    C("service_modes", "服务方式", "Service modes", "共享方式", "Service mode", kind="vocab_list", vocab="service_mode"),
    C("annual_open_hours", "年开放机时", "Open hours per year", "年有效工作机时", "Annual open hours", kind="number"),
    C("external_hours_per_year", "年对外服务机时", "External hours per year", "对外服务机时", "年服务机时", kind="number"),
    C("external_income_per_year", "年对外服务收入", "External income per year", "对外服务收入", kind="money", unit="万元"),
    C("stats_year", "服务统计年份", "Statistics year", "统计年份", kind="int"),
    *_contact(),
    C("images", "仪器图片", "Images", "图片", "图片链接", kind="urls", note=("图片网址，多个用；或换行分隔", "image URLs")),
]

INSTITUTION_COLUMNS = [
    C("name", "名称", "Name", "单位名称", "机构名称", "单位", "机构", "Institution", "Institution name", "Organisation", "Organization"),
    C("name_en", "英文名称", "English name", "Name (English)"),
    C("aliases", "别名", "Aliases", "简称", "别称", "Alias", "Short name", kind="list"),
    C("type", "类型", "Type", "单位类型", "机构类型", "单位性质", "Institution type", vocab="institution_type"),
    C("city", "所在地市", "City", "地市", "城市", "所在城市", vocab="city"),
    C("credit_code", "统一社会信用代码", "Unified social credit code", "信用代码", "社会信用代码", "USCC", "Credit code",
      note=("18位", "18 characters")),
    C("address", "地址", "Address", "通讯地址", "单位地址", "详细地址"),
    C("description", "简介", "Description", "单位简介", "机构简介", "About", kind="multiline"),
    C("website", "网址", "Website", "网站", "主页", "官网", "URL", "Homepage"),
    *_contact("contact_"),
]

# 技术需求: posted through the site's form and the API (the form is built from these columns, so
# it reads what people type as a spreadsheet cell would be read); not a bulk-import type
NEED_COLUMNS = [
    C("title", "需求名称", "Title", "需求标题", "标题", "Need"),
    C("title_en", "英文名称", "English title", "Title (English)"),
    C("description", "需求描述", "Description", "需求内容", "技术难题", "描述", kind="multiline",
      note=("要解决的技术问题、现状和期望达到的指标", "the technical problem, where things stand and the targets")),
    C("keywords", "关键词", "Keywords", "关键字", kind="list"),
    C("field", "技术领域", "Technology field", "所属领域", "领域", vocab="tech_field"),
    C("industry", "所属行业", "Industry", "行业"),
    C("city", "所在地市", "City", "地市", "城市", vocab="city"),
    C("budget_min", "预算下限", "Budget from", "最低预算", kind="money", unit="万元"),
    C("budget_max", "预算上限", "Budget up to", "最高预算", "预算", kind="money", unit="万元"),
    C("cooperation_modes", "合作方式", "Forms of cooperation", "期望合作方式", kind="vocab_list", vocab="cooperation_mode"),
    C("deadline", "截止日期", "Deadline", "有效期至", "截止时间", kind="date"),
    C("organisation", "需求单位", "Company", "企业名称", "单位名称", "Organisation", "Organization"),
    *_contact(),
]

# groups of paths; each group needs one column present (or a default)
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "achievement": (("title",), ("institutions",)),
    "patent": (("title",), ("application_no", "publication_no")),
    "instrument": (("name",), ("institution",)),
    "institution": (("name",),),
    "need": (("title",), ("organisation",)),
}

LABEL_PATHS = {
    "achievement": ("title", "registration_no"),
    "patent": ("publication_no", "application_no", "title"),
    "instrument": ("name", "asset_no"),
    "institution": ("name",),
    "need": ("title",),
}

# headers dropped without a report: row numbers and the system fields of our own exports
SILENT_HEADERS = ("序号", "行号", "No", "#", "Seq", "id", "record_type", "revision_id", "created_at", "updated_at", "published_at", "links", "status")


# -- header parsing --------------------------------------------------------------------------

UNIT_FACTORS: dict[str, float] = {
    "万元": 1e4, "万": 1e4, "万元人民币": 1e4, "人民币万元": 1e4, "10kcny": 1e4, "cny10k": 1e4, "10000cny": 1e4, "cny10000": 1e4,
    "10kyuan": 1e4, "tenthousandyuan": 1e4, "10krmb": 1e4, "rmb10k": 1e4,
    "元": 1, "人民币": 1, "人民币元": 1, "cny": 1, "rmb": 1, "yuan": 1, "¥": 1,
    "千元": 1e3, "亿元": 1e8, "亿": 1e8,
}
# units that say nothing about scale (dropped from the header)
OTHER_UNITS = frozenset({"小时", "h", "hrs", "hours", "%", "percent", "年", "次", "个", "台", "台套", "yyyymmdd", "yyyymm", "yyyy-mm-dd", "yyyy-mm"})
REQUIRED_MARKERS = frozenset({"必填", "必填项", "必须", "选填", "可选", "非必填", "选填项", "required", "optional", "mandatory"})
_BRACKET = re.compile(r"[(\[【{〔]\s*([^()\[\]【】{}〔〕]*?)\s*[)\]】}〕]")
_STAR = re.compile(r"^[\s*※]+|[\s*※]+$")
_NONWORD = re.compile(r"[\W_]+")


def _unit_key(text: str | None) -> str:
    return re.sub(r"[\s,.]", "", (text or "").lower())


@dataclass(frozen=True)
class ParsedHeader:
    full: str  # key with the text of non-unit brackets kept
    bare: str  # key with every bracket dropped
    factor: float | None  # a money unit found in the header
    required_mark: bool


def _key(text: str) -> str:
    return _NONWORD.sub("", text)


def parse_header(value: object) -> ParsedHeader:
    text = unicodedata.normalize("NFKC", str(value if value is not None else "")).replace("\ufeff", "").strip().lower()
    required = False
    factor: float | None = None
    text = text.rstrip(":：").strip()
    if _STAR.search(text):
        required = True
        text = _STAR.sub("", text)
    kept: list[str] = []

    def bracket(m: re.Match) -> str:
        nonlocal required, factor
        content = m.group(1)
        ukey = _unit_key(content)
        if ukey in REQUIRED_MARKERS:
            required = True
            return ""
        if ukey in UNIT_FACTORS:
            factor = UNIT_FACTORS[ukey]
            return ""
        if ukey in OTHER_UNITS or not ukey:
            return ""
        kept.append(content)
        return "\x00" + content + "\x01"

    text = _BRACKET.sub(bracket, text)
    m = re.search(r"[/|｜]\s*([^/|｜]+)$", text)
    if m and "\x00" not in m.group(1):
        ukey = _unit_key(m.group(1))
        if ukey in UNIT_FACTORS:
            factor = UNIT_FACTORS[ukey]
            text = text[: m.start()]
        elif ukey in OTHER_UNITS:
            text = text[: m.start()]
    text = text.strip().rstrip(":：*")
    full = _key(text.replace("\x00", "").replace("\x01", ""))
    bare = _key(re.sub(r"\x00[^\x01]*\x01", "", text))
    return ParsedHeader(full, bare, factor, required)


# -- per-type column sets --------------------------------------------------------------------

@dataclass(frozen=True)
class Match:
    column: Column
    factor: float  # multiplier for plain numbers (money columns)
    exact: bool  # the header is the field name or the Chinese header itself (wins over aliases)


class ColumnSet:
    """The columns of one record type, with the header index."""

    def __init__(self, record_type: str, columns: list[Column]):
        self.record_type = record_type
        self.columns = tuple(columns)
        self.required = REQUIRED[record_type]
        self.by_path = {c.path: c for c in columns}
        self.index: dict[str, Column] = {}
        self.exact_keys: dict[str, Column] = {}
        self.collisions: list[tuple[str, str, str]] = []
        bare: dict[str, Column] = {}
        for col in columns:
            names = (col.path, col.zh, col.en, col.header_text("zh"), col.header_text("en"), *col.aliases)
            for i, name in enumerate(names):
                p = parse_header(name)
                self._register(p.full, col)
                if i < 2:  # the field name and the Chinese header beat every other spelling
                    self.exact_keys.setdefault(p.full, col)
                if p.bare != p.full:
                    bare.setdefault(p.bare, col)
        for key, col in bare.items():
            self.index.setdefault(key, col)
        self.silent = {parse_header(h).full for h in SILENT_HEADERS} - set(self.index)

    def _register(self, key: str, col: Column) -> None:
        if not key:
            return
        other = self.index.setdefault(key, col)
        if other is not col and other.path != col.path:
            self.collisions.append((key, other.path, col.path))

    @property
    def required_paths(self) -> set[str]:
        return {p for group in self.required if len(group) == 1 for p in group}

    def match(self, header: object) -> Match | None:
        p = parse_header(header)
        col = self.index.get(p.full) or self.index.get(p.bare)
        if col is None:
            return None
        # money: the header's own unit decides (意向价格（万元） x10,000; 意向价格, Price (CNY) as is)
        factor = p.factor if col.kind == "money" and p.factor is not None else 1
        return Match(col, factor, self.exact_keys.get(p.full) is col)

    def is_silent(self, header: object) -> bool:
        p = parse_header(header)
        return not p.full or p.full in self.silent

    def resolve_defaults(self, defaults: Mapping[str, Any] | None, strict: bool = True) -> dict[str, Any]:
        """Caller defaults keyed by field path (``institution``, ``contact.name``) or by any
        accepted header (``所在单位``)."""
        out: dict[str, Any] = {}
        for key, value in (defaults or {}).items():
            col = self.by_path.get(key)
            if col is None:
                m = self.match(key)
                col = m.column if m else None
            if col is None:
                if strict:
                    raise ValueError(f"unknown default field {key!r} for {self.record_type} records")
                continue
            if not _is_empty(value):
                out[col.path] = value
        return out

    def missing_groups(self, present: set[str]) -> list[tuple[str, ...]]:
        return [g for g in self.required if not any(p in present for p in g)]


COLUMN_SETS: dict[str, ColumnSet] = {
    "achievement": ColumnSet("achievement", ACHIEVEMENT_COLUMNS),
    "patent": ColumnSet("patent", PATENT_COLUMNS),
    "instrument": ColumnSet("instrument", INSTRUMENT_COLUMNS),
    "institution": ColumnSet("institution", INSTITUTION_COLUMNS),
    "need": ColumnSet("need", NEED_COLUMNS),
}
TYPE_NAMES = {"achievement": ("科技成果", "achievements"), "patent": ("专利", "patents"),
              "instrument": ("大型科研仪器", "research instruments"), "institution": ("机构", "institutions"),
              "need": ("技术需求", "technology needs")}


COLUMNS: dict[str, tuple[Column, ...]] = {rt: cs.columns for rt, cs in COLUMN_SETS.items()}


def columns(record_type: str) -> tuple[Column, ...]:
    return column_set(record_type).columns


def column_set(record_type: str) -> ColumnSet:
    try:
        return COLUMN_SETS[record_type]
    except KeyError:
        raise ValueError(f"unknown record type {record_type!r}; expected one of {', '.join(RECORD_TYPES)}") from None


def missing_message(cs: ColumnSet, groups: list[tuple[str, ...]], where: str = "") -> FileRefused:
    zh = "、".join("或".join(cs.by_path[p].zh for p in g) for g in groups)
    en = ", ".join(" or ".join(f"{cs.by_path[p].en} ({p})" for p in g) for g in groups)
    wzh, wen = (f"（{where}）", f" ({where})") if where else ("", "")
    kind_zh, kind_en = TYPE_NAMES[cs.record_type]
    return FileRefused("missing_columns", f"{kind_zh}文件缺少必填列{wzh}：{zh}", f"the {kind_en} file lacks required columns{wen}: {en}")


# -- record type detection ------------------------------------------------------------------

def matched_paths(cs: ColumnSet, headers: Sequence[object]) -> set[str]:
    out = set()
    for h in headers:
        if not _is_empty(h) and (m := cs.match(h)):
            out.add(m.column.path)
    return out


def header_score(headers: Sequence[object], record_type: str | None = None) -> int:
    """How many distinct fields a row of cells names (for the type, or the best type)."""
    types = [record_type] if record_type else list(COLUMN_SETS)
    return max(len(matched_paths(COLUMN_SETS[t], headers)) for t in types)


def detect_record_type(headers: Sequence[object], defaults: Mapping[str, Any] | None = None, where: str = "") -> str:
    """The type whose required columns are all present (a default counts) and that names the
    most columns; refused when no type fits or two fit equally well."""
    candidates: dict[str, int] = {}
    importable = {rt: cs for rt, cs in COLUMN_SETS.items() if rt in RECORD_TYPES}  # needs come by form and API only
    for rt, cs in importable.items():
        found = matched_paths(cs, headers)
        present = found | set(cs.resolve_defaults(defaults, strict=False))
        if not cs.missing_groups(present):
            candidates[rt] = len(found)
    wzh, wen = (f"（{where}）", f" ({where})") if where else ("", "")
    if not candidates:
        # the header row clearly belongs to one type that lacks a required column: say which
        scores = {rt: len(matched_paths(cs, headers)) for rt, cs in importable.items()}
        best = max(scores.values())
        top = [rt for rt, n in scores.items() if n == best]
        if best >= 2 and len(top) == 1:
            cs = COLUMN_SETS[top[0]]
            present = matched_paths(cs, headers) | set(cs.resolve_defaults(defaults, strict=False))
            raise missing_message(cs, cs.missing_groups(present), where)
        raise FileRefused("unknown_record_type", f"无法从表头判断记录类型{wzh}，请指定类型或使用模板表头",
                          f"cannot tell the record type from the header row{wen}; choose the type or use the template headers")
    best = max(candidates.values())
    top = [rt for rt, n in candidates.items() if n == best]
    if len(top) > 1:
        zh = "、".join(TYPE_NAMES[t][0] for t in top)
        en = ", ".join(TYPE_NAMES[t][1] for t in top)
        raise FileRefused("ambiguous_record_type", f"表头同时符合多种记录类型（{zh}）{wzh}，请指定类型",
                          f"the header row fits several record types ({en}){wen}; choose the type")
    return top[0]


# -- header row -> mapping ---------------------------------------------------------------------

@dataclass
class MappedColumn:
    index: int
    header: str
    column: Column
    factor: float


@dataclass
class HeaderMap:
    """What a header row means: which cell goes where, and what was ignored."""

    record_type: str
    columns: list[MappedColumn]
    unknown: list[str] = field(default_factory=list)  # headers not recognised (ignored)
    duplicates: list[str] = field(default_factory=list)  # a second column for the same field (ignored)
    defaults: dict[str, Any] = field(default_factory=dict)  # path -> value
    width: int = 0  # number of header cells
    line: int | None = None  # where the header row is (1-based)
    sheet: str | None = None
    source: dict[str, Any] = field(default_factory=dict)  # what the reader found: encoding, delimiter, format

    @property
    def column_set(self) -> ColumnSet:
        return COLUMN_SETS[self.record_type]

    @property
    def mapped(self) -> list[tuple[str, str]]:
        """(header as written, field path) pairs."""
        return [(m.header, m.column.path) for m in self.columns]

    def note(self) -> tuple[str, str] | None:
        """The once-per-file report of ignored columns: (FILE_NOTE_FIELD, "中文 / English")."""
        parts_zh, parts_en = [], []
        if self.unknown:
            parts_zh.append("未识别的列已忽略：" + "、".join(self.unknown))
            parts_en.append("unrecognised columns ignored: " + ", ".join(self.unknown))
        if self.duplicates:
            parts_zh.append("重复的列已忽略（只用第一列）：" + "、".join(self.duplicates))
            parts_en.append("duplicate columns ignored (the first one is used): " + ", ".join(self.duplicates))
        if not parts_zh:
            return None
        return FILE_NOTE_FIELD, "；".join(parts_zh) + " / " + "; ".join(parts_en)

    def is_alias_row(self, cells: Sequence[object]) -> bool:
        """A second header row repeating the fields in another language (our XLSX template puts
        the English field names under the Chinese headers): skipped, not read as data."""
        cs = self.column_set
        hits = 0
        for mc in self.columns:
            value = cells[mc.index] if mc.index < len(cells) else None
            if _is_empty(value):
                continue
            m = cs.match(value)
            if m is None or m.column.path != mc.column.path:
                return False
            hits += 1
        return hits >= 2

    def convert(self, cells: Sequence[object]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """One data row -> (schema input, reader problems)."""
        data: dict[str, Any] = {}
        problems: list[tuple[str, str]] = []
        for mc in self.columns:
            raw = cells[mc.index] if mc.index < len(cells) else None
            value = convert_cell(mc.column, raw, mc.factor, mc.header, problems)
            if value is None:
                continue
            path = mc.column.path
            if mc.column.fallback and _goes_to_fallback(mc.column, value) and get_path(data, mc.column.fallback) is None:
                path = mc.column.fallback
            set_path(data, path, value)
        apply_defaults(data, self.defaults)
        return data, problems

    def label(self, data: Mapping[str, Any]) -> str | None:
        return record_label(self.record_type, data)


def record_label(record_type: str, data: Mapping[str, Any]) -> str | None:
    for path in LABEL_PATHS.get(record_type, ()):
        value = get_path(data, path)
        if isinstance(value, (list, tuple)):
            value = value[0] if value else None
        if not _is_empty(value) and not isinstance(value, (dict, list)):
            text = re.sub(r"\s+", " ", str(value)).strip()
            return text[:200]
    return None


def map_headers(headers: Sequence[object], record_type: str | None = None, defaults: Mapping[str, Any] | None = None,
                *, where: str = "") -> HeaderMap:
    """Map a header row; refuses the file when the type cannot be told or a required column is
    missing (and not supplied by ``defaults``)."""
    if record_type is None:
        record_type = detect_record_type(headers, defaults, where)
    cs = column_set(record_type)
    resolved_defaults = cs.resolve_defaults(defaults)
    chosen: dict[str, tuple[MappedColumn, bool]] = {}
    order: list[str] = []
    unknown: list[str] = []
    duplicates: list[str] = []
    for i, h in enumerate(headers):
        if _is_empty(h):
            continue
        text = re.sub(r"\s+", " ", str(h).replace("\ufeff", "")).strip()
        m = cs.match(h)
        if m is None:
            if not cs.is_silent(h) and text not in unknown:
                unknown.append(text)
            continue
        path = m.column.path
        mc = MappedColumn(i, text, m.column, m.factor)
        if path not in chosen:
            chosen[path] = (mc, m.exact)
            order.append(path)
        elif m.exact and not chosen[path][1]:  # the field's own name beats an alias ("run_status" over "status")
            duplicates.append(chosen[path][0].header)
            chosen[path] = (mc, True)
        else:
            duplicates.append(text)
    missing = cs.missing_groups(set(chosen) | set(resolved_defaults))
    if missing:
        raise missing_message(cs, missing, where)
    mapped = sorted((chosen[p][0] for p in order), key=lambda mc: mc.index)
    return HeaderMap(record_type, mapped, unknown, duplicates, resolved_defaults, width=len(headers))


def find_header_row(rows: Sequence[tuple[int, Sequence[object]]], record_type: str | None = None) -> int | None:
    """Position (in ``rows``) of the header row: the first row naming at least two known fields,
    else the first naming one; None if no row names any. ``rows`` are the first non-empty rows."""
    first_single = None
    for pos, (_, cells) in enumerate(rows):
        score = header_score(cells, record_type)
        if score >= 2:
            return pos
        if score == 1 and first_single is None:
            first_single = pos
    return first_single


def split_notes(problems: Iterable[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(file-level notes, record problems)."""
    notes, errors = [], []
    for p in problems:
        (notes if p[0] == FILE_NOTE_FIELD else errors).append(p)
    return notes, errors


# -- cells ------------------------------------------------------------------------------------

EXCEL_ERRORS = frozenset({"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#GETTING_DATA", "#SPILL!", "#CALC!"})
_SPLIT = re.compile(r"[;；,，、\n\r]+")
_LINES = re.compile(r"[\r\n]+")
_URLS = re.compile(r"[\s;；]+")
_CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ffff]")


def _is_empty(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, (list, tuple, dict)):
        return not value
    return False


def is_empty_row(cells: Iterable[object]) -> bool:
    return all(_is_empty(c) for c in cells)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e17:
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _split(value: object, pattern: re.Pattern) -> list[str]:
    if isinstance(value, (list, tuple)):
        items = [_text(v) for v in value]
    else:
        items = pattern.split(_text(value))
    return [s.strip() for s in items if s and s.strip()]


def convert_cell(col: Column, raw: object, factor: float, header: str, problems: list[tuple[str, str]]) -> Any:
    """A cell as the schema wants it; None for an empty cell."""
    if _is_empty(raw):
        return None
    if isinstance(raw, str):
        raw = raw.strip()
        if raw.upper() in EXCEL_ERRORS:
            problems.append((col.path, f"列“{header}”是Excel错误值 {raw}，已忽略 / column “{header}” holds the Excel error {raw}; ignored"))
            return None
    elif isinstance(raw, float) and math.isinf(raw):
        return None
    kind = col.kind
    if kind in ("date", "month"):
        if isinstance(raw, datetime):
            return raw.date() if raw.time() == time(0) else raw
        if isinstance(raw, date):
            return raw
        return _text(raw)
    if kind in ("number", "int", "trl", "bool"):
        return raw
    if kind == "money":
        return _money(raw, factor)
    if kind == "list":
        return _split(raw, _SPLIT) or None
    if kind == "vocab_list":
        return _split(raw, _SPLIT) or None
    if kind == "lines":
        return _split(raw, _LINES) or None
    if kind == "urls":
        return _split(raw, _URLS) or None
    if kind == "ip":
        return parse_ip(_text(raw)) or None
    if kind == "priority":
        return parse_priority(_text(raw)) or None
    return _text(raw)


def _money(raw: object, factor: float) -> Any:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)):
        return round(raw * factor, 2) if factor != 1 else raw
    if vocabularies.get("price_mode").resolve(raw) == "negotiable":
        return None  # "面议", "Negotiable": no amount
    text = unicodedata.normalize("NFKC", str(raw)).replace(",", "").replace("¥", "").strip()
    if factor != 1 and re.fullmatch(r"\d+(\.\d+)?", text):
        return round(float(text) * factor, 2)
    return str(raw).strip()  # "50万", "面议", "500,000元": the schema's Money reads them


def _goes_to_fallback(col: Column, value: object) -> bool:
    text = _text(value)
    return vocabularies.get(col.vocabulary).resolve(text) is None and not _CJK.search(text)


# 知识产权: "发明专利:ZL202310123456.7; 软件著作权:2021SR012345", "ZL202310123456.7（发明专利）"
_IP_TYPED = re.compile(r"^(?P<type>[^:：]{1,20}?)\s*[:：]\s*(?P<number>.+)$")
_IP_SUFFIX = re.compile(r"^(?P<number>.+?)\s*[(（](?P<type>[^()（）]{1,20})[)）]$")


def infer_ip_type(number: str) -> str | None:
    """The IP type a number shows by itself: CNIPA application numbers carry the kind in the
    fifth digit (1/8 invention, 2/9 utility model, 3 design); software copyrights contain SR."""
    n = re.sub(r"[\s.]", "", unicodedata.normalize("NFKC", number).upper())
    n = re.sub(r"^(ZL|CN)", "", n)
    m = re.fullmatch(r"\d{4}([1-9])\d{7}[\dX]", n)
    if m:
        return {"1": "invention_patent", "8": "invention_patent", "2": "utility_model", "9": "utility_model", "3": "design"}.get(m.group(1))
    if re.fullmatch(r"\d{4}SR\d+", n):
        return "software_copyright"
    return None


def parse_ip(text: str) -> list[dict[str, str]]:
    vocab = vocabularies.get("ip_type")
    items = []
    for item in _split(text, _SPLIT):
        kind: str | None = None
        number = item
        m = _IP_TYPED.match(item) or _IP_SUFFIX.match(item)
        if m:
            kind, number = m.group("type").strip(), m.group("number").strip()
            if vocab.resolve(kind) is None and (inferred := infer_ip_type(number)):
                kind = inferred  # "专利号:ZL2023..." names the number, not the type
        else:
            first, _, rest = item.partition(" ")
            if rest and vocab.resolve(first):
                kind, number = first, rest.strip()
        if kind is None:
            kind = infer_ip_type(number)
        entry = {"number": number}
        if kind:
            entry["type"] = kind
        items.append(entry)
    return items


_PRIORITY_DATE = re.compile(r"[\s,，]+(\d{4}[-./年]\d{1,2}[-./月]\d{1,2}日?|\d{8})\s*$")


def parse_priority(text: str) -> list[dict[str, str]]:
    """优先权 "US17/123456 2022-01-05; CN 202210000001.X 2022.01.06" -> [{number, date, country}]:
    a two-letter country before the number (or at its start), the date last."""
    items = []
    for item in _split(text, re.compile(r"[;；\n\r]+")):
        entry: dict[str, str] = {}
        m = _PRIORITY_DATE.search(item)
        if m:
            entry["date"] = m.group(1)
            item = item[: m.start()]
        number = item.strip(" ,，")
        cm = re.match(r"([A-Za-z]{2})\s+(?=\S)", number)  # "CN 202215400255.3": the country apart
        if cm:
            entry["country"], number = cm.group(1).upper(), number[cm.end():]
        if not number:
            continue
        entry["number"] = number
        cm = re.match(r"([A-Za-z]{2})(?=\d)", number)  # "US17/123456": the country in the number
        if cm and "country" not in entry:
            entry["country"] = cm.group(1).upper()
        items.append(entry)
    return items


# -- nested paths ------------------------------------------------------------------------------

def get_path(data: Mapping[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = data
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[parts[-1]] = value


def apply_defaults(data: dict[str, Any], defaults: Mapping[str, Any]) -> None:
    """Fill resolved defaults (path -> value) where the field is missing or empty."""
    for path, value in defaults.items():
        if _is_empty(get_path(data, path)):
            set_path(data, path, value)


# -- data -> row (exports, test files) ------------------------------------------------------------

def to_row(record_type: str, data: Mapping[str, Any]) -> list[str]:
    """A record in the schema's data shape (what the API takes and exports give) as one row of
    text under the headers ``[c.header for c in COLUMNS[record_type]]``: vocabulary codes as
    Chinese labels, lists joined with ；(主要创新点 one per line), money in the header's unit
    (万元), dates as YYYY-MM-DD, yes/no as 是/否. The readers read such a row back to the same data."""
    row = []
    for col in column_set(record_type).columns:
        row.append(cell_text(col, get_path(data, col.path)))
    return row


def cell_text(col: Column, value: Any) -> str:
    if _is_empty(value):
        return ""
    if col.kind == "vocab":
        return vocabularies.get(col.vocabulary).label(str(value))
    if col.kind == "vocab_list":
        vocab = vocabularies.get(col.vocabulary)
        return "；".join(vocab.label(str(v)) for v in value) if isinstance(value, (list, tuple)) else vocab.label(str(value))
    if col.kind == "ip":
        if isinstance(value, str):
            return value
        ip_type = vocabularies.get("ip_type")
        return "；".join(f"{ip_type.label(i['type']) if i.get('type') else ''}:{i.get('number', '')}".lstrip(":") for i in value)
    if col.kind == "priority":
        if isinstance(value, str):
            return value
        out = []
        for p in value:
            country = p.get("country") or ""
            number = str(p.get("number") or "")
            prefix = country if country and not number.upper().startswith(country.upper()) else ""
            out.append(" ".join(_text(x) for x in (prefix, number, p.get("date")) if x))
        return "；".join(out)
    if col.kind == "money" and isinstance(value, (int, float)) and not isinstance(value, bool):
        amount = value / col.multiplier
        return str(int(amount)) if float(amount).is_integer() else repr(round(amount, 6))
    if isinstance(value, (list, tuple)):
        return ("\n" if col.kind in ("lines", "urls") else "；").join(_text(v) for v in value)
    return _text(value)
