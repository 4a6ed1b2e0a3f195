"""Import templates people fill in: CSV (UTF-8 with BOM, so Excel shows the Chinese) and XLSX.

The XLSX template has, on its first sheet, the Chinese headers in row 1 (``*`` marks required
columns, money headers say 万元; each header cell has a comment with the English header, the field
name and the format), the field names in row 2 (the readers recognise and skip this row), and
drop-down lists on the vocabulary, yes/no and TRL columns; data starts in row 3. The sheet
"说明 Guide" (a "/" is not allowed in sheet names) shows one example record under the same headers
and explains every column: required or not, format, allowed values; the readers skip it.

The example is never on the data sheet: people fill rows below whatever a template holds, and an
example there was imported as a real record. Templates made before carry it in row 3; the readers
leave such a row out when it is unchanged (:mod:`ingest.template_example`). The CSV template is
the header row alone (``example=True`` adds the example row, which the reader leaves out too).

Both templates are built from :mod:`ingest.columns`, so whatever a template says the readers
read: :func:`example_row` under :func:`template_headers` loads through the schema without errors.
"""
from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from web import vocabularies

from .columns import Column, column_set, columns

GUIDE_SHEET = "说明 Guide"
LISTS_SHEET = "_lists"
DATA_ROWS = 5000  # rows that get the drop-down lists

# example values: codes for vocabularies, CNY for money, dates as dates
EXAMPLES: dict[str, dict[str, Any]] = {
    "achievement": {
        "title": "高性能碳纤维复合材料热压成型技术",
        "title_en": "Hot-press moulding of high-performance carbon fibre composites",
        "registration_no": "220202300123",
        "achievement_type": "applied",
        "institutions": ["吉林大学", "中国科学院长春应用化学研究所"],
        "people": ["张明", "李华", "王芳"],
        "keywords": ["碳纤维", "复合材料", "热压成型"],
        "summary": "针对碳纤维复合材料构件成型周期长、孔隙率高的问题，开发了快速热压成型工艺，构件孔隙率低于1%，成型周期缩短40%。",
        "innovations": ["提出梯度升温热压工艺", "研制专用脱模体系"],
        "field": "carbon_fiber",
        "industry": "C28",
        "discipline": "材料科学",
        "form": "new_process",
        "origin": "original",
        "level": "domestic_leading",
        "stage": "pilot",
        "trl": 6,
        "evaluation.method": "assessment",
        "evaluation.org": "吉林省科技成果评价中心（示例）",
        "evaluation.date": date(2023, 6, 30),
        "funding_source": "吉林省科技发展计划",
        "programme": "吉林省重点研发项目",
        "grant_no": "20230201001GX",
        "research_start": "2021-01",
        "research_end": "2023-06",
        "registered_at": date(2023, 9, 15),
        "ip": [("invention_patent", "ZL202310123456.7"), ("software_copyright", "2021SR012345")],
        "transfer_modes": ["transfer", "license"],
        "price.mode": "fixed",
        "price.amount": 500_000,
        "price.amount_max": None,
        "application_status": "已在两家企业完成中试",
        "transferred": False,
        "transfer_amount": None,
        "contact.name": "张老师",
        "contact.phone": "0431-85166666",
        "contact.email": "tt@example.com",
    },
    "patent": {
        "application_no": "202310123456.7",
        "filed_at": date(2023, 2, 10),
        "publication_no": "CN116123456A",
        "publication_date": date(2023, 5, 12),
        "grant_no": "CN116123456B",
        "granted_at": date(2024, 3, 1),
        "kind": "invention",
        "title": "一种碳纤维复合材料的制备方法",
        "title_en": "Method for preparing a carbon fibre composite",
        "abstract": "本发明公开了一种碳纤维复合材料的制备方法，包括预浸、铺层和梯度升温热压步骤。",
        "first_claim": "1. 一种碳纤维复合材料的制备方法，其特征在于，包括以下步骤：……",
        "keywords": ["碳纤维", "复合材料"],
        "applicants": ["吉林大学"],
        "inventors": ["张明", "李华"],
        "owners": ["吉林大学"],
        "applicant_address": "吉林省长春市前进大街2699号",
        "province_code": "22",
        "city": "changchun",
        "field": "new_materials",
        "ipc_main": "C08J5/04",
        "ipc": ["C08J5/04", "C08K7/06"],
        "cpc": None,
        "agency": "长春示例专利代理事务所",
        "agent": "王强",
        "priority": None,
        "legal_status": "in_force",
        "transfers": 0,
        "licences": 1,
        "pledges": 0,
        "open_licence.declared_at": date(2024, 1, 15),
        "open_licence.payment": "royalty",
        "open_licence.fee": None,
        "open_licence.royalty_rate": 3,
        "open_licence.terms": "按净销售额的3%提成",
        "open_licence.term": "5年",
        "open_licence.withdrawn_at": None,
        "family": None,
        "citations": 2,
    },
    "instrument": {
        "name": "场发射扫描电子显微镜",
        "name_en": "Field emission scanning electron microscope",
        "asset_no": "JLU-2019-0001",
        "class_code": "03040702",
        "instrument_class": "analytical",
        "model": "JSM-7900F",
        "manufacturer": "日本电子株式会社",
        "country": "日本",
        "origin": "imported",
        "specs": "二次电子像分辨率 0.6 nm（15 kV）；放大倍数 25-1,000,000",
        "functions": "材料表面形貌观察与微区成分分析",
        "research_areas": ["材料科学", "地质", "生命科学"],
        "accessories": "能谱仪（EDS）",
        "value": 3_500_000,
        "purchased_at": date(2019, 5, 20),
        "commissioned_at": date(2019, 7, 1),
        "funding": "central",
        "institution": "吉林大学",
        "lab": "分析测试中心",
        "address": "长春市前进大街2699号",
        "city": "changchun",
        "run_status": "normal",
        "shared": True,
        "open_hours": "工作日 8:30-17:00",
        "fees": "每小时300元",
        "service_modes": ["commissioned_testing", "self_operation"],
        "external_hours_per_year": 1200,
        "external_income_per_year": 360_000,
        "stats_year": 2023,
        "contact.name": "刘老师",
        "contact.phone": "0431-85167777",
        "contact.email": "sem@example.com",
        "images": None,
    },
    "institution": {
        "name": "长春示例新材料科技有限公司",
        "name_en": "Changchun Example New Materials Co., Ltd.",
        "aliases": ["示例新材"],
        "type": "enterprise",
        "city": "changchun",
        "credit_code": "91220101MA0000000X",
        "address": "吉林省长春市高新区示例路1号",
        "description": "从事碳纤维复合材料研发与生产的高新技术企业。",
        "website": "https://www.example.com",
        "contact_name": "赵经理",
        "contact_phone": "0431-85168888",
        "contact_email": "info@example.com",
    },
}


