"""Controlled vocabularies (代码表): stable codes with Chinese and English labels.

Records store codes; pages show labels in the reader's language. Input (forms, files, API)
may give the code, the Chinese label or the English label: :meth:`Vocabulary.resolve` maps
all three (and a few common variants) to the code. Lists that FIELDS.md marks as examples
(技术领域, 所在地市) can be replaced by pointing ``TT_VOCABULARIES_FILE`` at a JSON file of the
same shape as :func:`as_dict` returns.
"""
from __future__ import annotations

import json
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path


@dataclass(frozen=True)
class Term:
    code: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()

    def label(self, locale: str = "zh") -> str:
        return self.en if locale.startswith("en") else self.zh


RESOLVED_KEPT = 4096  # distinct inputs remembered per vocabulary: bounded, whatever a file holds


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return re.sub(r"[\s_\-（）()·]+", "", text)


class Vocabulary:
    def __init__(self, name: str, zh: str, en: str, terms: list[Term]):
        self.name, self.zh, self.en = name, zh, en
        self.terms = terms
        self._by_code = {t.code: t for t in terms}
        self._lookup: dict[str, str] = {}
        self._resolved: dict[str, str | None] = {}  # values as given, resolved once (an import repeats a few thousand times)
        for t in terms:
            for variant in (t.code, t.zh, t.en, *t.aliases):
                self._lookup.setdefault(_key(variant), t.code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __iter__(self):
        return iter(self.terms)

    @property
    def codes(self) -> list[str]:
        return [t.code for t in self.terms]

    def resolve(self, value: object) -> str | None:
        """Code for a code, Chinese label, English label or known alias; None if unknown."""
        if value is None:
            return None
        text = str(value)
        if text in self._resolved:
            return self._resolved[text]
        code = self._lookup.get(_key(text))
        if len(self._resolved) < RESOLVED_KEPT:
            self._resolved[text] = code
        return code

    def label(self, code: str | None, locale: str = "zh") -> str:
        if code is None:
            return ""
        term = self._by_code.get(code)
        return term.label(locale) if term else str(code)

    def choices_text(self, locale: str = "zh") -> str:
        return "、".join(t.label(locale) for t in self.terms) if not locale.startswith("en") else ", ".join(t.en for t in self.terms)


def T(code: str, zh: str, en: str, *aliases: str) -> Term:
    return Term(code, zh, en, tuple(aliases))


_BUILTIN: dict[str, Vocabulary] = {}


def _add(name: str, zh: str, en: str, *terms: Term) -> None:
    _BUILTIN[name] = Vocabulary(name, zh, en, list(terms))


_add("institution_type", "单位类型", "Institution type",
     T("university", "高等院校", "University", "高校", "大学"),
     T("institute", "科研院所", "Research institute", "研究所", "科研机构", "研究院"),
     T("enterprise", "企业", "Enterprise", "公司", "company"),
     T("hospital", "医疗机构", "Hospital", "医院"),
     T("other", "其他", "Other"))

_add("city", "所在地市", "City or prefecture",
     T("changchun", "长春市", "Changchun", "长春"),
     T("jilin", "吉林市", "Jilin City"),
     T("siping", "四平市", "Siping", "四平"),
     T("liaoyuan", "辽源市", "Liaoyuan", "辽源"),
     T("tonghua", "通化市", "Tonghua", "通化"),
     T("baishan", "白山市", "Baishan", "白山"),
     T("songyuan", "松原市", "Songyuan", "松原"),
     T("baicheng", "白城市", "Baicheng", "白城"),
     T("yanbian", "延边朝鲜族自治州", "Yanbian Korean Autonomous Prefecture", "延边州", "延边", "yanji", "延吉市"),
     T("changbaishan", "长白山管委会", "Changbai Mountain Administrative Committee", "长白山"),
     T("changchun_new_area", "长春新区", "Changchun New Area"),
     T("meihekou", "梅河口市", "Meihekou", "梅河口"))

_add("tech_field", "技术领域", "Technology field",
     T("electronic_info", "电子信息", "Electronic information", "信息技术"),
     T("biomedicine", "生物与新医药", "Biotechnology and new medicine", "生物医药"),
     T("aerospace", "航空航天", "Aerospace"),
     T("new_materials", "新材料", "New materials"),
     T("high_tech_services", "高技术服务", "High-tech services"),
     T("new_energy", "新能源与节能", "New energy and energy saving", "新能源"),
     T("resources_environment", "资源与环境", "Resources and environment"),
     T("advanced_manufacturing", "先进制造与自动化", "Advanced manufacturing and automation", "先进制造"),
     T("artificial_intelligence", "人工智能", "Artificial intelligence", "AI"),
     T("optoelectronics", "光电信息", "Optoelectronics"),
     T("medical_devices", "医疗器械", "Medical devices"),
     T("energy_storage", "储能技术", "Energy storage"),
     T("ice_snow_equipment", "冰雪装备", "Ice and snow equipment"),
     T("automotive", "汽车", "Automotive", "汽车及零部件"),
     T("modern_agriculture", "现代农业", "Modern agriculture", "农业"),
     T("carbon_fiber", "碳纤维", "Carbon fibre", "carbon fiber"),
     T("beef_cattle", "肉牛", "Beef cattle"),
     T("sika_deer", "梅花鹿", "Sika deer"))

_add("achievement_type", "成果类型", "Achievement type",
     T("applied", "应用技术", "Applied technology"),
     T("basic", "基础理论", "Basic theory"),
     T("soft_science", "软科学", "Soft science"))

_add("achievement_form", "成果体现形式", "Form",
     T("new_technology", "新技术", "New technology"),
     T("new_process", "新工艺", "New process"),
     T("new_product", "新产品", "New product"),
     T("new_material", "新材料", "New material"),
     T("new_equipment", "新装备", "New equipment"),
     T("software", "软件", "Software"),
     T("paper", "论文", "Paper"),
     T("monograph", "著作", "Monograph"),
     T("research_report", "研究报告", "Research report"),
     T("other", "其他", "Other"))

_add("achievement_origin", "成果属性", "Origin",
     T("original", "原始性创新", "Original innovation"),
     T("imported", "国外引进消化吸收创新", "Innovation on imported technology"),
     T("secondary", "国内技术二次开发", "Further development of domestic technology"))

_add("achievement_level", "成果水平", "Level",
     T("intl_leading", "国际领先", "Internationally leading"),
     T("intl_advanced", "国际先进", "Internationally advanced"),
     T("domestic_leading", "国内领先", "Leading in China"),
     T("domestic_advanced", "国内先进", "Advanced in China"),
     T("not_evaluated", "未评价", "Not evaluated"))

_add("achievement_stage", "成果所处阶段", "Stage",
     T("early", "初期阶段", "Early stage (laboratory, small-scale test)", "实验室", "小试", "初期"),
     T("pilot", "中期阶段", "Middle stage (pilot test)", "中试", "中期"),
     T("mature", "成熟应用阶段", "Mature application", "成熟应用", "成熟"))

_add("trl", "技术就绪度", "Technology readiness level",
     T("1", "基本原理发现", "Basic principles observed"),
     T("2", "技术概念形成", "Technology concept formulated"),
     T("3", "实验验证", "Experimental proof of concept"),
     T("4", "实验室原型", "Laboratory prototype"),
     T("5", "相关环境验证", "Validated in relevant environment"),
     T("6", "相关环境中的系统/子系统验证", "System or subsystem demonstrated in relevant environment"),
     T("7", "实际环境中的原型验证", "Prototype demonstrated in operational environment"),
     T("8", "系统完成与认证", "System complete and qualified"),
     T("9", "实际应用", "Proven in operation"))

_add("evaluation_method", "评价方式", "Evaluation",
     T("appraisal", "鉴定", "Appraisal"),
     T("acceptance", "验收", "Acceptance"),
     T("industry_access", "行业准入", "Industry admission"),
     T("assessment", "评估", "Assessment"),
     T("patent", "专利", "Patent"))

_add("ip_type", "知识产权类型", "IP type",
     T("invention_patent", "发明专利", "Invention patent"),
     T("utility_model", "实用新型", "Utility model"),
     T("design", "外观设计", "Design"),
     T("software_copyright", "软件著作权", "Software copyright"),
     T("ic_layout", "集成电路布图设计", "IC layout design"),
     T("plant_variety", "植物新品种", "Plant variety"),
     T("new_drug", "新药证书", "New drug certificate"),
     T("trade_secret", "技术秘密", "Trade secret"),
     T("other", "其他", "Other"))

_add("transfer_mode", "转化方式", "Transfer mode",
     T("self_implementation", "自行投资实施", "Own investment"),
     T("transfer", "转让", "Assignment"),
     T("license", "许可", "Licence", "licensing"),
     T("cooperation", "合作实施", "Joint implementation"),
     T("equity", "作价投资", "Equity investment"),
     T("other", "其他", "Other"))

_add("price_mode", "意向价格方式", "Price",
     T("negotiable", "面议", "Negotiable"),
     T("fixed", "固定价格", "Fixed price"),
     T("range", "区间", "Price range"))

_add("patent_kind", "专利类型", "Patent type",
     T("invention", "发明", "Invention", "发明专利", "发明公布", "发明授权"),
     T("utility", "实用新型", "Utility model"),
     T("design", "外观设计", "Design"))

_add("legal_status", "法律状态", "Legal status",
     T("pending", "审中", "Pending", "实质审查", "公开"),
     T("in_force", "有效", "In force", "授权", "granted"),
     T("lapsed", "失效", "Lapsed", "未缴年费"),
     T("rejected", "驳回", "Rejected", "refused"),
     T("withdrawn", "撤回", "Withdrawn", "视为撤回", "abandoned"),
     T("expired", "期满", "Expired", "专利权届满"),
     T("invalidated", "无效", "Invalidated", "revoked", "全部无效"))

_add("licence_payment", "许可使用费支付方式", "Licence fee payment",
     T("lump_sum", "一次性付费", "Lump sum"),
     T("royalty", "提成支付", "Royalty"),
     T("entry_plus_royalty", "入门费附加提成", "Entry fee plus royalty"))

_add("instrument_class", "仪器分类", "Instrument class",
     T("analytical", "分析仪器", "Analytical instruments"),
     T("physical_testing", "物理性能测试仪器", "Physical property testing instruments"),
     T("metrology", "计量仪器", "Metrology instruments"),
     T("electronic_measurement", "电子测量仪器", "Electronic measuring instruments"),
     T("marine", "海洋仪器", "Marine instruments"),
     T("geophysical", "地球探测仪器", "Earth exploration instruments"),
     T("atmospheric", "大气探测仪器", "Atmospheric sounding instruments"),
     T("special_testing", "特种检测仪器", "Special testing instruments"),
     T("laser", "激光器", "Lasers"),
     T("process_testing", "工艺试验仪器", "Process test instruments"),
     T("computing", "计算机及其配套设备", "Computers and peripherals"),
     T("astronomical", "天文仪器", "Astronomical instruments"),
     T("medical_research", "医学科研仪器", "Medical research instruments"),
     T("nuclear", "核仪器", "Nuclear instruments"),
     T("other", "其他仪器", "Other instruments", "其他"))

_add("instrument_origin", "进口/国产", "Imported or domestic",
     T("imported", "进口", "Imported"),
     T("domestic", "国产", "Domestic"))

_add("instrument_funding", "经费来源", "Funding source",
     T("central", "中央财政", "Central government"),
     T("local", "地方财政", "Local government"),
     T("own", "单位自有", "Own funds"),
     T("other", "其他", "Other"))

_add("run_status", "运行状态", "Operating status",
     T("normal", "正常", "In service", "active"),
     T("repair", "维修", "Under repair"),
     T("idle", "闲置", "Idle", "inactive", "offline"),
     T("scrapped", "报废", "Scrapped", "retired"))

_add("service_mode", "服务方式", "Service mode",
     T("commissioned_testing", "委托测试", "Commissioned testing"),
     T("self_operation", "自主上机", "Self-operation"),
     T("collaborative_research", "合作研究", "Collaborative research"))

_add("record_status", "状态", "Status",
     T("draft", "草稿", "Draft"),
     T("submitted", "待审核", "Submitted for review"),
     T("in_review", "审核中", "In review"),
     T("published", "已发布", "Published"),
     T("rejected", "已退回", "Rejected"),
     T("withdrawn", "已撤回", "Withdrawn"))

_add("user_role", "角色", "Role",
     T("admin", "管理员（省科技厅）", "Administrator (provincial office)"),
     T("reviewer", "审核专家", "Reviewer / expert"),
     T("publisher", "单位发布者", "Institution publisher"),
     T("intermediary", "技术转移机构", "Technology-transfer intermediary"),
     T("investor", "投资者/企业", "Investor / company"))

_add("record_type", "类型", "Record type",
     T("achievement", "科技成果", "Achievement"),
     T("patent", "专利", "Patent"),
     T("instrument", "大型科研仪器", "Research instrument", "仪器"),
     T("institution", "机构", "Institution", "单位"),
     T("need", "技术需求", "Technology need", "需求"))

# what a company with a technology need wants (技术需求的合作方式)
_add("cooperation_mode", "合作方式", "Form of cooperation",
     T("transfer", "技术转让", "Assignment", "转让"),
     T("license", "专利许可", "Licence", "许可", "licensing"),
     T("joint_development", "合作开发", "Joint development", "联合开发"),
     T("commissioned", "委托研发", "Commissioned research", "委托开发"),
     T("equity", "技术入股", "Equity investment", "作价投资"),
     T("consulting", "技术咨询与服务", "Consulting and services", "技术服务"),
     T("other", "其他", "Other"))


# the annual selection (web/services/selection.py)
_add("selection_status", "遴选阶段", "Selection stage",
     T("nominating", "推荐提名", "Nominations open"),
     T("scoring", "专家评分", "Expert scoring"),
     T("closed", "评分结束", "Scoring closed"),
     T("published", "榜单已发布", "List published"))

_add("candidate_status", "候选状态", "Candidate status",
     T("nominated", "已推荐", "Nominated"),
     T("withdrawn", "已撤回", "Withdrawn"),
     T("ineligible", "不符合条件", "Ineligible"),
     T("excluded", "已排除", "Excluded"))

_add("selection_part", "预评分项", "Pre-score part",
     T("trl", "技术就绪度", "Technology readiness"),
     T("level", "成果水平", "Level"),
     T("ip", "知识产权", "Intellectual property"),
     T("transfer", "转化就绪", "Transfer readiness"),
     T("completeness", "信息完整度", "Completeness"))

_add("selection_rubric", "专家评分指标", "Expert rubric",
     T("innovation", "技术创新程度", "Innovation"),
     T("indicators", "技术经济指标先进程度", "Technical and economic indicators"),
     T("difficulty", "技术难度和复杂程度", "Difficulty and complexity"),
     T("maturity", "技术成熟度", "Maturity"),
     T("impact", "推动科技进步和市场竞争力", "Impact on progress and competitiveness"))


# attachments and tiered disclosure (web/disclosure.py, web/services/attachments.py)
_add("attachment_category", "附件类别", "Attachment category",
     T("evaluation_proof", "评价证明", "Evaluation certificate"),
     T("research_report", "研究报告", "Research report"),
     T("novelty_search", "查新报告", "Novelty search report"),
     T("test_report", "检测报告", "Test report"),
     T("user_proof", "用户证明", "User reference"),
     T("patent_certificate", "专利证书", "Patent certificate"),
     T("brochure", "介绍材料", "Brochure"),
     T("image", "图片", "Image"),
     T("other", "其他", "Other"))

_add("access_status", "申请状态", "Request status",
     T("pending", "待处理", "Pending"),
     T("approved", "已批准", "Approved"),
     T("rejected", "已拒绝", "Rejected"))

_add("disclosure_kind", "披露内容", "Disclosed",
     T("contact", "联系方式", "Contact details"),
     T("description", "完整介绍", "Full description"),
     T("attachment", "保密附件", "Confidential file"))

_add("disclosure_channel", "途径", "Channel",
     T("page", "记录页面", "Record page"),
     T("api", "API", "API"),
     T("file", "文件下载", "File download"))

def as_dict() -> dict[str, dict]:
    return {
        name: {"zh": v.zh, "en": v.en, "terms": [{"code": t.code, "zh": t.zh, "en": t.en, "aliases": list(t.aliases)} for t in v.terms]}
        for name, v in _BUILTIN.items()
    }


@cache
def _load() -> dict[str, Vocabulary]:
    vocabs = dict(_BUILTIN)
    path = os.environ.get("TT_VOCABULARIES_FILE")
    if path:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        for name, spec in data.items():
            vocabs[name] = Vocabulary(name, spec.get("zh", name), spec.get("en", name), [
                Term(str(t["code"]), t["zh"], t["en"], tuple(t.get("aliases", ()))) for t in spec["terms"]
            ])
    return vocabs


def get(name: str) -> Vocabulary:
    return _load()[name]


def names() -> list[str]:
    return sorted(_load())
