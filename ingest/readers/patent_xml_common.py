"""Shared helpers of the patent XML mappers (``patent_xml_*``): element and text access with
namespaces removed, dates, numbers, IPC/CPC symbols, names, kinds and legal status, and the
final clean-up that fits a record to :class:`web.schemas.patent.PatentSchema`'s input shape.

Every mapper works on a tree whose tags have had their namespaces removed
(:func:`strip_namespaces`), so paths are plain local names ("BibliographicData/InventionTitle").
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Iterable

from lxml import etree

from web import normalize

# -- tree access -------------------------------------------------------------------------------


def strip_namespaces(root) -> None:
    """``{ns}Name`` -> ``Name`` for every element and attribute (namespaces carry nothing the
    mappers need once the format is known, and plain names keep the paths readable)."""
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag.startswith("{"):
            el.tag = el.tag.split("}", 1)[1]
        for key in [k for k in el.attrib if k.startswith("{")]:
            value = el.attrib.pop(key)
            plain = key.split("}", 1)[1]
            if plain not in el.attrib:
                el.attrib[plain] = value
    etree.cleanup_namespaces(root)


def lname(el) -> str:
    tag = el.tag
    return tag if isinstance(tag, str) else ""


def txt(el) -> str | None:
    """All text of an element, white space collapsed; None when empty."""
    if el is None:
        return None
    text = normalize.clean_text("".join(el.itertext()))
    return text or None


def first_text(el, *paths: str) -> str | None:
    """Text of the first of ``paths`` (relative to ``el``) that has any."""
    if el is None:
        return None
    for path in paths:
        for found in el.findall(path):
            value = txt(found)
            if value:
                return value
    return None


def texts(el, path: str) -> list[str]:
    if el is None:
        return []
    return [v for v in (txt(e) for e in el.findall(path)) if v]


# block-level elements start a new line in multi-line text (claims, abstracts)
_BLOCK = {
    "p", "paragraphs", "claim-text", "claimtext", "ptext", "para", "clmstep", "heading", "li", "row",
    "tr", "br", "table", "tables", "tabledetails", "dl", "dt", "dd", "ul", "ol", "btext",
}
# elements whose content is never text (pictures, numbering metadata)
_SKIP = {
    "img", "image", "figure", "figures", "abstractfigure", "drawings", "claimnumber", "claimtypecategory",
    "math", "maths", "chemistry", "chem", "colspec", "instruction", "processing-instruction",
}


# a line break in the source text is a wrap of the printed line: between Chinese characters it
# disappears, elsewhere it is a space
_SOURCE_BREAK = re.compile(r"[\r\n]")
_CJK = "\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_WRAP = re.compile(rf"(?<=[{_CJK}])[ \t\x00]*\x00[ \t\x00]*(?=[{_CJK}])")


def block_text(el, skip: Iterable[str] = (), inline: Iterable[str] = ()) -> str | None:
    """Text with one line per paragraph / claim element, white space normalised inside each line
    (the ``multiline`` form of the schema's Str). ``inline`` names block elements to treat as
    running text (the old CNIPA schema's ``<br/>`` only marks where the printed line wrapped)."""
    if el is None:
        return None
    skip_set = _SKIP | {s.lower() for s in skip}
    inline_set = {s.lower() for s in inline}
    parts: list[str] = []

    def walk(e, top: bool) -> None:
        tag = lname(e).lower()
        if tag and tag not in skip_set:
            block = tag in _BLOCK and tag not in inline_set and not top
            if block:
                parts.append("\n")
            if e.text:
                parts.append(_SOURCE_BREAK.sub("\x00", e.text))
            for child in e:
                walk(child, False)
            if block:
                parts.append("\n")
        if not top and e.tail:
            parts.append(_SOURCE_BREAK.sub("\x00", e.tail))

    walk(el, True)
    text = _CJK_WRAP.sub("", "".join(parts)).replace("\x00", " ")
    lines = [normalize.clean_text(line) for line in text.split("\n")]
    text = "\n".join(line for line in lines if line)
    return text or None


# -- values ------------------------------------------------------------------------------------


def iso_date(value: str | None) -> str | None:
    """``20211210`` / ``2021-12-10`` / ``2021/12/10`` -> ``2021-12-10``; None for empty,
    all-zero or impossible dates."""
    if not value:
        return None
    digits = re.sub(r"\D", "", value)
    if len(digits) != 8 or not digits.strip("0"):
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:])).isoformat()
    except ValueError:
        return None


