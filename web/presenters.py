"""Record pages: which fields a reader sees, in which order, with labels in their language.

Display only (the API's shape is the schemas'): codes become vocabulary labels, dates and
money are formatted for the locale, empty fields are left out."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from . import normalize, vocabularies
from .i18n import day, lang, money, number


@dataclass
class Row:
    label: str
    value: Any  # str, list[str] or list[tuple[text, url]]
    kind: str = "text"  # text | list | links | long


def _v(vocab: str, code: Any) -> str:
    return vocabularies.get(vocab).label(str(code), lang()) if code not in (None, "") else ""


def _vs(vocab: str, codes: list[str] | None) -> list[str]:
    return [_v(vocab, c) for c in codes or []]


def _yes(flag: Any) -> str:
    return (_("是") if flag else _("否")) if flag is not None else ""


def rows(items: list[Row]) -> list[Row]:
    return [r for r in items if r.value not in (None, "", [], {})]


def achievement_rows(d: dict[str, Any]) -> list[Row]:
    price = d.get("price") or {}
    if price.get("mode") == "range":
        price_text = f"{money(price.get('amount'))} – {money(price.get('amount_max'))}"
    elif price.get("mode") == "fixed":
        price_text = money(price.get("amount"))
    else:
        price_text = money(None)
    evaluation = d.get("evaluation") or {}
    eval_text = "；".join(x for x in (_v("evaluation_method", evaluation.get("method")), evaluation.get("org") or "", day(evaluation.get("date"))) if x)
    period = "–".join(x for x in (d.get("research_start"), d.get("research_end")) if x)
    trl = d.get("trl")
    return rows([
        Row(_("登记号"), d.get("registration_no")),
        Row(_("成果类型"), _v("achievement_type", d.get("achievement_type"))),
        Row(_("技术领域"), _v("tech_field", d.get("field"))),
        Row(_("关键词"), d.get("keywords"), "list"),
        Row(_("成果简介"), d.get("summary"), "long"),
        Row(_("主要创新点"), d.get("innovations"), "list"),
        Row(_("主要完成人"), d.get("people"), "list"),
        Row(_("技术就绪度"), f"TRL {trl} · {_v('trl', trl)}" if trl else ""),
        Row(_("成果水平"), _v("achievement_level", d.get("level"))),
        Row(_("成果所处阶段"), _v("achievement_stage", d.get("stage"))),
        Row(_("成果体现形式"), _v("achievement_form", d.get("form"))),
        Row(_("成果属性"), _v("achievement_origin", d.get("origin"))),
        Row(_("评价"), eval_text),
        Row(_("转化方式"), _vs("transfer_mode", d.get("transfer_modes")), "list"),
        Row(_("意向价格"), price_text),
        Row(_("是否已转化"), _yes(d.get("transferred"))),
        Row(_("转化金额"), money(d.get("transfer_amount"), negotiable=False) if d.get("transfer_amount") else ""),
        Row(_("应用状态"), d.get("application_status")),
        Row(_("任务来源"), d.get("funding_source")),
        Row(_("计划名称和编号"), " ".join(x for x in (d.get("programme"), d.get("grant_no")) if x)),
        Row(_("研究起止"), period),
        Row(_("登记日期"), day(d.get("registered_at"))),
        Row(_("所属行业"), d.get("industry")),
        Row(_("学科分类"), d.get("discipline")),
        Row(_("知识产权"), [f"{_v('ip_type', i.get('type'))} {i.get('number')}" for i in d.get("ip") or []], "list"),
        Row(_("联系人"), _contact(d.get("contact"))),
    ])


def patent_rows(d: dict[str, Any]) -> list[Row]:
    ol = d.get("open_licence") or {}
    licence = ""
    if ol.get("declared_at") and not ol.get("withdrawn_at"):
        parts = [_("声明日") + " " + day(ol.get("declared_at")), _v("licence_payment", ol.get("payment"))]
        if ol.get("fee"):
            parts.append(_("许可费") + " " + money(ol.get("fee")))
        if ol.get("royalty_rate"):
            parts.append(_("提成") + f" {number(ol.get('royalty_rate'))}%")
        if ol.get("term"):
            parts.append(ol["term"])
        licence = "；".join(p for p in parts if p)
    return rows([
        Row(_("申请号"), d.get("application_no")),
        Row(_("专利号"), f"ZL{d['application_no']}" if d.get("application_no") and d["application_no"][:1].isdigit() else ""),
        Row(_("公开号"), d.get("publication_no")),
        Row(_("授权公告号"), d.get("grant_no")),
        Row(_("专利类型"), _v("patent_kind", d.get("kind"))),
        Row(_("法律状态"), _v("legal_status", d.get("legal_status"))),
        Row(_("开放许可"), licence),
        Row(_("许可条件"), ol.get("terms") if licence else ""),
        Row(_("申请日"), day(d.get("filed_at"))),
        Row(_("公开日"), day(d.get("publication_date"))),
        Row(_("授权日"), day(d.get("granted_at"))),
        Row(_("摘要"), d.get("abstract"), "long"),
        Row(_("关键词"), d.get("keywords"), "list"),
        Row(_("主权项"), d.get("first_claim"), "long"),
        Row(_("发明人"), d.get("inventors"), "list"),
        Row(_("当前权利人"), d.get("owners"), "list"),
        Row(_("主分类号"), d.get("ipc_main")),
        Row(_("分类号"), d.get("ipc"), "list"),
        Row(_("技术领域"), _v("tech_field", d.get("field"))),
        Row(_("代理机构"), " ".join(x for x in (d.get("agency"), d.get("agent")) if x)),
        Row(_("优先权"), [" ".join(x for x in (p.get("country"), p.get("number"), p.get("date")) if x) for p in d.get("priority") or []], "list"),
        Row(_("转让/许可/质押"), f"{d.get('transfers') or 0} / {d.get('licences') or 0} / {d.get('pledges') or 0}"
            if any(d.get(k) for k in ("transfers", "licences", "pledges")) else ""),
        Row(_("法律事件"), [" ".join(x for x in (e.get("date"), e.get("description")) if x) for e in d.get("legal_events") or []], "list"),
    ])


def _contact(contact: dict[str, Any] | None) -> str:
    """Name, phone and e-mail on one line (members only: web/disclosure.py)."""
    contact = contact or {}
    return " ".join(x for x in (contact.get("name"), contact.get("phone"), contact.get("email")) if x)


def _instrument_class(d: dict[str, Any]) -> str:
    """仪器分类 and its code: 质谱仪（030401）; a class outside the vocabulary (a vendor's, such
    as BrukerFTMS) is kept only as the code, so the code alone is shown then."""
    label, code = _v("instrument_class", d.get("instrument_class")), d.get("class_code") or ""
    if label and code:
        return f"{label}（{code}）" if lang() == "zh" else f"{label} ({code})"
    return label or code


def instrument_rows(d: dict[str, Any]) -> list[Row]:
    return rows([
        Row(_("仪器编号"), d.get("asset_no")),
        Row(_("仪器分类"), _instrument_class(d)),
        Row(_("规格型号"), d.get("model")),
        Row(_("生产厂商"), " ".join(x for x in (d.get("manufacturer"), f"（{d['country']}）" if d.get("country") else "") if x)),
        Row(_("进口/国产"), _v("instrument_origin", d.get("origin"))),
        Row(_("仪器原值"), money(d.get("value"), negotiable=False) if d.get("value") else ""),
        Row(_("是否共享"), _yes(d.get("shared"))),
        Row(_("运行状态"), _v("run_status", d.get("run_status"))),
        Row(_("服务方式"), _vs("service_mode", d.get("service_modes")), "list"),
        Row(_("主要功能"), d.get("functions"), "long"),
        Row(_("主要技术指标"), d.get("specs"), "long"),
        Row(_("主要附件"), d.get("accessories"), "long"),
        Row(_("主要测试和研究领域"), d.get("research_areas"), "list"),
        Row(_("开放机时"), d.get("open_hours")),
        Row(_("参考收费标准"), d.get("fees"), "long"),
        Row(_("实验室"), d.get("lab")),
        Row(_("安放地址"), d.get("address")),
        Row(_("所在地市"), _v("city", d.get("city"))),
        Row(_("购置日期"), day(d.get("purchased_at"))),
        Row(_("启用日期"), day(d.get("commissioned_at"))),
        Row(_("经费来源"), _v("instrument_funding", d.get("funding"))),
        Row(_("年开放机时"), number(d.get("annual_open_hours"))),
        Row(_("年对外服务机时"), number(d.get("external_hours_per_year"))),
        Row(_("联系人"), _contact(d.get("contact"))),
    ])


def institution_rows(d: dict[str, Any]) -> list[Row]:
    return rows([
        Row(_("英文名称"), d.get("name_en")),
        Row(_("别名"), d.get("aliases"), "list"),
        Row(_("单位类型"), _v("institution_type", d.get("type"))),
        Row(_("所在地市"), _v("city", d.get("city"))),
        Row(_("统一社会信用代码"), d.get("credit_code")),
        Row(_("地址"), d.get("address")),
        Row(_("简介"), d.get("description"), "long"),
        Row(_("网站"), d.get("website")),
        Row(_("联系人"), _contact({"name": d.get("contact_name"), "phone": d.get("contact_phone"), "email": d.get("contact_email")})),
    ])


def need_rows(d: dict[str, Any]) -> list[Row]:
    low, high = d.get("budget_min"), d.get("budget_max")
    budget = "–".join(money(v, negotiable=False) for v in (low, high) if v is not None) if (low or high) else _("面议")
    return rows([
        Row(_("需求单位"), d.get("organisation")),
        Row(_("需求描述"), d.get("description"), "long"),
        Row(_("关键词"), d.get("keywords"), "list"),
        Row(_("技术领域"), _v("tech_field", d.get("field"))),
        Row(_("所属行业"), d.get("industry")),
        Row(_("所在地市"), _v("city", d.get("city"))),
        Row(_("预算"), budget),
        Row(_("合作方式"), _vs("cooperation_mode", d.get("cooperation_modes")), "list"),
        Row(_("截止日期"), day(d.get("deadline")) if d.get("deadline") else _("长期有效")),
        Row(_("联系人"), _contact(d.get("contact"))),
    ])


ROWS = {"achievement": achievement_rows, "patent": patent_rows, "instrument": instrument_rows, "institution": institution_rows,
        "need": need_rows}


def title_of(d: dict[str, Any]) -> str:
    return d.get("title") or d.get("name") or ""


def english_title_of(d: dict[str, Any]) -> str:
    return d.get("title_en") or d.get("name_en") or ""


def patent_numbers(ip_items: list[dict[str, Any]]) -> list[str]:
    """The patent numbers an achievement quotes, as normalised application numbers."""
    out = []
    for item in ip_items or []:
        number = normalize.application_number(item.get("number"))
        if number:
            out.append(number)
    return out