def template_columns(record_type: str) -> list[Column]:
    return [c for c in columns(record_type) if c.template]


def _required(record_type: str, col: Column) -> bool:
    return col.path in column_set(record_type).required_paths


def template_headers(record_type: str, locale: str = "zh") -> list[str]:
    return [c.header_text(locale, _required(record_type, c)) for c in template_columns(record_type)]


def _sep(locale: str) -> str:
    return "; " if locale.startswith("en") else "；"


def _label(vocab: str, code: str, locale: str) -> str:
    return vocabularies.get(vocab).label(code, "en" if locale.startswith("en") else "zh")


def example_value(record_type: str, col: Column, locale: str = "zh", native: bool = False) -> Any:
    """The example of one column as a person would type it under that column's template header
    (labels in the locale, money in 万元 under a 万元 header); ``native`` keeps numbers and dates
    as such (XLSX cells), else text (CSV)."""
    value = EXAMPLES[record_type].get(col.path)
    if value is None:
        return None if native else ""
    en = locale.startswith("en")
    if col.kind == "vocab":
        out: Any = _label(col.vocabulary, value, locale)
    elif col.kind == "vocab_list":
        out = _sep(locale).join(_label(col.vocabulary, v, locale) for v in value)
    elif col.kind == "ip":
        out = _sep(locale).join(f"{_label('ip_type', t, locale)}:{n}" for t, n in value)
    elif isinstance(value, list):
        out = ("\n" if col.kind == "lines" else _sep(locale)).join(value)
    elif col.kind == "bool":
        out = ("Yes" if value else "No") if en else ("是" if value else "否")
    elif col.kind == "money":
        out = value if en else value / col.multiplier
        if isinstance(out, float) and out.is_integer():
            out = int(out)
    else:
        out = value
    if native:
        return out
    return out.isoformat() if isinstance(out, date) else str(out)


def example_row(record_type: str, locale: str = "zh", native: bool = False) -> list[Any]:
    return [example_value(record_type, c, locale, native) for c in template_columns(record_type)]