def clean_number(value: str | None) -> str | None:
    return normalize.clean_text(value).replace(" ", "") or None if value else None


def us_doc_number(number: str) -> str:
    """USPTO pads grant numbers to 8 characters (``06857133``, ``D0452599``); the usual form
    drops the padding (``6857133``, ``D452599``). Pre-grant publication numbers (11 digits)
    are kept."""
    m = re.fullmatch(r"([A-Z]{0,2})0*(\d+)", number)
    if m and len(number) <= 8:
        return m.group(1) + m.group(2)
    return number


def publication_number(country: str | None, number: str | None, kind: str | None) -> str | None:
    """Country + number + kind, e.g. ``CN104223352A``, ``US6857133B2``, ``WO2021173713``."""
    number = clean_number(number)
    if not number:
        return None
    number = number.upper().replace("/", "").replace(",", "")
    country = (country or "").strip().upper()
    if number[:2].isalpha() and number[:2] == country:
        number = number[2:]
    if country == "US":
        number = us_doc_number(number)
    return f"{country}{number}{(kind or '').strip().upper()}" or None


def application_number(country: str | None, number: str | None) -> str | None:
    """As printed; foreign numbers get their country code so that the schema's normaliser keeps
    them apart from Chinese ones (``US16232658``, ``EP05255002.7``); Chinese ones stay bare."""
    number = clean_number(number)
    if not number:
        return None
    country = (country or "").strip().upper()
    if not country or country == "CN" or number.upper().startswith(country) or number.upper().startswith("PCT"):
        return number
    return f"{country}{number}"


# -- classification ----------------------------------------------------------------------------

_IPC_TEXT = re.compile(r"([A-H])\s*(\d{2})\s*([A-Z])\s*(\d{1,4})\s*/\s*(\d{1,6})")


def ipc_symbol(section: str | None, cls: str | None, subclass: str | None, group: str | None, subgroup: str | None) -> str | None:
    """``A``, ``01``, ``B``, ``1``, ``24`` -> ``A01B 1/24`` (also for CPC)."""
    parts = [normalize.clean_text(p) for p in (section, cls, subclass, group, subgroup)]
    if not all(parts):
        return None
    s, c, sc, g, sg = parts
    symbol = f"{s}{c.zfill(2)}{sc} {g.lstrip('0') or '0'}/{sg}"
    return symbol if re.fullmatch(r"[A-H]\d{2}[A-Z] \d{1,4}/\d{1,6}", symbol) else None


def ipc_from_text(value: str | None) -> str | None:
    """The first IPC/CPC symbol in a text: ``G09G    3/36    (2006.01)``, ``H04N   1/40  20060101AFI…``,
    ``E21B  47/  0228  A I``, ``A41D013/00`` -> ``G09G 3/36`` …"""
    if not value:
        return None
    m = _IPC_TEXT.search(normalize.clean_text(value).upper())
    if not m:
        return None
    return ipc_symbol(*m.groups())


def ipc_list_from_text(value: str | None) -> list[str]:
    """Every symbol in a text such as ``A47K5/12, A47K5/122, B05B9/00``."""
    if not value:
        return []
    return [s for s in (ipc_symbol(*m.groups()) for m in _IPC_TEXT.finditer(normalize.clean_text(value).upper())) if s]


def ipc_from_st32(value: str | None) -> str | None:
    """USPTO grant XML 2.5 (ST.32) ``B511``: subclass, main group right-aligned in three
    characters, subgroup (``A47L  514`` -> ``A47L 5/14``, ``G06F 1516`` -> ``G06F 15/16``).
    Design patents carry a Locarno class there (``1402``): None."""
    if not value:
        return None
    value = value.strip().upper()
    if "/" in value:
        return ipc_from_text(value)
    m = re.fullmatch(r"([A-H])(\d{2})([A-Z])(.*)", value)
    if not m:
        return None
    rest = m.group(4)
    if len(rest) >= 5 and rest[:3].strip().isdigit() and rest[3:].strip().isdigit():
        group, subgroup = rest[:3].strip(), rest[3:].strip()
    else:
        digits = rest.replace(" ", "")
        if not digits.isdigit() or len(digits) < 3:
            return None
        group, subgroup = digits[:-2], digits[-2:]
    return ipc_symbol(m.group(1), m.group(2), m.group(3), group, subgroup)


# -- names -------------------------------------------------------------------------------------


def person_name(family: str | None, given: str | None, middle: str | None = None) -> str | None:
    """"Family Given" (the brief's form for people), e.g. ``Ng Yeow``."""
    parts = [normalize.clean_text(p) for p in (family, given, middle) if p and normalize.clean_text(p)]
    return " ".join(parts) or None


def comma_name(value: str | None) -> str | None:
    """``SEMPLE, Graeme`` / ``VANSTEENWYK, BRETT`` / ``Yoshida, Naoki c/o Wedg Co., Ltd.`` ->
    ``SEMPLE Graeme`` … (people written "Family, Given"; a ``c/o`` address part is dropped)."""
    if not value:
        return None
    text = normalize.clean_text(value)
    text = re.split(r"\s+c/o\s+", text, maxsplit=1, flags=re.IGNORECASE)[0]
    text = re.sub(r"\s*\[[A-Z]{2}\]\s*$", "", text)  # epodoc names end with "[US]"
    text = re.sub(r"\s*,\s*", " ", text).strip()
    return text or None


_ORG_HINTS = re.compile(
    r"(公司|事务所|研究所|研究院|大学|学院|中心|集团|医院|协会|委员会|\b(inc|llc|llp|ltd|limited|corp|corporation|co|company|"
    r"gmbh|ag|kg|sa|sas|srl|spa|bv|nv|ab|oy|as|plc|pty|kk|university|institute|laboratories|labs|partners?|patent|law|"
    r"attorneys?|associates|group|office|инк|ооо|зао|оао|пао|лтд|корпорейшн|компани)\b|\bp\.\s?c\.)",
    re.IGNORECASE,
)


def looks_like_org(name: str | None) -> bool:
    return bool(name and (_ORG_HINTS.search(name) or "&" in name))


def strip_agency_code(name: str | None) -> str | None:
    """CNIPA agency names end with the agency's code: ``北京市金杜律师事务所 11256``."""
    if not name:
        return None
    return re.sub(r"\s*\d{5}$", "", normalize.clean_text(name)) or None


def join_names(names: list[str], limit: int, sep: str) -> str | None:
    out: list[str] = []
    for name in dict.fromkeys(n for n in names if n):
        candidate = sep.join([*out, name])
        if len(candidate) > limit:
            break
        out.append(name)
    return sep.join(out) or None


def has_cjk(text: str | None) -> bool:
    return bool(text and re.search(r"[\u3400-\u9fff]", text))


# -- kinds and legal status ----------------------------------------------------------------------


def patent_kind(country: str | None, kind: str | None, application_type: str | None = None) -> str | None:
    """``patent_kind`` code. China: A/B/C invention, U/Y utility model, S/D design. USA: A/B
    utility patents -> invention, S design, plant (P) and reissue (E) left open. Elsewhere:
    U/Y utility model, S design, otherwise invention."""
    country = (country or "").upper()
    k = (kind or "").strip().upper()[:1]
    appl = (application_type or "").strip().lower()
    if appl in ("design",):
        return "design"
    if appl in ("plant", "reissue", "sir"):
        return None
    if country == "CN":
        return {"A": "invention", "B": "invention", "C": "invention", "U": "utility", "Y": "utility", "S": "design", "D": "design"}.get(k)
    if country == "US":
        return {"A": "invention", "B": "invention", "S": "design"}.get(k) or ("invention" if appl == "utility" else None)
    if k in ("U", "Y"):
        return "utility"
    if k == "S":
        return "design"
    return "invention" if k else None


def is_grant(country: str | None, kind: str | None) -> bool:
    """A grant / registration publication (B, C, U, Y, S, D, E, P) rather than an application
    publication (A…). International (WO) publications are always applications."""
    country = (country or "").upper()
    k = (kind or "").strip().upper()[:1]
    if not k or country == "WO":
        return False
    return k in "BCUYSDEP"