def template_csv(record_type: str, locale: str = "zh", example: bool = False) -> bytes:
    """The header row (Chinese, or English with ``locale="en"``), optionally with the example
    row, as UTF-8 with BOM."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(template_headers(record_type, locale))
    if example:
        writer.writerow(example_row(record_type, locale))
    return buf.getvalue().encode("utf-8-sig")


# -- the column guide ----------------------------------------------------------------------------

_KIND_FORMAT = {
    "text": ("文本", "text"),
    "multiline": ("文本，可换行", "text, line breaks allowed"),
    "phone": ("电话号码", "phone number"),
    "email": ("电子邮箱", "e-mail address"),
    "list": ("多个值用；、或换行分隔", "several values separated by ; or line breaks"),
    "lines": ("每行一条", "one item per line"),
    "urls": ("网址，多个用；或换行分隔", "URLs separated by ; or line breaks"),
    "vocab": ("从下拉列表选择", "pick from the list"),
    "vocab_list": ("可多选，用；分隔", "one or more, separated by ;"),
    "money": ("金额", "amount"),
    "number": ("数字", "number"),
    "int": ("整数", "whole number"),
    "trl": ("1-9 的整数", "a whole number 1 to 9"),
    "date": ("日期 YYYY-MM-DD", "date YYYY-MM-DD"),
    "month": ("年月 YYYY-MM", "year and month YYYY-MM"),
    "bool": ("是/否", "yes/no"),
    "ip": ("类型:号码，多项用；分隔", "type:number, several separated by ;"),
    "priority": ("号码 日期，多项用；分隔", "number date, several separated by ;"),
}


def column_format(record_type: str, col: Column) -> tuple[str, str]:
    zh, en = _KIND_FORMAT.get(col.kind, _KIND_FORMAT["text"])
    if col.kind == "money":
        if col.unit:
            zh = f"数字，单位{col.unit}（也可写“50万”“500000元”）"
            en = "number in 10,000 CNY under the Chinese header, in CNY under the English one (\"50万\" also works)"
        else:
            zh, en = "金额（元）", "amount in CNY"
    if col.vocabulary:
        vocab = vocabularies.get(col.vocabulary)
        zh += "：" + vocab.choices_text("zh")
        en += ": " + vocab.choices_text("en")
    if col.kind == "trl":
        vocab = vocabularies.get("trl")
        zh += "：" + "；".join(f"{t.code} {t.zh}" for t in vocab)
        en += ": " + "; ".join(f"{t.code} {t.en}" for t in vocab)
    if col.note_zh:
        zh += "。" + col.note_zh
    if col.note_en:
        en += ". " + col.note_en
    return zh, en


def _required_text(record_type: str, col: Column) -> str:
    if _required(record_type, col):
        return "必填 / required"
    for group in column_set(record_type).required:
        if len(group) > 1 and col.path in group:
            names = "或".join(column_set(record_type).by_path[p].zh for p in group)
            return f"{names}至少填一个 / one of these is required"
    return "选填 / optional"


def guide_rows(record_type: str) -> list[list[str]]:
    rows = []
    for col in template_columns(record_type):
        fzh, fen = column_format(record_type, col)
        rows.append([col.header_text("zh"), col.header_text("en"), col.path, _required_text(record_type, col), f"{fzh}\n{fen}",
                     str(example_value(record_type, col, "zh"))])
    return rows


# -- XLSX --------------------------------------------------------------------------------------

def _choices(col: Column) -> list[str]:
    if col.kind in ("vocab", "vocab_list"):
        return [t.zh for t in vocabularies.get(col.vocabulary)]
    if col.kind == "bool":
        return ["是", "否"]
    if col.kind == "trl":
        return [str(i) for i in range(1, 10)]
    return []


def _example_cell(cell, col: Column, value: Any) -> None:
    from openpyxl.styles import Alignment

    if isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    elif col.kind in ("text", "phone") and isinstance(value, str):
        cell.number_format = "@"
    if col.kind in ("multiline", "lines"):
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _example_block(guide, record_type: str, top: int, header_fill) -> int:
    """The example record under the data sheet's headers, on the guide sheet (which the readers
    skip): people see how to fill a row, and the example can never be imported as data.
    Returns the last row used."""
    from openpyxl.styles import Font

    guide.cell(row=top, column=1, value="示例（仅供参考，不会被导入） / Example (for reference only; never imported)").font = Font(bold=True)
    for i, col in enumerate(template_columns(record_type), 1):
        head = guide.cell(row=top + 1, column=i, value=col.header_text("zh", _required(record_type, col)))
        head.font, head.fill = Font(bold=True), header_fill
        value = example_value(record_type, col, "zh", native=True)
        _example_cell(guide.cell(row=top + 2, column=i, value=value), col, value)
    return top + 2


def template_xlsx(record_type: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    cols = template_columns(record_type)
    wb = Workbook()
    ws = wb.active
    ws.title = {"achievement": "科技成果", "patent": "专利", "instrument": "大型科研仪器", "institution": "机构"}[record_type]
    lists = None

    required_fill = PatternFill("solid", fgColor="FCE4D6")
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for i, col in enumerate(cols, 1):
        letter = get_column_letter(i)
        required = _required(record_type, col)
        cell = ws.cell(row=1, column=i, value=col.header_text("zh", required))
        cell.font = Font(bold=True, color="C00000" if required else "000000")
        cell.fill = required_fill if required else header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        fzh, fen = column_format(record_type, col)
        comment = Comment(f"{col.header_text('en', required)}\n字段 field: {col.path}\n{_required_text(record_type, col)}\n{fzh}\n{fen}", "template")
        comment.width, comment.height = 320, 200
        cell.comment = comment
        sub = ws.cell(row=2, column=i, value=col.path)
        sub.font = Font(italic=True, color="808080", size=9)
        ws.column_dimensions[letter].width = max(12, min(40, len(col.header_text("zh")) * 2 + 4))
        choices = _choices(col)
        if choices:
            inline = ",".join(choices)
            if len(inline) <= 250 and not any("," in c for c in choices):
                formula = f'"{inline}"'
            else:
                if lists is None:
                    lists = wb.create_sheet(LISTS_SHEET)
                    lists.sheet_state = "hidden"
                lc = lists.max_column + 1 if lists.max_row > 1 or lists["A1"].value else 1
                lists.cell(row=1, column=lc, value=f"list:{col.path}")
                for r, choice in enumerate(choices, 2):
                    lists.cell(row=r, column=lc, value=choice)
                ll = get_column_letter(lc)
                formula = f"'{LISTS_SHEET}'!${ll}$2:${ll}${len(choices) + 1}"
            multi = col.kind == "vocab_list"
            dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=not multi,
                                errorStyle="warning", errorTitle="取值 / value",
                                error="请从列表中选择 / pick a value from the list",
                                promptTitle=col.header_text("zh")[:32], prompt=("可多选，用；分隔 / several allowed, separated by ;" if multi else "从列表选择 / pick from the list"),
                                showInputMessage=True)
            dv.add(f"{letter}3:{letter}{DATA_ROWS}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A3"
    ws.row_dimensions[1].height = 30

    guide = wb.create_sheet(GUIDE_SHEET, 1)
    kind_zh, kind_en = {"achievement": ("科技成果", "achievements"), "patent": ("专利", "patents"),
                        "instrument": ("大型科研仪器", "research instruments"), "institution": ("机构", "institutions")}[record_type]
    intro = [
        f"{kind_zh}导入模板 / Import template for {kind_en}",
        "第1行为中文表头（带 * 为必填），第2行为英文字段名，请勿修改；从第3行起每行一条记录。填写示例在本页下方，只供参考，不会被导入。",
        "Row 1 holds the Chinese headers (* = required), row 2 the field names: keep both. One record per row from row 3. The example below is for reference only and is never imported.",
        "多个值用“；”分隔；日期写作 YYYY-MM-DD；表头写“万元”的金额列按万元填写（也可直接写“50万”）；未识别的列会被忽略并提示。",
        "Separate several values with ';'; dates as YYYY-MM-DD; money columns whose header says 万元 are in 10,000 CNY (\"50万\" also works); unknown columns are ignored and reported.",
    ]
    for r, text in enumerate(intro, 1):
        guide.cell(row=r, column=1, value=text).font = Font(bold=(r == 1), size=12 if r == 1 else 10)
    top = _example_block(guide, record_type, len(intro) + 2, header_fill) + 2
    heads = ["列名 Column", "英文表头 English header", "字段 Field", "是否必填 Required", "格式与可选值 Format and allowed values", "示例 Example"]
    for i, h in enumerate(heads, 1):
        c = guide.cell(row=top, column=i, value=h)
        c.font = Font(bold=True)
        c.fill = header_fill
    for r, row in enumerate(guide_rows(record_type), top + 1):
        for i, value in enumerate(row, 1):
            guide.cell(row=r, column=i, value=value).alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDEF", (22, 26, 24, 22, 70, 36)):
        guide.column_dimensions[letter].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