_STATUS_WORDS = (
    # (pattern, legal_status), checked in order against the latest event / register status
    (re.compile(r"REVOK|无效宣告.*全部无效|全部无效|INVALIDAT", re.I), "invalidated"),
    (re.compile(r"WITHDRAWN|DEEMED TO BE WITHDRAWN|撤回", re.I), "withdrawn"),
    (re.compile(r"REFUS|REJECT|驳回", re.I), "rejected"),
    (re.compile(r"EXPIR|期满|届满", re.I), "expired"),
    (re.compile(r"LAPSE|CEASED|NON-PAYMENT|TERMINATION OF PATENT RIGHT|未缴年费|终止", re.I), "lapsed"),
    (re.compile(r"PATENT HAS BEEN GRANTED|PATENT GRANT|GRANT OF PATENT|MAINTAINED AS AMENDED|NO OPPOSITION FILED|授权", re.I), "in_force"),
    (re.compile(r"EXAMINATION IS IN PROGRESS|REQUEST FOR EXAMINATION WAS MADE|PUBLICATION HAS BEEN MADE|实质审查|公开", re.I), "pending"),
)


def status_from_text(text: str | None) -> str | None:
    if not text or re.search(r"CONTRACTING STATE|NATIONAL CODE", text, re.I):
        return None
    for pattern, status in _STATUS_WORDS:
        if pattern.search(text):
            return status
    return None


def open_licence_from_events(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    """开放许可 from legal events (a declaration, and its withdrawal), when their descriptions
    name it (``专利实施的开放许可声明`` / "open licence"); only the dates are known then."""
    declared = withdrawn = None
    for event in sorted((e for e in events if e.get("date")), key=lambda e: e["date"]):
        text = event.get("description") or ""
        if not re.search(r"开放许可|OPEN[ -]?LICEN[CS]", text, re.I):
            continue
        if re.search(r"撤回|撤销|WITHDRAW", text, re.I):
            withdrawn = event["date"]
        else:
            declared, withdrawn = event["date"], None
    if declared is None and withdrawn is None:
        return None
    return {k: v for k, v in (("declared_at", declared), ("withdrawn_at", withdrawn)) if v}


# -- regions -------------------------------------------------------------------------------------

# GB/T 2260 province codes (CNIPA's 国省代码 for Chinese applicants)
PROVINCES = {
    "北京": "11", "天津": "12", "河北": "13", "山西": "14", "内蒙古": "15", "辽宁": "21", "吉林": "22", "黑龙江": "23",
    "上海": "31", "江苏": "32", "浙江": "33", "安徽": "34", "福建": "35", "江西": "36", "山东": "37", "河南": "41",
    "湖北": "42", "湖南": "43", "广东": "44", "广西": "45", "海南": "46", "重庆": "50", "四川": "51", "贵州": "52",
    "云南": "53", "西藏": "54", "陕西": "61", "甘肃": "62", "青海": "63", "宁夏": "64", "新疆": "65", "台湾": "71",
    "香港": "81", "澳门": "82",
}
# countries as CNIPA writes them at the start of a foreign applicant's address (for 国省代码)
COUNTRIES_ZH = {
    "美国": "US", "日本": "JP", "韩国": "KR", "德国": "DE", "法国": "FR", "英国": "GB", "瑞士": "CH", "荷兰": "NL",
    "瑞典": "SE", "意大利": "IT", "加拿大": "CA", "澳大利亚": "AU", "新加坡": "SG", "以色列": "IL", "比利时": "BE",
    "丹麦": "DK", "芬兰": "FI", "奥地利": "AT", "西班牙": "ES", "印度": "IN", "俄罗斯": "RU", "挪威": "NO",
    "爱尔兰": "IE", "卢森堡": "LU", "新西兰": "NZ", "巴西": "BR", "墨西哥": "MX", "沙特阿拉伯": "SA", "列支敦士登": "LI",
    "开曼群岛": "KY", "英属维尔京群岛": "VG", "百慕大": "BM", "马来西亚": "MY", "泰国": "TH", "南非": "ZA",
}
# Jilin prefectures (the ``city`` vocabulary), most specific first
JILIN_CITIES = (
    ("长春新区", "changchun_new_area"), ("长白山", "changbaishan"), ("梅河口", "meihekou"), ("长春", "changchun"),
    ("吉林市", "jilin"), ("四平", "siping"), ("辽源", "liaoyuan"), ("通化", "tonghua"), ("白山", "baishan"),
    ("松原", "songyuan"), ("白城", "baicheng"), ("延边", "yanbian"), ("延吉", "yanbian"), ("珲春", "yanbian"),
    ("敦化", "yanbian"), ("图们", "yanbian"), ("龙井", "yanbian"), ("和龙", "yanbian"), ("汪清", "yanbian"),
    ("安图", "yanbian"), ("公主岭", "changchun"), ("榆树", "changchun"), ("德惠", "changchun"), ("农安", "changchun"),
    ("蛟河", "jilin"), ("桦甸", "jilin"), ("舒兰", "jilin"), ("磐石", "jilin"), ("永吉", "jilin"),
    ("双辽", "siping"), ("梨树", "siping"), ("伊通", "siping"), ("东丰", "liaoyuan"), ("东辽", "liaoyuan"),
    ("集安", "tonghua"), ("辉南", "tonghua"), ("柳河", "tonghua"), ("临江", "baishan"), ("抚松", "baishan"),
    ("靖宇", "baishan"), ("长白朝鲜族", "baishan"), ("扶余", "songyuan"), ("前郭", "songyuan"), ("长岭", "songyuan"),
    ("乾安", "songyuan"), ("洮南", "baicheng"), ("大安", "baicheng"), ("镇赉", "baicheng"), ("通榆", "baicheng"),
)


def split_postcode(address: str | None) -> tuple[str | None, str | None]:
    """``100176 北京市经济技术开发区…`` -> (``100176``, ``北京市经济技术开发区…``)."""
    if not address:
        return None, None
    text = normalize.clean_text(address)
    m = re.match(r"^(\d{6})\s*(.*)$", text)
    if m:
        return m.group(1), m.group(2) or None
    return None, text or None


def cn_region(address: str | None, province: str | None = None, country: str | None = None,
              postcode: str | None = None) -> tuple[str | None, str | None]:
    """(province_code, city) for a Chinese-language applicant address: the GB/T 2260 province
    code, or the country code for a foreign applicant; the city only for Jilin addresses."""
    text = normalize.clean_text(address or "")
    prov = normalize.clean_text(province or "")
    code = None
    for name, pcode in PROVINCES.items():
        if prov.startswith(name) or text.startswith(name):
            code = pcode
            break
    if code is None:
        for name, ccode in COUNTRIES_ZH.items():
            if text.startswith(name):
                code = ccode
                break
    if code is None and country and country.upper() not in ("CN", ""):
        code = country.upper()
    if code is None and postcode and re.fullmatch(r"\d{6}", postcode) and postcode.startswith("13"):
        code = "22"  # Jilin post codes are 13xxxx
    city = None
    if code == "22":
        for name, city_code in JILIN_CITIES:
            if name in text:
                city = city_code
                break
    return code, city


# -- finishing ---------------------------------------------------------------------------------

_LIMITS = {"title": 500, "title_en": 500, "abstract": 5000, "first_claim": 10000, "applicant_address": 300,
           "agency": 200, "agent": 100}
_LIST_LIMITS = {"applicants": (30, 200), "inventors": (100, 100), "owners": (30, 200), "ipc": (50, 40),
                "cpc": (100, 32), "family": (200, 40), "keywords": (20, 100)}


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def finish(data: dict[str, Any]) -> dict[str, Any]:
    """Drop empty values, de-duplicate lists and keep every value inside the schema's limits
    (over-long texts are cut with "…"; over-long lists keep their first items)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if value is None or value == [] or value == {} or value == "":
            continue
        if key in _LIMITS and isinstance(value, str):
            value = _cut(value, _LIMITS[key])
        if key in _LIST_LIMITS:
            max_items, max_len = _LIST_LIMITS[key]
            value = [v for v in dict.fromkeys(v for v in value if v) if len(v) <= max_len][:max_items]
            if not value:
                continue
        if key in ("priority", "legal_events"):
            seen, items = set(), []
            for item in value:
                item = {k: v for k, v in item.items() if v is not None}
                marker = tuple(sorted(item.items()))
                if marker not in seen:
                    seen.add(marker)
                    items.append(item)
            value = items
            if key == "priority":
                value = [{**i, "number": i["number"][:64]} for i in value if i.get("number")]
            else:
                value = [{**i, "description": _cut(i["description"], 500)} for i in value if i.get("description")]
            if not value:
                continue
        out[key] = value
    if out.get("ipc") and not out.get("ipc_main"):
        out["ipc_main"] = out["ipc"][0]
    return out


def guess_lang(text: str) -> str | None:
    """``zh`` for Chinese, ``en`` for text in plain Latin letters, None otherwise."""
    if has_cjk(text):
        return "zh"
    if not re.search(r"[^\x00-\x7f\u00a0-\u00ff\u2000-\u206f]", text):
        return "en"
    return None


def set_titles(data: dict[str, Any], titles: list[tuple[str | None, str]], doc_lang: str | None = None) -> None:
    """Chinese title -> ``title``; English only -> ``title`` and ``title_en``; both -> English in
    ``title_en``; neither -> the title in the document's language (or the first). A title
    without a language is taken as Chinese or English only when its script says so."""
    titles = [(lang or guess_lang(t), t) for lang, t in titles]
    zh = next((t for lang, t in titles if (lang or "").lower().startswith("zh")), None)
    en = next((t for lang, t in titles if (lang or "").lower().startswith("en")), None)
    if zh:
        data["title"] = zh
        data["title_en"] = en
    elif en:
        data["title"] = en
        data["title_en"] = en
    elif titles:
        own = next((t for lang, t in titles if doc_lang and (lang or "").lower() == doc_lang.lower()), None)
        data["title"] = own or titles[0][1]


# English place names (USPTO/EPO addresses of Chinese applicants): pinyin province -> code
PROVINCES_EN = {
    "beijing": "11", "tianjin": "12", "hebei": "13", "shanxi": "14", "inner mongolia": "15", "neimenggu": "15",
    "liaoning": "21", "jilin": "22", "heilongjiang": "23", "shanghai": "31", "jiangsu": "32", "zhejiang": "33",
    "anhui": "34", "fujian": "35", "jiangxi": "36", "shandong": "37", "henan": "41", "hubei": "42", "hunan": "43",
    "guangdong": "44", "guangxi": "45", "hainan": "46", "chongqing": "50", "sichuan": "51", "guizhou": "52",
    "yunnan": "53", "tibet": "54", "xizang": "54", "shaanxi": "61", "gansu": "62", "qinghai": "63", "ningxia": "64",
    "xinjiang": "65", "taiwan": "71", "hong kong": "81", "macau": "82", "macao": "82",
}
JILIN_CITIES_EN = (
    ("changchun", "changchun"), ("jilin city", "jilin"), ("siping", "siping"), ("liaoyuan", "liaoyuan"),
    ("tonghua", "tonghua"), ("baishan", "baishan"), ("songyuan", "songyuan"), ("baicheng", "baicheng"),
    ("yanji", "yanbian"), ("yanbian", "yanbian"), ("hunchun", "yanbian"), ("meihekou", "meihekou"),
)


def en_region(city: str | None, state: str | None, country: str | None) -> tuple[str | None, str | None]:
    """(province_code, city) for an address in Latin letters: the country code for a foreign
    applicant; for a Chinese one the province (from pinyin) and, in Jilin, the city."""
    country = (country or "").strip().upper()
    if not country or country in ("UNKNOWN", "OMITTED"):
        return None, None
    if country != "CN":
        return country if re.fullmatch(r"[A-Z]{2}", country) else None, None
    place = normalize.clean_text(f"{city or ''} {state or ''}").lower()
    for name, city_code in JILIN_CITIES_EN:
        if name in place:
            return "22", city_code
    for name, code in PROVINCES_EN.items():
        if name in place:
            return code, ("jilin" if code == "22" and re.search(r"\bjilin\b", (city or "").lower()) else None)
    return None, None
