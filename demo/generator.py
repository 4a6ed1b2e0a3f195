"""Deterministic generator of realistic demo records for the Jilin technology-transfer platform.

Every function returns plain dicts in the *input* shape of the marshmallow schemas
(``web/schemas``): vocabulary codes, ISO dates as text, amounts in CNY. The same arguments
always give the same records (each stream has its own ``random.Random(seed + offset)``; the
reference date is fixed at 2026-06-30), and the record streams are prefix-stable:
``achievements(10)`` starts with ``achievements(5)``.

The streams are generators, so millions of records can be produced without building lists::

    python -m demo.generator --achievements 5 --patents 3 --instruments 2 --seed 1
    python -m demo.generator --achievements 1000000 --no-institutions > achievements.jsonl
    python -m demo.generator --out var/demo            # default dataset, one JSONL file per type

All contact e-mail addresses use the reserved ``example.com`` domain, so demo data can never
mail a real person; credit codes, addresses and phone numbers are generated.
"""
from __future__ import annotations

import argparse
import json
import math
import operator
import os
import re
import sys
import time
from bisect import bisect_right
from datetime import date
from random import Random
from typing import Any, Iterable, Iterator

from web import vocabularies
from . import wordbanks as wb

REF_DATE = date(2026, 6, 30)
REF_ORD = REF_DATE.toordinal()
EMAIL_DOMAIN = "example.com"
OPEN_LICENCE_START = date(2024, 1, 20).toordinal()  # implementing regulations of the 2020 Patent Law
_OFFSET = {"institutions": 11, "achievements": 101, "patents": 211, "instruments": 307, "index": 401}
_LINK_INDEX_LIMIT = 200_000

__all__ = ["institutions", "achievements", "patents", "instruments", "dataset", "check_digit", "credit_code_check",
           "REF_DATE", "main"]


# ============================================================================================
# small helpers
# ============================================================================================

class _W:
    """Weighted choice driven by ``Random.random`` (faster than ``Random.choices``)."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, items: Iterable, weights: Iterable[float]):
        self.items = list(items)
        cum, total = [], 0.0
        for w in weights:
            total += max(float(w), 0.0)
            cum.append(total)
        if not self.items or total <= 0:
            raise ValueError("nothing to choose from")
        self.cum, self.total = cum, total

    def __call__(self, rnd) -> Any:
        return self.items[bisect_right(self.cum, rnd() * self.total)]


def _pair(text: str) -> tuple[str, str]:
    zh, _, en = text.partition("|")
    return zh, (en or zh)


def _cap(text: str) -> str:
    text = " ".join(text.split())
    return text[:1].upper() + text[1:]


def _yyyymm(ordinal: int) -> str:
    d = date.fromordinal(ordinal)
    return f"{d.year:04d}-{d.month:02d}"


def _iso(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


def _ord(y: int, m: int = 1, d: int = 1) -> int:
    return date(y, m, d).toordinal()


def _round_money(v: float) -> int:
    if v < 1_000_000:
        return int(round(v / 10_000.0)) * 10_000 or 10_000
    return int(round(v / 100_000.0)) * 100_000


def _log_uniform(rnd, low: float, high: float) -> float:
    return math.exp(math.log(low) + rnd() * (math.log(high) - math.log(low)))


def _fmt_num(v: float, decimals: int) -> str:
    if decimals <= 0:
        return f"{int(round(v)):d}"
    return f"{v:.{decimals}f}"


# ============================================================================================
# identifiers with real check digits
# ============================================================================================

_CNIPA_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)


def check_digit(first12: str) -> str:
    """CNIPA application-number check digit over the first 12 digits (mod 11, 10 -> X)."""
    s = sum(map(operator.mul, map(int, first12), _CNIPA_WEIGHTS)) % 11
    return "X" if s == 10 else str(s)


_CC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CC_VALUE = {c: i for i, c in enumerate(_CC_ALPHABET)}
_CC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_value(c: str) -> int:
    return int(c) if c.isdigit() else ord(c) - 55  # A=10 … Z=35


def _org_check(body8: str) -> str:
    c = 11 - sum(_org_value(ch) * w for ch, w in zip(body8, _ORG_WEIGHTS)) % 11
    return "X" if c == 10 else ("0" if c == 11 else str(c))


def credit_code_check(first17: str) -> str:
    """GB 32100-2015 check character of a unified social credit code."""
    c = 31 - sum(_CC_VALUE[ch] * w for ch, w in zip(first17, _CC_WEIGHTS)) % 31
    return _CC_ALPHABET[0 if c == 31 else c]


def _credit_code(rng: Random, inst_type: str, city: str) -> str:
    rnd = rng.random
    head = "91" if inst_type == "enterprise" else "12"
    divisions = wb.CITY_INFO[city]["divisions"]
    div = divisions[int(rnd() * len(divisions))]
    if inst_type == "enterprise" and rnd() < 0.6:
        body = "MA" + "".join(_CC_ALPHABET[int(rnd() * 31)] for _ in range(6))
        body = body.replace("I", "1").replace("O", "0")
    else:
        body = "".join(str(int(rnd() * 10)) for _ in range(8))
    first17 = head + div + body + _org_check(body)
    return first17 + credit_code_check(first17)


# ============================================================================================
# prepared word banks
# ============================================================================================

def _split_tag(item):
    """``"tag1,tag2@text"`` -> ((tag1, tag2), text); untagged -> ((), text). Tuples tag their first element."""
    if isinstance(item, tuple):
        tags, name = _split_tag(item[0])
        return tags, (name,) + tuple(item[1:])
    head, sep, text = item.rpartition("@")
    if not sep:
        return (), item
    return tuple(t for t in head.split(",") if t), text


def _overlaps(word: str, text: str) -> bool:
    """Whether ``word`` shares a two-character run with ``text`` (耐低温 / 低温防寒…)."""
    return any(word[i:i + 2] in text for i in range(len(word) - 1))


_DOUBLED = re.compile(r"([\u4e00-\u9fff]{2})\1")


class _Topic:
    """A topic with the field's word lists narrowed to what fits its core phrase."""

    __slots__ = ("core", "core_en", "kind", "kws", "subject", "background", "problems", "points", "apps", "metrics", "ipc_specific", "ipc",
                 "steps", "techs", "techs_specific", "signals", "props")

    def __init__(self, dom: "_Domain", core: str, core_en: str, kind: str, kws: tuple, subject: str = ""):
        self.core, self.core_en, self.kind, self.kws = core, core_en, kind, kws
        self.subject = subject or (kws[0] if kws else core)
        sel = dom.select
        self.background = sel(dom.background, core, prefer=True) or [f"{dom.d.industry}是吉林省重点发展的产业领域之一，关键核心技术攻关需求迫切。"]
        self.problems = sel(dom.problems, core) or ["生产成本高", "关键技术受制于人", "自动化水平低"]
        self.points = sel(dom.points, core) or ["关键工艺参数优化方法", "系统集成技术"]
        if kind == "basic":
            self.points = ["新的理论分析框架", "关键影响因素识别方法", "定量表征方法", "多尺度理论模型"]
        self.apps = [_pair(a) for a in sel(dom.apps, core)] or [(f"{dom.d.industry}产业", f"the {dom.d.industry_en} industry")]
        self.metrics = sel(dom.metrics, core, prefer=True) or [("生产效率提升", 15, 60, 0, "%"), ("成本降低", 10, 40, 0, "%")]
        self.ipc_specific = [c for tags, c in dom.ipc if tags and any(t in core for t in tags)]
        self.ipc = self.ipc_specific + [c for tags, c in dom.ipc if not tags] or [c for _, c in dom.ipc]
        self.steps = [text for tags, text in dom.steps if not tags or any(t in core for t in tags)]
        self.signals = sel(dom.signals, core, prefer=True) or ["监测数据"]
        techs = [_pair(x) for x in dict.fromkeys(sel(dom.tech_items, core))]
        self.techs = [t for t in techs if t[0] not in core]
        self.techs_specific = [_pair(x) for tags, x in dom.tech_items if tags and any(t in core for t in tags) and _pair(x)[0] not in core]
        if kind == "basic":
            self.techs = [_pair(x) for x in wb.BASIC_METHODS.get(dom.code, ())] + self.techs_specific
        if len(self.techs) < 2:
            self.techs = [_pair(x) for _, x in dom.tech_items if _pair(x)[0] not in core]
        self.props = [p for p in (_pair(x) for x in sel(dom.prop_items, core)) if not _overlaps(p[0], core)] or [("", "")]


class _Domain:
    """A wordbanks.Domain with strings split into (zh, en) pairs and per-topic word lists."""

    def __init__(self, d: wb.Domain):
        self.d = d
        self.code = d.code
        self.label = vocabularies.get("tech_field").label(d.code)
        self.background = [_split_tag(x) for x in d.background]
        self.problems = [_split_tag(x) for x in d.problems]
        self.points = [_split_tag(x) for x in d.points]
        self.apps = [_split_tag(x) for x in d.apps]
        self.metrics = [_split_tag(x) for x in d.metrics]
        self.ipc = [_split_tag(x) for x in d.ipc]
        self.steps = [_split_tag(x) for x in d.steps]
        self.parts = [_split_tag(x) for x in d.parts]
        self.signals = [_split_tag(x) for x in d.signals]
        self.tech_items = [_split_tag(x) for x in d.techs]
        self.prop_items = [_split_tag(x) for x in d.props]
        self.topics: list[_Topic] = []
        for t in d.topics:
            core, core_en, kind, kws, *subject = t.split("|")
            kw = tuple(k for k in kws.split(",") if k)
            bad = [k for k in kw if k not in core]
            if bad:
                raise ValueError(f"keywords {bad} do not occur in topic {core!r}")
            if kind not in ("sense", "make", "product", "device", "agro"):
                raise ValueError(f"unknown topic kind {kind!r}")
            self.topics.append(_Topic(self, core, core_en, kind, kw, subject[0] if subject else ""))
        self.theory: list[_Topic] = []
        for t in d.theory:
            core, core_en, kws = t.split("|")
            kw = tuple(k for k in kws.split(",") if k)
            if any(k not in core for k in kw):
                raise ValueError(f"theory keywords must occur in {core!r}")
            self.theory.append(_Topic(self, core, core_en, "basic", kw))
        self.soft = _Topic(self, f"{d.industry}产业", f"the {d.industry_en} industry", "soft_science", (f"{d.industry}产业",))
        self.orgs = list(d.orgs) + ["吉林省科学技术厅", "吉林省科技成果评价中心", "吉林省技术市场协会", "吉林省生产力促进中心"]
        self._device_cache: dict[str, _Topic | None] = {}

    def match_device(self, device: str) -> "_Topic | None":
        """The topic a utility-model subject belongs to (for its IPC codes), if any."""
        cache = self._device_cache
        if device not in cache:
            best = None
            for t in self.topics:
                hits = sum(1 for k in t.kws if k in device)
                if hits and (best is None or hits > best[0]):
                    best = (hits, t)
            cache[device] = best[1] if best else None
        return cache[device]

    @staticmethod
    def select(items: list, core: str, prefer: bool = False) -> list:
        """Items whose tags match ``core`` (listed twice, or alone when ``prefer``) plus untagged ones."""
        specific = [x for tags, x in items if tags and any(t in core for t in tags)]
        generic = [x for tags, x in items if not tags]
        if prefer and specific:
            return specific + specific + generic if len(generic) > len(specific) else specific + generic
        return specific + specific + generic


DOMAINS = [_Domain(d) for d in wb.DOMAINS]
DOMAIN_BY_CODE = {d.code: d for d in DOMAINS}
_missing = set(vocabularies.get("tech_field").codes) - set(DOMAIN_BY_CODE)
if _missing:  # pragma: no cover - guards the word banks against vocabulary changes
    raise ValueError(f"word banks lack technology fields {_missing}")

_TITLE_T = {k: _W([(zh, en) for zh, en, _ in v], [w for *_, w in v]) for k, v in wb.TITLE_TEMPLATES.items()}
_TITLE_FALLBACK = {k: next((zh, en) for zh, en, _ in v if "{app}" not in zh) for k, v in wb.TITLE_TEMPLATES.items()}
_PATENT_T = {k: _W([t for t, _ in v], [w for _, w in v]) for k, v in wb.PATENT_TITLES.items()}
_SURNAME = _W([(s, p) for s, p, _ in wb.SURNAMES], [w for *_, w in wb.SURNAMES])
_KOREAN_SURNAME = _W([(s, p) for s, p, _ in wb.KOREAN_SURNAMES], [w for *_, w in wb.KOREAN_SURNAMES])
_GIVEN = wb.GIVEN_CHARS
_NGIVEN = len(_GIVEN)
_CITY_ZH = {t.code: t.zh for t in vocabularies.get("city")}
_CITY_EN = {t.code: t.en for t in vocabularies.get("city")}
_LEVEL_ZH = {t.code: t.zh for t in vocabularies.get("achievement_level")}
_FUNDING = _W(wb.FUNDING_SOURCES, [w for _, w, _ in wb.FUNDING_SOURCES])

_ACH_TYPE = _W(["applied", "basic", "soft_science"], [85, 10, 5])
_TRL = _W([1, 2, 3, 4, 5, 6, 7, 8, 9], [2, 3, 7, 15, 18, 19, 16, 11, 9])
_LEVEL = _W(["intl_leading", "intl_advanced", "domestic_leading", "domestic_advanced", "not_evaluated"], [6, 14, 35, 20, 25])
_ORIGIN = _W(["original", "secondary", "imported"], [55, 38, 7])
_EVAL_METHOD = _W(["appraisal", "assessment", "acceptance", "industry_access"], [35, 45, 15, 5])
_TRANSFER_MODE = _W(["license", "transfer", "cooperation", "equity", "self_implementation", "other"], [30, 26, 24, 10, 7, 3])
_REG_YEAR = _W(list(range(2015, 2027)), [5, 6, 7, 8, 9, 9, 10, 11, 12, 12, 13, 6])
_FORMS = {
    "sense": _W(["new_technology", "software", "new_equipment", "new_product"], [45, 25, 20, 10]),
    "make": _W(["new_process", "new_technology", "new_material"], [50, 40, 10]),
    "product": _W(["new_product", "new_material", "new_equipment", "new_technology"], [45, 30, 10, 15]),
    "agro": _W(["new_technology", "new_product", "other"], [70, 15, 15]),
    "device": _W(["new_equipment", "new_product", "new_technology"], [50, 35, 15]),
    "basic": _W(["paper", "monograph", "research_report"], [75, 15, 10]),
    "soft_science": _W(["research_report", "monograph", "paper"], [75, 10, 15]),
}
_METRIC_DELTA = ("提高", "降低", "减施", "缩短", "提升", "压缩", "减重")
_REGIONS = ["长春、吉林、四平等地", "吉林省内", "东北三省", "松原、白城等地", "吉林、辽宁、黑龙江等省", "长春市及周边地区", "延边、通化、白山等地", "全国10余个省份"]
_AGRI_CODES = {"modern_agriculture", "beef_cattle", "sika_deer"}
_NSFC_DEPT = {"modern_agriculture": "3", "beef_cattle": "3", "sika_deer": "3", "biomedicine": "8", "medical_devices": "8", "resources_environment": "4",
              "electronic_info": "6", "artificial_intelligence": "6", "optoelectronics": "6", "new_materials": "5", "carbon_fiber": "5",
              "energy_storage": "2", "new_energy": "5", "advanced_manufacturing": "5", "automotive": "5", "aerospace": "5",
              "ice_snow_equipment": "5", "high_tech_services": "7"}
_SOFT_METHODS = ["问卷调查", "实地调研", "层次分析法", "熵权TOPSIS法", "DEA模型", "案例分析", "比较研究", "灰色关联分析"]
_SOFT_KW = ("高质量发展", "科技创新能力", "科技成果转化", "产业链", "科技政策")


def _domain_picker(weight_of=lambda d: d.d.weight) -> _W:
    return _W(DOMAINS, [weight_of(d) for d in DOMAINS])


_DOMAIN = _domain_picker()


# ============================================================================================
# people
# ============================================================================================

def _person(rnd, korean: bool = False) -> tuple[str, str]:
    """(name, pinyin) — 2- or 3-character Chinese names."""
    s, sp = (_KOREAN_SURNAME if korean else _SURNAME)(rnd)
    g1, p1 = _GIVEN[int(rnd() * _NGIVEN)]
    if rnd() < 0.72:
        g2, p2 = _GIVEN[int(rnd() * _NGIVEN)]
        if g2 == g1 and rnd() < 0.7:
            g2, p2 = _GIVEN[int(rnd() * _NGIVEN)]
        return s + g1 + g2, sp + p1 + p2
    return s + g1, sp + p1


def _people(rnd, n: int, korean_share: float = 0.0) -> tuple[list[str], list[str]]:
    """``n`` distinct names and their pinyin."""
    out: list[str] = []
    pys: list[str] = []
    seen = set()
    while len(out) < n:
        name, py = _person(rnd, korean_share > 0 and rnd() < korean_share)
        if name not in seen:
            seen.add(name)
            out.append(name)
            pys.append(py)
    return out, pys


def _phone(rnd, area: str) -> str:
    if rnd() < 0.12:  # mobile
        return f"1{'3456789'[int(rnd() * 7)]}{int(rnd() * 1e9):09d}"
    if area in ("0431", "0432"):
        return f"{area}-{'858'[int(rnd() * 3)]}{int(rnd() * 1e7):07d}"
    return f"{area}-{int(2e6 + rnd() * 7.99e6):07d}"


# ============================================================================================
# institutions
# ============================================================================================

class _Inst:
    __slots__ = ("name", "type", "city", "slug", "area", "weight", "fields", "korean", "address")

    def __init__(self, name, type_, city, slug, weight, fields, address=None):
        self.name, self.type, self.city, self.slug = name, type_, city, slug
        self.area = wb.CITY_INFO.get(city, wb.CITY_INFO["changchun"])["area"]
        self.weight, self.fields = weight, fields
        self.korean = city == "yanbian"
        self.address = address

    def affinity(self, code: str) -> float:
        f = self.fields
        return f.get(code, f.get("*", 0.0))


_KNOWN = {k.name: k for k in wb.KNOWN_INSTITUTIONS}
_ENTERPRISE_WORDS = sorted(((w, d.code) for d in wb.DOMAINS for w in d.enterprise_words), key=lambda x: -len(x[0]))


def _address(rnd, city: str) -> str:
    info = wb.CITY_INFO[city]
    district = info["districts"][int(rnd() * len(info["districts"]))]
    street = info["streets"][int(rnd() * len(info["streets"]))]
    num = int(100 + rnd() * 8900) if rnd() < 0.8 else int(1 + rnd() * 300)
    prefix = {"changchun_new_area": "长春市", "changbaishan": "长白山保护开发区", "meihekou": ""}.get(city, _CITY_ZH[city])
    if district.startswith(prefix) or not prefix:
        prefix = ""
    return f"吉林省{prefix}{district}{street}{num}号"


def _describe(name: str, city: str, fields: dict[str, float]) -> str:
    top = [c for c, v in sorted(((c, v) for c, v in fields.items() if c != "*" and v > 0), key=lambda x: -x[1])][:3]
    labels = "、".join(DOMAIN_BY_CODE[c].label for c in top) or "综合性科学研究"
    return f"{name}位于{_CITY_ZH[city]}，主要研究与业务方向包括{labels}等领域。（演示数据）"


def institutions(seed: int = 2024) -> list[dict]:
    """About a hundred Jilin holders: the well-known universities, CAS institutes, provincial
    academies, hospitals and enterprises, plus generated enterprises spread over all cities."""
    rng = Random(seed + _OFFSET["institutions"])
    rnd = rng.random
    out: list[dict] = []
    codes: set[str] = set()

    def credit(t: str, city: str) -> str:
        while True:
            c = _credit_code(rng, t, city)
            if c not in codes:
                codes.add(c)
                return c

    def contact(city: str, slug: str, t: str, korean: bool) -> dict:
        name, _ = _person(rnd, korean and rnd() < 0.5)
        box = {"university": "kjc", "institute": "kyc", "hospital": "kjk", "enterprise": "info"}.get(t, "office")
        return {"contact_name": name, "contact_phone": _phone(rnd, wb.CITY_INFO[city]["area"]), "contact_email": f"{box}@{slug}.{EMAIL_DOMAIN}"}

    for k in wb.KNOWN_INSTITUTIONS:
        rec = {"name": k.name}
        if k.name_en:
            rec["name_en"] = k.name_en
        if k.aliases:
            rec["aliases"] = list(k.aliases)
        rec.update(type=k.type, city=k.city, credit_code=credit(k.type, k.city), address=_address(rnd, k.city),
                   description=_describe(k.name, k.city, k.fields))
        rec.update(contact(k.city, k.slug, k.type, k.city == "yanbian"))
        out.append(rec)

    names = {r["name"] for r in out}
    slugs = {k.slug for k in wb.KNOWN_INSTITUTIONS}
    city_pick = _W(list(wb.CITY_WEIGHTS), list(wb.CITY_WEIGHTS.values()))
    ent_domain = _domain_picker(lambda d: d.d.weight + 3)
    suffix = _W([s for s, _ in wb.COMPANY_SUFFIXES], [w for _, w in wb.COMPANY_SUFFIXES])
    n_generated = 50 + int(rnd() * 12)
    made = 0
    all_cities = list(wb.CITY_WEIGHTS)
    while made < n_generated:
        if made < len(all_cities):  # at least one enterprise in every city, in a field the city is known for
            city = all_cities[made]
            local = [d for d in DOMAINS if city in d.d.enterprise_cities]
            dom = _W(local, [d.d.enterprise_cities[city] for d in local])(rnd) if local else ent_domain(rnd)
        else:
            dom = ent_domain(rnd)
            if rnd() < 0.9:
                cities = dom.d.enterprise_cities
                city = _W(list(cities), list(cities.values()))(rnd)
            else:
                city = city_pick(rnd)
        (b1, p1), (b2, p2) = rng.sample(wb.BRAND_CHARS, 2)
        word = dom.d.enterprise_words[int(rnd() * len(dom.d.enterprise_words))]
        prefix = "吉林省" if rnd() < 0.3 else wb.CITY_INFO[city]["prefix"]
        name = f"{prefix}{b1}{b2}{word}{suffix(rnd)}"
        if name in names:
            continue
        slug = p1 + p2 + {"吉林省": "jl"}.get(prefix, "")
        while slug in slugs:
            slug += str(int(rnd() * 10))
        names.add(name)
        slugs.add(slug)
        fields = {dom.code: 3.0}
        rec = {"name": name, "type": "enterprise", "city": city, "credit_code": credit("enterprise", city),
               "address": _address(rnd, city), "description": _describe(name, city, fields)}
        rec.update(contact(city, slug, "enterprise", city == "yanbian"))
        out.append(rec)
        made += 1
    return out


def _profile(rec: dict, index: int, rnd) -> _Inst:
    """Field affinities and productivity of an institution dict (known, generated or user-supplied)."""
    name = rec["name"]
    k = _KNOWN.get(name)
    city = vocabularies.get("city").resolve(rec.get("city")) or (k.city if k else "changchun")
    t = vocabularies.get("institution_type").resolve(rec.get("type")) or (k.type if k else "enterprise")
    email = rec.get("contact_email") or ""
    slug = email.split("@", 1)[1].split(".", 1)[0] if "@" in email else f"org{index}"
    if k:
        return _Inst(name, t, city, k.slug, k.weight, k.fields, rec.get("address"))
    fields: dict[str, float] = {}
    for word, code in _ENTERPRISE_WORDS:
        if word in name:
            fields[code] = fields.get(code, 0) + 3.0
    if not fields:
        fields = {"*": 0.6}
    weight = {"university": 1.0, "institute": 0.9, "hospital": 0.6, "enterprise": 0.6}.get(t, 0.3) * (0.6 + 0.8 * rnd())
    return _Inst(name, t, city, slug, weight, fields, rec.get("address"))


class _Ctx:
    """Institutions prepared for sampling: per field and per record type."""

    def __init__(self, records: list[dict] | None, seed: int):
        records = records if records is not None else institutions(seed)
        rnd = Random(seed + _OFFSET["index"]).random
        self.insts = [_profile(r, i, rnd) for i, r in enumerate(records)]
        if not self.insts:
            raise ValueError("at least one institution is needed")
        self.by_name = {i.name: i for i in self.insts}
        type_w = {
            "achievement": {"university": 1.0, "institute": 1.0, "hospital": 0.8, "enterprise": 0.9, "other": 0.5},
            "patent": {"university": 1.0, "institute": 0.8, "hospital": 0.5, "enterprise": 1.3, "other": 0.5},
            "instrument": {"university": 1.0, "institute": 1.1, "hospital": 0.6, "enterprise": 0.15, "other": 0.2},
        }
        self.pick: dict[str, dict[str, _W]] = {}
        for kind, tw in type_w.items():
            per: dict[str, _W] = {}
            for d in DOMAINS:
                weights = [i.weight * tw.get(i.type, 0.5) * i.affinity(d.code) for i in self.insts]
                if sum(weights) <= 0:
                    weights = [i.weight * tw.get(i.type, 0.5) + 1e-3 for i in self.insts]
                per[d.code] = _W(self.insts, weights)
            self.pick[kind] = per
        ents = [i for i in self.insts if i.type == "enterprise"] or self.insts
        self.enterprises = _W(ents, [1.0 for _ in ents])
        self.cooperators = _W(self.insts, [i.weight for i in self.insts])


# ============================================================================================
# unique number allocators
# ============================================================================================

class _RegistrationNumbers:
    """12-digit 登记号: region(3) + year(4) + type flag(1) + serial(4), unique within a run.
    When a region/year/type block is exhausted the number moves to a department code (901-998)."""

    _FLAG = {"applied": "1", "basic": "2", "soft_science": "3"}

    def __init__(self):
        self.next: dict[tuple, int] = {}

    def __call__(self, region: str, year: int, atype: str) -> str:
        flag = self._FLAG[atype]
        key = (region, year, flag)
        n = self.next.get(key, 0) + 1
        while n > 9999:  # overflow into department-level registration codes
            region = "901" if not region.startswith("9") else f"{int(region) + 1:03d}"
            key = (region, year, flag)
            n = self.next.get(key, 0) + 1
        self.next[key] = n
        return f"{region}{year:04d}{flag}{n:04d}"


def _coprime_multiplier(modulus: int, start: int) -> int:
    a = start % modulus or 1
    while math.gcd(a, modulus) != 1:
        a += 1
    return a


class _PatentNumbers:
    """Unique CN application and publication numbers, scattered by affine permutations."""

    # publication-number bases (9-digit serials) by publication year and document kind
    _INV = {2007: 100_900_000, 2010: 101_700_000, 2012: 102_700_000, 2014: 103_600_000, 2015: 104_500_000, 2016: 105_500_000,
            2017: 106_500_000, 2018: 107_800_000, 2019: 109_500_000, 2020: 111_000_000, 2021: 112_500_000, 2022: 114_000_000,
            2023: 115_800_000, 2024: 117_500_000, 2025: 119_200_000, 2026: 120_900_000, 2027: 122_500_000}
    _UTI = {2005: 200_100_000, 2008: 201_000_000, 2010: 201_500_000, 2012: 202_200_000, 2013: 203_000_000, 2014: 203_500_000,
            2015: 204_200_000, 2016: 205_300_000, 2017: 206_000_000, 2018: 207_300_000, 2019: 208_600_000, 2020: 210_200_000,
            2021: 212_700_000, 2022: 215_200_000, 2023: 218_000_000, 2024: 220_300_000, 2025: 222_000_000, 2026: 223_500_000, 2027: 225_000_000}
    _DES = {2005: 300_100_000, 2008: 300_600_000, 2011: 301_500_000, 2014: 302_900_000, 2016: 303_500_000, 2018: 304_500_000,
            2020: 305_500_000, 2022: 307_000_000, 2023: 307_800_000, 2024: 308_600_000, 2025: 309_300_000, 2026: 310_000_000, 2027: 310_700_000}

    def __init__(self, seed: int):
        self.rng = Random(seed * 7919 + 17)
        self.app_next: dict[tuple, int] = {}
        self.pub_next: dict[tuple, int] = {}
        self.perm: dict[tuple, tuple[int, int, int, int]] = {}
        self.overflow = 0

    @staticmethod
    def _base(table: dict[int, int], year: int) -> tuple[int, int]:
        years = sorted(table)
        if year <= years[0]:
            lo = table[years[0]]
            return lo, table[years[1]] - lo
        for y0, y1 in zip(years, years[1:]):
            if y0 <= year < y1:
                lo = table[y0] + (table[y1] - table[y0]) * (year - y0) // (y1 - y0)
                hi = table[y0] + (table[y1] - table[y0]) * (year + 1 - y0) // (y1 - y0)
                return lo, hi - lo
        lo = table[years[-1]]
        return lo, 1_600_000

    def _permute(self, key: tuple, base: int, size: int, counter: int) -> int:
        p = self.perm.get(key)
        if p is None:
            p = (base, size, _coprime_multiplier(size, 7_654_321 + int(self.rng.random() * 1_000_000)), int(self.rng.random() * size))
            self.perm[key] = p
        base, size, a, b = p
        if counter >= size:
            self.overflow += 1
            return 990_000_000 + self.overflow
        return base + (a * counter + b) % size

    def application(self, year: int, kind_digit: str, reserved: bool = False) -> str:
        """``YYYY`` + type digit + 7-digit serial + check digit. Serials 0-4,999,999 go to
        generated patents, 5,000,000 and up to unlinked numbers quoted in achievements."""
        key = (year, kind_digit, reserved)
        n = self.app_next.get(key, 0)
        self.app_next[key] = n + 1
        serial = self._permute(("app",) + key, 5_000_000 if reserved else 0, 5_000_000, n)
        first12 = f"{year:04d}{kind_digit}{serial % 10_000_000:07d}"
        return f"{first12}.{check_digit(first12)}"

    def publication(self, year: int, kind: str) -> str:
        """9-digit serial (7-digit before 2007 for inventions) without the kind letter."""
        key = (year, kind)
        n = self.pub_next.get(key, 0)
        self.pub_next[key] = n + 1
        if kind == "invention" and year < 2007:
            return f"{self._permute(('pub',) + key, 1_400_000 + (year - 2003) * 150_000, 150_000, n):07d}"
        table = {"invention": self._INV, "utility": self._UTI, "design": self._DES}[kind]
        base, size = self._base(table, year)
        return f"{self._permute(('pub',) + key, base, size, n):09d}"


# ============================================================================================
# achievements
# ============================================================================================

def _metric_phrase(rnd, metric: tuple) -> str:
    name, lo, hi, dec, unit = metric
    if "滴度" in name:  # titres are written as dilutions 1:2^k
        return f"{name}达到1:{2 ** int(lo + rnd() * (hi - lo))}"
    v = _fmt_num(lo + rnd() * (hi - lo), dec)
    if name.endswith(_METRIC_DELTA):
        return f"{name}{v}{unit}"
    verb = "达到" if rnd() < 0.5 else "为"
    return f"{name}{verb}{v}{unit}"


def _grant_no(rnd, fund: str, pattern: str, year: int, domain: str, atype: str) -> str | None:
    def digits(k: int) -> str:
        return f"{int(rnd() * 10 ** k):0{k}d}"

    if fund == "国家自然科学基金":
        return _NSFC_DEPT.get(domain, "5") + digits(7)
    if fund == "国家重点研发计划":
        return f"{year}YF{'D' if domain in _AGRI_CODES else ('C' if domain in ('biomedicine', 'medical_devices') else 'B')}{digits(7)}"
    if fund == "国家现代农业产业技术体系":
        return f"CARS-{['02', '04', '01', '37', '21'][int(rnd() * 5)]}"
    if not pattern:
        return None
    if fund == "吉林省科技发展计划":
        suffix = "JC" if atype == "basic" else ("RK" if atype == "soft_science" else
                                                ("NC" if domain in _AGRI_CODES else ("YY" if domain in ("biomedicine", "medical_devices") else "GX")))
        return f"{year}{digits(7)}{suffix}"
    if fund == "长春市科技发展计划":
        return f"{year % 100:02d}SS{digits(5)}"
    if fund == "吉林省教育厅科学研究项目":
        return f"JJKH{year}{digits(4)}KJ"
    out = []
    for ch in pattern:
        out.append(digits(1) if ch == "N" else ch)
    text = "".join(out)
    return text.replace("YYYY", str(year)) if "YYYY" in text else text


_PROGRAMME = {
    "国家自然科学基金": ["面上项目", "青年科学基金项目", "联合基金项目", "重点项目", "地区联合基金项目"],
    "国家重点研发计划": ["项目", "课题", "青年科学家项目"],
    "吉林省科技发展计划": ["重点研发项目", "科技攻关项目", "重大科技成果转化项目", "自然科学基金项目", "软科学研究项目"],
    "吉林省重大科技专项": ["项目"],
    "吉林省自然科学基金": ["面上项目", "青年项目"],
    "长春市科技发展计划": ["重点科技攻关项目", "科技成果转化项目"],
    "吉林省教育厅科学研究项目": ["科学技术研究项目"],
    "吉林省中青年科技创新卓越人才(团队)项目": ["创新类", "创业类"],
    "国家现代农业产业技术体系": ["岗位科学家项目", "综合试验站项目"],
}


def _innovations(rnd, core: str, tech: str, tech2: str, point: str, point2: str, prob: str, atype: str, industry: str) -> list[str]:
    if atype == "soft_science":
        pool = [f"构建了吉林省{industry}产业发展水平综合评价指标体系。", f"提出了符合吉林省实际的{industry}产业发展路径与政策建议。",
                f"系统识别了制约{industry}产业发展的关键因素。"]
    elif atype == "basic":
        pool = [f"揭示了{core}的关键规律。", f"提出了{point}，丰富了相关理论体系。", f"建立了基于{tech}的理论分析模型。"]
    else:
        pct = int(15 + rnd() * 50)
        pool = [f"提出了{point}，有效解决了{prob}的问题。", f"开发了基于{tech}的{point2}，关键性能指标较现有技术提升{pct}%以上。",
                f"建立了{core}技术体系，形成了具有自主知识产权的核心技术。", f"首次将{tech2}应用于{core}，拓展了{tech2}的应用领域。"]
    k = 1 + int(rnd() * 3)
    start = int(rnd() * len(pool))
    return [pool[(start + i) % len(pool)] for i in range(min(k, len(pool)))]


class _PatentIndex:
    """First applicant -> patents, for linking achievements' IP lists to generated patents."""

    def __init__(self, patents: Iterable[dict] | None, limit: int = _LINK_INDEX_LIMIT):
        self.by_inst: dict[str, list[tuple[str, str, bool]]] = {}
        self.by_field: dict[tuple[str, str], list[tuple[str, str, bool]]] = {}
        self.cursor: dict[tuple[str, str], int] = {}
        if not patents:
            return
        for n, p in enumerate(patents):
            if n >= limit:
                break
            apps = p.get("applicants") or []
            if not apps or not p.get("application_no"):
                continue
            item = (p.get("kind") or "invention", p["application_no"], bool(p.get("granted_at")))
            self.by_inst.setdefault(apps[0], []).append(item)
            self.by_field.setdefault((apps[0], p.get("field") or ""), []).append(item)

    def take(self, inst: str, field: str, rnd) -> tuple[str, str, bool] | None:
        """A patent of ``inst``, preferably in ``field``; each is handed out in turn."""
        if inst not in self.by_inst:
            return None
        key = (inst, field)
        pool = self.by_field.get(key)
        if pool is None or rnd() >= 0.85:
            key, pool = (inst, ""), self.by_inst[inst]
        i = self.cursor.get(key)
        if i is None:
            i = int(rnd() * len(pool))
        self.cursor[key] = i + 1
        return pool[i % len(pool)]


_IP_KIND_TYPE = {"invention": "invention_patent", "utility": "utility_model", "design": "design"}


def _ip_list(rnd, nums: _PatentNumbers, index: _PatentIndex, lead: str, dom: _Domain, topic_kws: tuple, atype: str, kind: str, reg_year: int) -> list[dict]:
    if atype == "soft_science":
        return [] if rnd() < 0.85 else [{"type": "software_copyright", "number": f"{reg_year - 1}SR{int(rnd() * 1e7):07d}"}]
    n = 0 if rnd() < 0.18 else 1 + int(rnd() * rnd() * 4)
    out: list[dict] = []
    seen = set()
    for _ in range(n):
        linked = index.take(lead, dom.code, rnd) if rnd() < 0.7 else None
        if linked:
            kind_code, app_no, granted = linked
            t = _IP_KIND_TYPE.get(kind_code, "invention_patent")
            number = ("ZL" + app_no) if granted or t != "invention_patent" else app_no
        else:
            r = rnd()
            if dom.code in ("electronic_info", "artificial_intelligence", "high_tech_services") and r < 0.35:
                t, number = "software_copyright", f"{reg_year - int(rnd() * 3)}SR{int(rnd() * 1e7):07d}"
            elif dom.code in ("electronic_info", "optoelectronics") and r < 0.45 and any("芯片" in k for k in topic_kws):
                t, number = "ic_layout", f"BS.{int(2e8 + rnd() * 7e8):09d}"
            elif dom.code == "modern_agriculture" and r < 0.5 and any(w in k for k in topic_kws for w in ("种质", "品种", "育种")):
                crop = "玉" if "玉米" in "".join(topic_kws) else ("豆" if "大豆" in "".join(topic_kws) else "稻")
                t, number = "plant_variety", f"吉审{crop}{reg_year - int(rnd() * 4)}{int(1 + rnd() * 80):04d}"
            elif dom.code == "biomedicine" and r < 0.1:
                t, number = "new_drug", f"国药准字{'ZHS'[int(rnd() * 3)]}22{int(rnd() * 1e6):06d}"
            elif r < 0.05:
                t, number = "trade_secret", f"JM{reg_year}{int(rnd() * 1000):03d}"
            else:
                t = "invention_patent" if r < 0.75 else "utility_model"
                y = reg_year - 1 - int(rnd() * 4)
                app = nums.application(max(y, 2010), "1" if t == "invention_patent" else "2", reserved=True)
                number = ("ZL" + app) if (t != "invention_patent" or rnd() < 0.7) else app
        if number not in seen:
            seen.add(number)
            out.append({"type": t, "number": number})
    return out


def achievements(n: int, seed: int = 2024, institutions: list[dict] | None = None,
                 patents: Iterable[dict] | None = None) -> Iterator[dict]:
    """``n`` AchievementSchema input dicts. Pass generated ``patents`` to let the IP lists of
    achievements quote patents their lead institution actually holds."""
    ctx = _Ctx(institutions, seed)
    index = _PatentIndex(patents)
    return _achievement_stream(n, seed, ctx, index)


def _achievement_stream(n: int, seed: int, ctx: _Ctx, index: _PatentIndex) -> Iterator[dict]:
    rng = Random(seed + _OFFSET["achievements"])
    rnd = rng.random
    reg = _RegistrationNumbers()
    nums = _PatentNumbers(seed + 1)
    pick = ctx.pick["achievement"]
    year_start = {y: _ord(y) for y in range(2014, 2028)}
    for _ in range(n):
        yield _achievement(rnd, rng, ctx, pick, reg, nums, index, year_start)


_TESTERS = ["经第三方检测", "经国家级检测机构检测", "经用户单位测试", "经吉林省产品质量监督检验院检测", "经中试验证"]
_AGRI_TESTERS = {"modern_agriculture": ["经田间测产验收", "经多点示范验证"], "beef_cattle": ["经示范场测定", "经第三方检测"],
                 "sika_deer": ["经示范场测定", "经第三方检测"]}


_SOFTWARE_FIELDS = {"high_tech_services", "artificial_intelligence"}


def _dev_phrase(rnd, kind: str, stage: str | None, core: str, prop: str, point: str, field: str = "") -> str:
    if kind == "sense":
        nouns = ("系统", "软件平台", "云平台") if field in _SOFTWARE_FIELDS else ("系统", "装置", "软件平台", "样机")
        return f"构建了{point}，研制出{core}{nouns[int(rnd() * len(nouns))]}"
    if kind == "make":
        return f"开发了{point}，形成了{core}{'成套工艺' if stage == 'mature' else '工艺路线'}"
    if kind == "agro":
        return f"集成了{point}，建立了{core}技术模式"
    if kind == "device":
        return {"early": f"完成了{core}原理样机研制", "pilot": f"研制出{prop}{core}工程样机"}.get(stage or "", f"研制出{prop}{core}系列产品")
    return {"early": f"制备出{prop}{core}样品", "pilot": f"实现了{prop}{core}的中试制备"}.get(stage or "", f"研制出{prop}{core}系列产品并实现批量生产")


def _achievement(rnd, rng, ctx, pick, reg, nums, index, year_start) -> dict:
    dom = _DOMAIN(rnd)
    d = dom.d
    atype = _ACH_TYPE(rnd)
    lead = pick[dom.code](rnd)
    if atype == "applied":
        topic = dom.topics[int(rnd() * len(dom.topics))]
        kind = topic.kind
        tpl_zh, tpl_en = _TITLE_T[kind](rnd)
    elif atype == "basic":
        topic = dom.theory[int(rnd() * len(dom.theory))]
        kind = "basic"
        tpl_zh, tpl_en = _TITLE_T["theory"](rnd)
    else:
        topic = dom.soft
        kind = "soft_science"
        tpl_zh, tpl_en = _TITLE_T["soft"](rnd)
    core, core_en, kws = topic.core, topic.core_en, topic.kws
    apps = topic.apps
    app, app_en = apps[int(rnd() * len(apps))]
    if "{app}" in tpl_zh and any(app[i:i + 2] in core for i in range(len(app) - 1)):
        tpl_zh, tpl_en = _TITLE_FALLBACK[kind]  # "肉牛产业肉牛高效繁育…" reads badly
    techs = topic.techs
    ti = int(rnd() * len(techs))
    tech, tech_en = techs[ti]
    tech2 = techs[(ti + 1 + int(rnd() * (len(techs) - 1))) % len(techs)][0]
    prop, prop_en = topic.props[int(rnd() * len(topic.props))]
    app2 = apps[int(rnd() * len(apps))][0]
    problems, points = topic.problems, topic.points
    prob = problems[int(rnd() * len(problems))]
    prob2 = problems[int(rnd() * len(problems))]
    point = points[int(rnd() * len(points))]
    point2 = points[int(rnd() * len(points))]
    industry = d.industry

    city_zh = _CITY_ZH.get(lead.city, "长春市")
    title = _DOUBLED.sub(r"\1", tpl_zh.format(core=core, tech=tech, prop=prop, app=app, industry=industry, city=city_zh))
    title_en = None
    if rnd() < 0.15:
        title_en = _cap(tpl_en.format(core_en=core_en, tech_en=tech_en, prop_en=prop_en, app_en=app_en,
                                      industry_en=d.industry_en, city_en=_CITY_EN.get(lead.city, "Changchun")))

    # ---- classification
    level = _LEVEL(rnd)
    if atype == "applied":
        trl = _TRL(rnd)
        if trl <= 3:
            stage = "early"
        elif trl == 4:
            stage = "early" if rnd() < 0.4 else "pilot"
        elif trl <= 6:
            stage = "pilot"
        elif trl == 7:
            stage = "pilot" if rnd() < 0.3 else "mature"
        else:
            stage = "mature"
    elif atype == "basic":
        trl, stage = 1 + int(rnd() * 3), "early"
    else:
        trl, stage = None, None

    # ---- dates
    year = _REG_YEAR(rnd)
    y0 = year_start[year]
    span = (REF_ORD + 1 - y0) if year == REF_DATE.year else (year_start[year + 1] - y0)
    reg_ord = y0 + int(rnd() * span)
    end_ord = reg_ord - int(rnd() * 400)
    start_ord = end_ord - int(300 + rnd() * 1500)
    research_years = max(1, round((end_ord - start_ord) / 365))

    # ---- people and institutions
    people, pinyin = _people(rnd, 2 + int(rnd() * rnd() * 7), 0.5 if lead.korean else 0.0)
    insts = [lead.name]
    r = rnd()
    if r < 0.38:
        for _ in range(1 if r < 0.28 else 2):
            other = ctx.cooperators(rnd) if rnd() < 0.4 else pick[dom.code](rnd)
            if other.name not in insts:
                insts.append(other.name)

    # ---- summary (background, work, innovations, indicators, application, level)
    bgs = topic.background
    bg = bgs[int(rnd() * len(bgs))]
    innov = _innovations(rnd, core, tech, tech2, point, point2, prob, atype, industry)
    if atype == "applied":
        dev = _dev_phrase(rnd, kind, stage, core, prop, point, dom.code)
        w = rnd()
        if w < 0.4:
            work = f"针对{prob}{'、' + prob2 if prob2 != prob else ''}等问题，项目组围绕{core}开展系统研究，采用{tech}与{tech2}相结合的技术路线，{dev}。"
        elif w < 0.75:
            work = f"项目组历经{research_years}年攻关，以{core}为核心，综合运用{tech}、{tech2}等方法，{dev}，有效解决了{prob}的难题。"
        else:
            work = f"本成果基于{tech}，{dev}，突破了{prob}等技术瓶颈，可服务于{app}。"
        ms = topic.metrics
        k = 2 + int(rnd() * 2)
        i0 = int(rnd() * len(ms))
        chosen: list[tuple] = []
        for j in range(len(ms)):
            m = ms[(i0 + j) % len(ms)]
            if all(m[0] != c[0] for c in chosen):
                chosen.append(m)
            if len(chosen) >= k:
                break
        metrics = "，".join(_metric_phrase(rnd, m) for m in chosen)
        testers = _AGRI_TESTERS.get(dom.code, _TESTERS) if kind == "agro" else _TESTERS
        tester = testers[int(rnd() * len(testers))]
        compare = {"intl_leading": "处于国际领先水平", "intl_advanced": "达到国际先进水平", "domestic_leading": "优于国内同类技术"}.get(level, "满足行业标准要求")
        indicators = f"{tester}，{metrics}，主要技术指标{compare}。"
        if stage == "mature":
            if dom.code == "modern_agriculture" and kind == "agro":
                use = (f"成果已在{_REGIONS[int(rnd() * len(_REGIONS))]}累计推广应用{int(20 + rnd() * 980)}万亩，平均增产{_fmt_num(5 + rnd() * 12, 1)}%，"
                       f"新增经济效益{_fmt_num(0.5 + rnd() * 20, 1)}亿元。")
            else:
                use = (f"成果已在{_REGIONS[int(rnd() * len(_REGIONS))]}的{int(2 + rnd() * 30)}家企业（单位）推广应用，近三年累计新增产值"
                       f"{int(300 + rnd() * 50000)}万元，新增利税{int(50 + rnd() * 6000)}万元。")
        elif stage == "pilot":
            use = f"目前已完成中试验证，具备产业化条件，可广泛应用于{app}{'、' + app2 if app2 != app else ''}等领域，市场前景广阔。"
        else:
            use = f"目前已完成实验室小试和原理验证，在{app}等领域具有良好的应用前景。"
        sentences = [bg, work]
        if rnd() < 0.6:
            sentences.append("主要创新点：" + "".join(f"（{i + 1}）{x}" for i, x in enumerate(innov)))
        sentences += [indicators, use]
        keywords = list(kws) + [tech]
        if len(keywords) < 3 or rnd() < 0.5:
            keywords.append(app if (app in work or app in use) else tech2)
        if len(keywords) < 5 and rnd() < 0.3:
            keywords.append(tech2)
    elif atype == "basic":
        journals = wb.JOURNALS.get(dom.code, wb.JOURNALS["*"])
        j1 = journals[int(rnd() * len(journals))]
        j2 = journals[int(rnd() * len(journals))]
        papers = int(5 + rnd() * 40)
        sentences = [bg, f"本项目围绕{core}这一关键科学问题，综合运用{tech}、{tech2}等研究手段开展系统研究，"
                         f"揭示了{core}的内在规律，提出了{point}，建立了相应的理论模型。",
                     f"研究成果在{j1}{'、' + j2 if j2 != j1 else ''}等期刊发表论文{papers}篇，其中SCI收录{int(papers * (0.4 + rnd() * 0.5))}篇，"
                     f"被他引{int(papers * (3 + rnd() * 40))}次。",
                     f"成果为{industry}产业发展提供了理论支撑和技术储备。"]
        keywords = list(kws) + [tech] + ([tech2] if rnd() < 0.5 or len(kws) < 2 else [])
    else:
        m1, m2 = rng.sample(_SOFT_METHODS, 2)
        gov = wb.SOFT_ORGS[int(rnd() * len(wb.SOFT_ORGS))]
        sentences = [bg, f"本研究立足吉林省{industry}产业发展实际，采用{m1}、{m2}等方法，系统分析了{industry}产业发展现状、存在问题与发展趋势，"
                         f"识别出{prob}等制约因素。",
                     f"研究构建了{industry}产业发展评价指标体系，提出了推动{industry}产业高质量发展的{int(4 + rnd() * 12)}条对策建议。",
                     f"相关研究报告被{gov}采纳，为制定{industry}产业政策提供了决策参考。"]
        keywords = [f"{industry}产业", m1] + [x for x in _SOFT_KW if x in title][:2] + ([m2] if rnd() < 0.3 else [])

    if level != "not_evaluated":
        org = dom.orgs[int(rnd() * len(dom.orgs))]
        sentences.append(f"经{org}组织专家评价，该成果整体达到{_LEVEL_ZH[level]}水平。")
    else:
        org = None
    summary = "".join(sentences)
    while len(summary) > 600 and len(sentences) > 2:
        # drop the innovation recap first, then the background
        drop = next((i for i, x in enumerate(sentences) if x.startswith("主要创新点")), 0)
        sentences.pop(drop)
        summary = "".join(sentences)
    if len(summary) < 150:
        summary += f"该成果对推动吉林省{industry}产业高质量发展、促进科技成果转化具有重要意义。"
    text = title + summary
    keywords = [x for x in dict.fromkeys(keywords) if x and x in text][:5]
    if len(keywords) < 3:
        for extra in (*kws, tech, tech2, app, f"{industry}产业"):
            if extra and extra in text and extra not in keywords:
                keywords.append(extra)
            if len(keywords) >= 3:
                break

    # ---- evaluation, funding, IP
    eval_ord = end_ord + int(rnd() * max(1, reg_ord - end_ord))
    if level != "not_evaluated":
        evaluation = {"method": _EVAL_METHOD(rnd), "org": org, "date": _iso(eval_ord)}
    elif rnd() < 0.5:
        evaluation = {"method": "acceptance", "org": ["吉林省科学技术厅", "项目主管部门", "长春市科学技术局"][int(rnd() * 3)], "date": _iso(eval_ord)}
    else:
        evaluation = None
    fund, _, pattern = _FUNDING(rnd)
    if fund == "国家现代农业产业技术体系" and dom.code not in _AGRI_CODES:
        fund, pattern = "吉林省科技发展计划", "x"
    fund_year = date.fromordinal(start_ord).year
    grant_no = _grant_no(rnd, fund, pattern, fund_year, dom.code, atype)
    programmes = _PROGRAMME.get(fund)
    if fund == "吉林省科技发展计划":
        programmes = {"basic": ["自然科学基金项目"], "soft_science": ["软科学研究项目"]}.get(atype, programmes[:3])
    programme = f"{fund}{programmes[int(rnd() * len(programmes))]}" if programmes else None
    ip = _ip_list(rnd, nums, index, lead.name, dom, kws, atype, kind, year)

    rec: dict[str, Any] = {
        "title": title,
        "title_en": title_en,
        "registration_no": reg("220" if rnd() < 0.6 else wb.REGISTRATION_REGION.get(lead.city, "220"), year, atype),
        "achievement_type": atype,
        "institutions": insts,
        "people": people,
        "keywords": keywords,
        "summary": summary,
        "innovations": innov,
        "field": dom.code,
        "industry": d.industries[int(rnd() * len(d.industries))] if rnd() < 0.85 else None,
        "discipline": d.disciplines[int(rnd() * len(d.disciplines))],
        "form": _FORMS.get(kind, _FORMS["sense"])(rnd),
        "origin": _ORIGIN(rnd),
        "level": level,
        "stage": stage,
        "trl": trl,
        "evaluation": evaluation,
        "funding_source": fund,
        "programme": programme,
        "grant_no": grant_no,
        "research_start": _yyyymm(start_ord),
        "research_end": _yyyymm(end_ord),
        "registered_at": _iso(reg_ord),
        "ip": ip,
    }

    # ---- transfer and price
    if atype == "applied" or rnd() < 0.15:
        k = 1 + int(rnd() * rnd() * 3)
        modes: list[str] = []
        while len(modes) < k:
            m = _TRANSFER_MODE(rnd)
            if m not in modes:
                modes.append(m)
        rec["transfer_modes"] = modes
    else:
        rec["transfer_modes"] = []
    if atype == "applied":
        r = rnd()
        if r < 0.4:
            rec["price"] = {"mode": "negotiable"}
        elif r < 0.75:
            rec["price"] = {"mode": "fixed", "amount": _round_money(_log_uniform(rnd, 5e4, 2e7))}
        else:
            low = _round_money(_log_uniform(rnd, 5e4, 1e7))
            rec["price"] = {"mode": "range", "amount": low, "amount_max": min(_round_money(low * (1.5 + rnd() * 2.5)), 20_000_000)}
    else:
        rec["price"] = None
    transferred = atype == "applied" and rnd() < {"mature": 0.34, "pilot": 0.16}.get(stage, 0.05)
    status_texts = wb.APPLICATION_STATUS.get(stage or "early")
    status = status_texts[int(rnd() * len(status_texts))]
    if transferred:
        amount = _round_money(_log_uniform(rnd, 5e4, 1.5e7))
        status = f"已通过{['技术转让', '许可实施', '作价入股', '合作开发'][int(rnd() * 4)]}方式实现转化"
        rec.update(application_status=status, transferred=True, transfer_amount=amount)
    else:
        rec.update(application_status=status if atype != "soft_science" else "研究报告已提交相关部门参考",
                   transferred=False if atype == "applied" else None, transfer_amount=None)

    # ---- contact, attachments, scores
    if rnd() < 0.6:
        cname, cpy = people[0], pinyin[0]
    else:
        cname, cpy = _person(rnd, lead.korean and rnd() < 0.5)
    rec["contact"] = {"name": cname, "phone": _phone(rnd, lead.area),
                      "email": f"{cpy}{int(rnd() * 100) if rnd() < 0.2 else ''}@{lead.slug}.{EMAIL_DOMAIN}"}
    attachments = []
    for kind_a in wb.ATTACHMENT_KINDS:
        if rnd() < 0.22:
            attachments.append({"kind": kind_a, "name": f"{kind_a}.pdf"})
    rec["attachments"] = attachments
    if rnd() < 0.7:
        base = {"intl_leading": 88, "intl_advanced": 82, "domestic_leading": 76, "domestic_advanced": 70}.get(level, 65)
        rec["scores"] = {x: round(min(99.0, max(40.0, base + (rnd() - 0.5) * 18)), 1) for x in ("innovation", "indicators", "difficulty", "maturity", "impact")}
    else:
        rec["scores"] = None
    return rec


# ============================================================================================
# patents
# ============================================================================================

_PATENT_KIND_BY_TYPE = {
    "university": _W(["invention", "utility", "design"], [80, 17, 3]),
    "institute": _W(["invention", "utility", "design"], [82, 16, 2]),
    "enterprise": _W(["invention", "utility", "design"], [45, 40, 15]),
    "hospital": _W(["invention", "utility", "design"], [35, 60, 5]),
    "other": _W(["invention", "utility", "design"], [40, 45, 15]),
    "person": _W(["invention", "utility", "design"], [20, 50, 30]),
}
_STATUS_INVENTION = _W(["in_force", "pending", "lapsed", "rejected", "withdrawn", "expired", "invalidated"], [40, 42, 8, 4, 4, 0.8, 1.2])
_STATUS_OTHER = _W(["in_force", "pending", "lapsed", "expired", "invalidated", "withdrawn"], [58, 6, 26, 6, 3, 1])
_PAYMENT = _W(["lump_sum", "royalty", "entry_plus_royalty"], [50, 30, 20])
_COUNT = _W([0, 1, 2, 3], [85, 11, 3, 1])
_LICENCE_COUNT = _W([0, 1, 2, 3], [86, 10, 3, 1])
_PLEDGE_COUNT = _W([0, 1, 2], [92, 6, 2])


def patents(n: int, seed: int = 2024, institutions: list[dict] | None = None) -> Iterator[dict]:
    """``n`` PatentSchema input dicts with real CNIPA check digits and unique numbers."""
    ctx = _Ctx(institutions, seed)
    return _patent_stream(n, seed, ctx)


def _patent_stream(n: int, seed: int, ctx: _Ctx) -> Iterator[dict]:
    rng = Random(seed + _OFFSET["patents"])
    rnd = rng.random
    nums = _PatentNumbers(seed)
    agencies = []
    arng = Random(seed + 5)
    for _ in range(14):
        (b1, _), (b2, _) = arng.sample(wb.BRAND_CHARS, 2)
        agencies.append(wb.AGENCY_PATTERNS[int(arng.random() * len(wb.AGENCY_PATTERNS))].format(b=b1 + b2))
    agencies = list(dict.fromkeys(agencies))
    for _ in range(n):
        yield _patent(rnd, rng, ctx, nums, agencies)


def _dates_for(rnd, kind: str, status: str) -> dict[str, int | None]:
    """Ordinals for filing, publication, grant and the status-ending event."""
    lo2010 = _ord(2010)
    if kind == "invention":
        if status == "pending":
            filed = REF_ORD - int(30 + rnd() * 4 * 365)
            early = rnd() < 0.35
            pub = filed + (int(90 + rnd() * 270) if early else int(540 + rnd() * 30))
            return {"filed": filed, "pub": pub if pub <= REF_ORD else None, "grant": None, "end": None}
        if status == "expired":
            filed = _ord(2003) + int(rnd() * (_ord(2006, 6, 1) - _ord(2003)))
            pub = filed + int(180 + rnd() * 380)
            grant = filed + int(700 + rnd() * 900)
            return {"filed": filed, "pub": pub, "grant": grant, "end": filed + 365 * 20 + 5}
        if status in ("rejected", "withdrawn"):
            filed = _ord(2012) + int(rnd() * (REF_ORD - 730 - _ord(2012)))
            pub = filed + int(180 + rnd() * 380)
            end = min(REF_ORD, filed + int(700 + rnd() * 800))
            return {"filed": filed, "pub": pub, "grant": None, "end": max(end, pub + 30)}
        delay = int(480 + rnd() * 1100)
        room = 400 if status in ("lapsed", "invalidated") else 0
        filed = lo2010 + int(rnd() * (REF_ORD - delay - room - lo2010))
        pub = filed + (int(90 + rnd() * 270) if rnd() < 0.35 else int(540 + rnd() * 30))
        grant = max(filed + delay, pub + 60)
        if grant > REF_ORD:
            grant = REF_ORD - int(rnd() * 30)
            pub = min(pub, grant - 60)
        end = None
        if status == "lapsed":
            end = grant + 200 + int(rnd() * max(1, min(2600, REF_ORD - grant - 200)))
        elif status == "invalidated":
            end = grant + 200 + int(rnd() * max(1, min(1500, REF_ORD - grant - 200)))
        return {"filed": filed, "pub": pub, "grant": grant, "end": end}
    # utility model / design: granted without a separate publication
    term = 365 * 10
    if status == "pending":
        filed = REF_ORD - int(20 + rnd() * 280)
        return {"filed": filed, "pub": None, "grant": None, "end": None}
    if status == "expired":
        filed = _ord(2008) + int(rnd() * (_ord(2016, 6, 1) - _ord(2008)))
        grant = filed + int(120 + rnd() * 240)
        return {"filed": filed, "pub": grant, "grant": grant, "end": filed + term + 3}
    if status == "withdrawn":
        filed = REF_ORD - int(200 + rnd() * 2000)
        return {"filed": filed, "pub": None, "grant": None, "end": min(REF_ORD, filed + int(120 + rnd() * 200))}
    lo = _ord(2016, 7, 1) if status == "in_force" else _ord(2012)
    delay = int(120 + rnd() * 240)
    room = 400 if status in ("lapsed", "invalidated") else 0
    filed = lo + int(rnd() * (REF_ORD - delay - room - lo))
    grant = filed + delay
    end = None
    if status == "lapsed":
        end = min(filed + term - 30, grant + 200 + int(rnd() * max(1, min(2200, REF_ORD - grant - 200))))
    elif status == "invalidated":
        end = grant + 200 + int(rnd() * max(1, min(1200, REF_ORD - grant - 200)))
    return {"filed": filed, "pub": grant, "grant": grant, "end": end}


_PATENT_EFFECTS = {
    "sense": ["提高了识别精度和效率", "实现了过程的自动化与智能化", "实时性好、鲁棒性强", "降低了人工成本"],
    "make": ["工艺简单、易于工业化生产", "降低了生产成本", "产品收率高、质量稳定", "绿色环保、能耗低"],
    "product": ["显著提升了产品性能", "原料易得、成本低廉", "具有良好的推广应用价值", "性能稳定、安全性好"],
    "agro": ["操作简便、易于推广", "显著提高了产量和效益", "绿色环保、成本低", "适合规模化应用"],
    "device": ["结构紧凑、运行可靠", "集成度高、体积小", "便于安装与维护", "显著提升了系统性能", "降低了制造成本"],
}


_ELECTRONIC_FIELDS = {"electronic_info", "artificial_intelligence", "optoelectronics", "high_tech_services"}
_ELEC_PARTS = ["电源模块", "控制电路", "通信接口", "存储模块", "外壳", "散热片", "连接器", "印制电路板", "显示模块"]


def _utility_ipc(device: str) -> str | None:
    for word, code in wb.UTILITY_IPC:
        if word in device:
            return code
    return None


_SENSE_HINTS = ((0, ("识别", "鉴定", "鉴别", "分割", "表型", "抽取")), (1, ("预测", "预警", "估计")), (2, ("检测", "诊断", "监测", "探测", "质检")),
                (3, ("评估", "评价", "分级", "匹配", "溯源")), (4, ("控制", "调节", "规划", "导航", "管理", "跟踪", "调度", "播种", "装调")))


def _sense_model(core: str, rnd) -> int:
    for idx, hints in _SENSE_HINTS:
        if any(h in core for h in hints):
            return idx
    return int(rnd() * 4)


def _parts(rng: Random, dom: "_Domain", subject: str, k: int) -> list[str]:
    """``k`` distinct components of ``subject``: its own parts first, then the field's generic
    ones, topped up with generic mechanical parts."""
    specific = [x for tags, x in dom.parts if tags and any(t in subject for t in tags)]
    generic = [x for tags, x in dom.parts if not tags]
    out = rng.sample(specific, min(len(specific), k))
    if len(out) < k and generic:
        out += rng.sample(generic, min(len(generic), k - len(out) - (1 if rng.random() < 0.4 else 0)))
    filler = _ELEC_PARTS if dom.code in _ELECTRONIC_FIELDS else wb.MECH_PARTS
    while len(out) < k:
        p = filler[int(rng.random() * len(filler))]
        if p not in out:
            out.append(p)
    return out


def _patent(rnd, rng, ctx: _Ctx, nums: _PatentNumbers, agencies: list[str]) -> dict:
    dom = _DOMAIN(rnd)
    d = dom.d
    person_applicant = rnd() < 0.04
    lead = ctx.pick["patent"][dom.code](rnd)
    kind = _PATENT_KIND_BY_TYPE["person" if person_applicant else lead.type](rnd)
    status = (_STATUS_INVENTION if kind == "invention" else _STATUS_OTHER)(rnd)
    dt = _dates_for(rnd, kind, status)
    filed, pub, grant, end = dt["filed"], dt["pub"], dt["grant"], dt["end"]
    fyear = date.fromordinal(filed).year

    # ---- applicants and inventors
    inventors, _ = _people(rnd, 1 + int(rnd() * rnd() * 8) if kind != "design" else 1 + int(rnd() * 2), 0.5 if lead.korean else 0.0)
    if person_applicant:
        applicants = [inventors[0]]
        city = lead.city if rnd() < 0.5 else list(wb.CITY_WEIGHTS)[int(rnd() * len(wb.CITY_WEIGHTS))]
        address = _address(rnd, city)
    else:
        applicants = [lead.name]
        r = rnd()
        if r < 0.22:
            for _ in range(1 if r < 0.17 else 2):
                other = ctx.cooperators(rnd) if rnd() < 0.5 else ctx.enterprises(rnd)
                if other.name not in applicants:
                    applicants.append(other.name)
        city = lead.city
        address = lead.address or _address(rnd, city)

    # ---- title, abstract, claim
    title_en = None
    ipc_pool: list[str] = []
    ipc_first: list[str] = []
    if kind == "invention":
        topic = dom.topics[int(rnd() * len(dom.topics))]
        core, core_en, tkind, kws = topic.core, topic.core_en, topic.kind, topic.kws
        tech, tech_en = topic.techs[int(rnd() * len(topic.techs))]
        prop = topic.props[int(rnd() * len(topic.props))][0]
        app = topic.apps[int(rnd() * len(topic.apps))][0]
        title = _DOUBLED.sub(r"\1", _PATENT_T[tkind](rnd).format(core=core, tech=tech, prop=prop, app=app))
        subject_title = title[2:] if title.startswith("一种") else title
        if rnd() < 0.1:
            head = {"product": "", "device": ""}.get(tkind, "Method for ")
            title_en = _cap(f"{head}{core_en}" + (f" based on {tech_en}" if tech in title else ""))
        effects = _PATENT_EFFECTS[tkind]
        effect = effects[int(rnd() * len(effects))]
        subject = topic.subject
        steps: list[str] = []
        if tkind == "sense":
            signal = topic.signals[int(rnd() * len(topic.signals))]
            mi = _sense_model(core, rnd)
            model = ("识别模型", "预测模型", "检测模型", "评估模型", "控制模型")[mi]
            result = ("识别结果", "预测结果", "检测结果", "评估结果", "控制指令")[mi]
            steps = [f"采集{subject}的{signal}，并进行去噪和归一化预处理", f"构建基于{tech}的{model}，利用标注样本集对所述{model}进行训练",
                     f"将待测{signal}输入训练好的{model}，输出{subject}的{result}"]
        elif tkind == "agro":
            pool = topic.steps
            if len(pool) >= 3:
                k = 3 if len(pool) == 3 or rnd() < 0.6 else 4
                idx = sorted(rng.sample(range(len(pool)), min(k, len(pool))))
                raw = d.raws[int(rnd() * len(d.raws))] if d.raws else "改良剂"
                spec = topic.techs_specific
                step_tech = tech if (tech, tech_en) in spec or not spec else spec[int(rnd() * len(spec))][0]
                steps = [pool[i].format(n=int(2 + rnd() * 60), k=int(5 + rnd() * 11), d=int(3500 + rnd() * 3000), tech=step_tech, raw=raw) for i in idx]
            else:
                steps = [f"选择适宜地块，于播种前进行{tech}", f"按照{int(3500 + rnd() * 3000)}株/亩的密度进行{['播种', '移栽', '栽植'][int(rnd() * 3)]}",
                         "在生长关键期进行水肥调控和病虫害绿色防控，成熟后适时收获"]
        elif tkind in ("make", "product"):
            raws = d.raws or ["基体材料", "改性助剂"]
            r1 = raws[int(rnd() * len(raws))]
            r2 = raws[int(rnd() * len(raws))]
            if r2 == r1:
                r2 = wb.SOLVENTS[int(rnd() * len(wb.SOLVENTS))]
            last = f"得到所述{core}" if tkind == "product" else f"即完成所述{core}"
            steps = [f"将{r1}与{r2}按质量比1:{_fmt_num(0.5 + rnd() * 9.5, 1)}混合，加入{wb.SOLVENTS[int(rnd() * len(wb.SOLVENTS))]}中搅拌{int(10 + rnd() * 110)}min",
                     f"将所得混合物于{int(40 + rnd() * 900)}℃下{wb.OPERATIONS[int(rnd() * len(wb.OPERATIONS))]}{_fmt_num(0.5 + rnd() * 23.5, 1)}h",
                     f"经{['洗涤、过滤和干燥', '冷却、分离和纯化', '后处理'][int(rnd() * 3)]}，{last}"]
        if tkind == "device":
            parts = _parts(rng, dom, core, 4)
            abstract = (f"本发明公开了一种{subject_title}，属于{d.area}技术领域，包括{parts[0]}、{parts[1]}、{parts[2]}和{parts[3]}，"
                        f"所述{parts[0]}与{parts[1]}连接，所述{parts[2]}设置于{parts[1]}的{wb.MECH_POSITIONS[int(rnd() * len(wb.MECH_POSITIONS))]}，"
                        f"所述{parts[3]}与所述{parts[2]}相配合。本发明{effect}。")
            links = ("电连接", "信号连接") if dom.code in _ELECTRONIC_FIELDS else ("固定连接", "传动连接", "可拆卸连接")
            claim = (f"1. 一种{core}，其特征在于，包括{parts[0]}、{parts[1]}、{parts[2]}和{parts[3]}；所述{parts[0]}与所述{parts[1]}"
                     f"{links[int(rnd() * len(links))]}；所述{parts[2]}安装于所述{parts[1]}的"
                     f"{wb.MECH_POSITIONS[int(rnd() * len(wb.MECH_POSITIONS))]}；所述{parts[3]}与所述{parts[2]}相连。")
        elif tkind == "product":
            abstract = (f"本发明公开了一种{subject_title}，属于{d.area}技术领域。其制备方法包括：{'；'.join(steps)}。本发明{effect}。")
            raws = d.raws or ["基体材料", "改性助剂"]
            names = list(dict.fromkeys(raws[(j * 3 + int(rnd() * 3)) % len(raws)] for j in range(3)))
            parts_txt = "、".join(f"{n_}{int(1 + rnd() * 40)}-{int(41 + rnd() * 60)}份" for n_ in names)
            claim = f"1. 一种{core}，其特征在于，按重量份计，包括以下原料：{parts_txt}。"
        else:
            abstract = f"本发明公开了一种{subject_title}，属于{d.area}技术领域。该方法包括：{'；'.join(steps)}。本发明{effect}。"
            method = f"基于{tech}的{core}方法" if f"基于{tech}" in title else f"{core}方法"
            body = "；\n".join(f"S{i + 1}、{x}" for i, x in enumerate(steps))
            claim = f"1. 一种{method}，其特征在于，包括以下步骤：\n{body}。"
        keywords = list(kws) + ([tech] if tech in title else [])
        ipc_first, ipc_pool = topic.ipc_specific, topic.ipc
    elif kind == "utility":
        device = d.devices[int(rnd() * len(d.devices))]
        adj = wb.UTILITY_ADJECTIVES[int(rnd() * len(wb.UTILITY_ADJECTIVES))]
        if adj and _overlaps(adj.rstrip("的"), device):
            adj = ""
        title = f"一种{adj}{device}"
        p = _parts(rng, dom, device, 4)
        pos = rng.sample(wb.MECH_POSITIONS, 2)
        abstract = (f"本实用新型公开了一种{adj}{device}，涉及{d.area}技术领域，包括{p[0]}，所述{p[0]}的{pos[0]}设置有{p[1]}，所述{p[1]}的{pos[1]}"
                    f"安装有{p[2]}，所述{p[2]}与{p[3]}连接。本实用新型结构简单、操作方便，"
                    f"{['能够有效提高工作效率', '提高了使用的稳定性和安全性', '便于维护和更换', '降低了使用成本'][int(rnd() * 4)]}。")
        claim = (f"1. 一种{adj}{device}，包括{p[0]}（1），其特征在于：所述{p[0]}（1）的{pos[0]}固定连接有{p[1]}（2），"
                 f"所述{p[1]}（2）的{pos[1]}设置有{p[2]}（3），所述{p[2]}（3）的一侧与{p[3]}（4）{['传动连接', '固定连接', '滑动连接', '电性连接'][int(rnd() * 4)]}。")
        keywords = [device]
        topic = dom.match_device(device)
        if topic is not None:
            keywords += [k for k in topic.kws if k in device]
        ipc_pool = list(topic.ipc_specific if topic is not None and topic.ipc_specific else [c for tags, c in dom.ipc if not tags] or [c for _, c in dom.ipc])
        own = _utility_ipc(device)
        ipc_first = [own] if own else []
        if own and own not in ipc_pool:
            ipc_pool.insert(0, own)
    else:
        product = d.products[int(rnd() * len(d.products))]
        variant = ["", "", "", f"（{['A', 'B', 'C', 'X', 'S'][int(rnd() * 5)]}{int(1 + rnd() * 9)}）", "（便携式）", "（智能型）"][int(rnd() * 6)]
        title = product + variant
        use = _pair(dom.apps[int(rnd() * len(dom.apps))][1])[0]
        abstract = (f"1．本外观设计产品的名称：{title}。2．本外观设计产品的用途：本外观设计产品用于{use}领域。"
                    f"3．本外观设计产品的设计要点：在于{['形状', '形状与图案的结合', '形状与色彩的结合'][int(rnd() * 3)]}。"
                    f"4．最能表明设计要点的图片或照片：{['立体图', '主视图', '设计1立体图'][int(rnd() * 3)]}。")
        claim = None
        keywords = [product]

    # ---- numbers
    digit = {"invention": "1", "utility": "2", "design": "3"}[kind]
    app_no = nums.application(fyear, digit)
    publication_no = grant_no = None
    if kind == "invention":
        if pub is not None:
            serial = nums.publication(date.fromordinal(pub).year, "invention")
            publication_no = f"CN{serial}A"
            if grant is not None:
                grant_no = f"CN{serial}B"
    elif grant is not None:
        serial = nums.publication(date.fromordinal(grant).year, kind)
        publication_no = grant_no = f"CN{serial}{'U' if kind == 'utility' else 'S'}"

    ipc: list[str] = []
    main = None
    if ipc_pool:
        main = ipc_first[int(rnd() * len(ipc_first))] if ipc_first and rnd() < 0.9 else ipc_pool[int(rnd() * len(ipc_pool))]
        ipc = [main]
        for _ in range(int(rnd() * 4)):
            c = ipc_pool[int(rnd() * len(ipc_pool))]
            if c not in ipc:
                ipc.append(c)

    # ---- legal events, owners, open licence
    events: list[dict] = []
    if kind == "invention" and pub is not None:
        events.append({"date": _iso(pub), "code": "publication", "description": "发明专利申请公布"})
        exam = pub + int(20 + rnd() * 120)
        if (grant is None or exam < grant) and exam <= REF_ORD and (end is None or exam < end):
            events.append({"date": _iso(exam), "code": "examination", "description": "实质审查的生效"})
    if grant is not None:
        events.append({"date": _iso(grant), "code": "grant", "description": "授权" if kind == "invention" else "授权公告"})
    owners: list[str] = list(applicants) if grant is not None else []
    transfers = licences = pledges = 0
    open_licence = None
    if grant is not None:
        transfers = _COUNT(rnd)
        licences = _LICENCE_COUNT(rnd)
        pledges = _PLEDGE_COUNT(rnd) if (lead.type == "enterprise" or transfers) else 0
        last = end if end is not None else REF_ORD
        window = max(1, last - grant)
        history: list[tuple[int, list[str]]] = [(grant, list(owners))]  # (from date, owners)
        planned, transfers = transfers, 0
        for when in sorted(grant + int(rnd() * window) for _ in range(planned)):
            new_owner = ctx.enterprises(rnd).name
            if new_owner in owners:
                continue
            transfers += 1
            events.append({"date": _iso(when), "code": "transfer",
                           "description": f"专利权的转移，变更前权利人：{'；'.join(owners)}，变更后权利人：{new_owner}"})
            owners = [new_owner]
            history.append((when, owners))

        def owner_at(day: int) -> str:
            current = history[0][1]
            for since, who in history:
                if since <= day:
                    current = who
            return current[0]

        for _ in range(licences):
            when = grant + int(rnd() * window)
            events.append({"date": _iso(when), "code": "licence",
                           "description": f"专利实施许可合同备案的生效，合同备案号：X{date.fromordinal(when).year}22{int(rnd() * 1e6):06d}，"
                                          f"让与人：{owner_at(when)}，受让人：{ctx.enterprises(rnd).name}，许可种类：{'普通许可' if rnd() < 0.8 else '独占许可'}"})
        for _ in range(pledges):
            when = grant + int(rnd() * window)
            events.append({"date": _iso(when), "code": "pledge",
                           "description": f"专利权质押合同登记的生效，登记号：Y{date.fromordinal(when).year}22{int(rnd() * 1e6):06d}，"
                                          f"出质人：{owner_at(when)}，质权人：{wb.BANKS[int(rnd() * len(wb.BANKS))]}"})
        if status == "in_force" and rnd() < 0.15:
            declared = max(grant, OPEN_LICENCE_START) + int(rnd() * max(1, REF_ORD - max(grant, OPEN_LICENCE_START)))
            declared = min(declared, REF_ORD)
            payment = _PAYMENT(rnd)
            years = [1, 2, 3, 5][int(rnd() * 4)]
            term = f"{years}年" if rnd() < 0.7 else "至专利权有效期届满"
            open_licence = {"declared_at": _iso(declared), "payment": payment, "term": term}
            if payment == "lump_sum":
                fee = _round_money(_log_uniform(rnd, 1e4, 1e6))
                open_licence["fee"] = fee
                terms = f"一次性支付许可使用费{fee // 10000}万元，许可期限{term}"
            elif payment == "royalty":
                rate = round(0.5 + rnd() * 7.5, 1)
                open_licence["royalty_rate"] = rate
                terms = f"按被许可产品年净销售额的{rate}%支付许可使用费，许可期限{term}"
            else:
                fee = _round_money(_log_uniform(rnd, 1e4, 2e5))
                rate = round(0.5 + rnd() * 4.5, 1)
                open_licence.update(fee=fee, royalty_rate=rate)
                terms = f"入门费{fee // 10000}万元，另按年净销售额的{rate}%提成，许可期限{term}"
            if kind != "invention":
                terms += "；已作出专利权评价报告"
            open_licence["terms"] = terms
            if rnd() < 0.05 and declared + 30 < REF_ORD:
                open_licence["withdrawn_at"] = _iso(declared + int(30 + rnd() * (REF_ORD - declared - 30)))
            events.append({"date": _iso(declared), "code": "open_licence", "description": f"专利开放许可声明：{terms}"})
    if end is not None:
        event = {
            "lapsed": ("lapse", "未缴年费专利权终止"),
            "rejected": ("rejection", "发明专利申请公布后的驳回"),
            "withdrawn": ("withdrawal", "发明专利申请公布后的视为撤回" if kind == "invention" else "专利申请视为撤回"),
            "expired": ("expiry", "专利权有效期届满"),
            "invalidated": ("invalidation", "专利权全部无效"),
        }[status]
        if status == "invalidated":
            events.append({"date": _iso(max(grant + 30, end - int(90 + rnd() * 200))), "code": "invalidation_request", "description": "无效宣告请求"})
        events.append({"date": _iso(end), "code": event[0], "description": event[1]})
    events.sort(key=lambda e: e["date"])

    rec: dict[str, Any] = {
        "application_no": app_no,
        "publication_no": publication_no,
        "grant_no": grant_no,
        "filed_at": _iso(filed),
        "publication_date": _iso(pub) if pub is not None else None,
        "granted_at": _iso(grant) if grant is not None else None,
        "kind": kind,
        "title": title,
        "title_en": title_en,
        "abstract": abstract,
        "first_claim": claim,
        "keywords": [k for k in dict.fromkeys(keywords) if k][:5],
        "applicants": applicants,
        "inventors": inventors,
        "owners": owners,
        "applicant_address": address,
        "province_code": "22",
        "city": city,
        "field": dom.code,
        "ipc_main": main,
        "ipc": ipc,
        "agency": agencies[int(rnd() * len(agencies))] if rnd() < 0.7 else None,
        "agent": None,
        "priority": [],
        "legal_status": status,
        "legal_events": events,
        "transfers": transfers,
        "licences": licences,
        "pledges": pledges,
        "open_licence": open_licence,
        "family": [],
        "citations": int(rnd() * rnd() * 30),
    }
    if rec["agency"]:
        rec["agent"] = _person(rnd)[0]
    if kind == "invention" and rnd() < 0.03 and fyear > 2011:
        pdate = filed - int(30 + rnd() * 330)  # domestic priority: an earlier application within 12 months
        first12 = f"{date.fromordinal(pdate).year}1{int(5e6 + rnd() * 5e6):07d}"
        rec["priority"] = [{"number": f"{first12}.{check_digit(first12)}", "date": _iso(pdate), "country": "CN"}]
    if kind == "invention" and grant is not None and rnd() < 0.05:
        rec["family"] = [f"WO{fyear + 1}{int(rnd() * 1e6):06d}A1"] + ([f"US{fyear + 2}0{int(rnd() * 1e6):06d}A1"] if rnd() < 0.5 else [])
    return rec


# ============================================================================================
# instruments
# ============================================================================================

_INSTRUMENT = _W(wb.INSTRUMENTS, [t.weight for t in wb.INSTRUMENTS])
_RUN_STATUS = _W(["normal", "repair", "idle", "scrapped"], [88, 5, 5, 2])
_FUNDING_I = _W(["central", "local", "own", "other"], [45, 25, 25, 5])
_SERVICE = ["commissioned_testing", "self_operation", "collaborative_research"]


def instruments(n: int, seed: int = 2024, institutions: list[dict] | None = None) -> Iterator[dict]:
    """``n`` InstrumentSchema input dicts; asset numbers are unique per institution."""
    ctx = _Ctx(institutions, seed)
    return _instrument_stream(n, seed, ctx)


def _instrument_stream(n: int, seed: int, ctx: _Ctx) -> Iterator[dict]:
    rng = Random(seed + _OFFSET["instruments"])
    rnd = rng.random
    counters: dict[str, int] = {}
    for _ in range(n):
        yield _instrument(rnd, rng, ctx, counters)


_SLOT = re.compile(r"\{([^{}]+)\}")


def _fill(text: str, rnd) -> str:
    """Fill ``{a|b|c}`` (one of the alternatives) and ``{lo~hi:decimals}`` (a number) slots."""
    if "{" not in text:
        return text

    def slot(m: re.Match) -> str:
        body = m.group(1)
        if "~" in body:
            rng_part, _, dec = body.partition(":")
            lo, hi = (float(x) for x in rng_part.split("~"))
            return _fmt_num(lo + rnd() * (hi - lo), int(dec or 0))
        options = body.split("|")
        return options[int(rnd() * len(options))]

    return _SLOT.sub(slot, text)


def _instrument(rnd, rng, ctx: _Ctx, counters: dict[str, int]) -> dict:
    it = _INSTRUMENT(rnd)
    field_code = it.fields[int(rnd() * rnd() * len(it.fields))]
    inst = ctx.pick["instrument"][field_code](rnd)
    manufacturer, model, country = it.models[int(rnd() * len(it.models))]
    lo, hi = it.value_wan
    value = round(_log_uniform(rnd, lo, hi) * 10_000, -2)
    bought = _ord(2008) + int(rnd() * (_ord(2025, 12, 1) - _ord(2008)))
    commissioned = min(REF_ORD, bought + int(20 + rnd() * 160))
    byear = date.fromordinal(bought).year
    status = _RUN_STATUS(rnd)
    if status == "scrapped" and byear > 2016:
        status = "idle"
    shared = status in ("normal", "repair") and rnd() < 0.9
    n = counters.get(inst.name, 0) + 1
    counters[inst.name] = n
    asset_no = f"{inst.slug.upper()[:6]}{byear}{n:05d}" if rnd() < 0.5 else f"{byear}{n:05d}"
    inside, outside = {"university": ("校内", "校外"), "institute": ("所内", "所外"), "hospital": ("院内", "院外")}.get(inst.type, ("内部", "外部"))
    f_lo, f_hi, unit = it.fee
    if f_lo == f_hi:
        fees = f"{inside} 0.05元/核时(CPU)，1.5元/卡时(GPU)；{outside} 0.1元/核时(CPU)，3元/卡时(GPU)"
        rate = 120.0
    else:
        fee_in = int(round((f_lo + rnd() * (f_hi - f_lo)) / 10.0) * 10)
        fees = f"{inside} {fee_in}{unit}；{outside} {fee_in * 2}{unit}"
        rate = fee_in * 2.0 if "小时" in unit else fee_in * 2.0 * 1.5
    modes = ["commissioned_testing"]
    if rnd() < 0.55:
        modes.append("self_operation")
    if rnd() < 0.35:
        modes.append("collaborative_research")
    hours = round(50 + rnd() * rnd() * 1800, 1) if shared else 0.0
    income = round(hours * rate * (0.6 + rnd() * 0.8), -2) if shared else 0.0
    specs = "；".join(_fill(s, rnd) for s in it.specs)
    areas = list(it.areas[:2]) + [a for a in it.areas[2:] if rnd() < 0.6]
    lab_kind = wb.INSTRUMENT_LABS[int(rnd() * len(wb.INSTRUMENT_LABS))]
    if inst.type == "university" and rnd() < 0.5:
        lab = f"{DOMAIN_BY_CODE[field_code].label}{['学院', '研究院'][int(rnd() * 2)]}{lab_kind}"
    elif rnd() < 0.4:
        lab = f"吉林省{DOMAIN_BY_CODE[field_code].d.industry}{['重点实验室', '工程研究中心', '工程技术研究中心'][int(rnd() * 3)]}"
    else:
        lab = lab_kind
    building = wb.INSTRUMENT_BUILDINGS[int(rnd() * len(wb.INSTRUMENT_BUILDINGS))]
    address = f"{inst.address or _address(rnd, inst.city)}{building}{int(1 + rnd() * 6)}{int(1 + rnd() * 30):02d}室"
    cname, cpy = _person(rnd, inst.korean and rnd() < 0.5)
    return {
        "name": it.name,
        "name_en": it.name_en,
        "asset_no": asset_no,
        "class_code": it.code,
        "instrument_class": it.cls,
        "model": model,
        "manufacturer": manufacturer,
        "country": country,
        "origin": "domestic" if country == "中国" else "imported",
        "specs": specs,
        "functions": it.functions,
        "research_areas": areas,
        "accessories": it.accessories or None,
        "value": value,
        "purchased_at": _iso(bought),
        "commissioned_at": _iso(commissioned),
        "funding": _FUNDING_I(rnd),
        "institution": inst.name,
        "lab": lab,
        "address": address,
        "city": inst.city,
        "run_status": status,
        "shared": shared,
        "open_hours": wb.OPEN_HOURS[int(rnd() * len(wb.OPEN_HOURS))] if shared else None,
        "fees": fees if shared else None,
        "service_modes": modes if shared else [],
        # hours open to users: the external service hours plus the holder's own use, within a
        # working year (derived, not drawn: the other demo values stay as they were)
        "annual_open_hours": round(min(2400.0, hours * 1.4 + 400 + (int(value) // 1000) % 300), 1) if shared else 0.0,
        "external_hours_per_year": hours,
        "external_income_per_year": income,
        "stats_year": 2025,
        "contact": {"name": cname, "phone": _phone(rnd, inst.area), "email": f"{cpy}@{inst.slug}.{EMAIL_DOMAIN}"},
        "images": [],
    }


# ============================================================================================
# dataset and command line
# ============================================================================================

def dataset(n_achievements: int = 2000, n_patents: int = 1500, n_instruments: int = 500, seed: int = 2024,
            materialize: bool = True) -> dict[str, list | Iterator]:
    """The whole demo dataset. Patents are generated first so that achievements can quote
    them; with ``materialize=False`` achievements and instruments stay lazy iterators."""
    insts = institutions(seed)
    pats = list(patents(n_patents, seed, insts))
    achs = achievements(n_achievements, seed, insts, patents=pats)
    instr = instruments(n_instruments, seed, insts)
    if materialize:
        return {"institutions": insts, "patents": pats, "achievements": list(achs), "instruments": list(instr)}
    return {"institutions": insts, "patents": pats, "achievements": achs, "instruments": instr}


def _dump(rec: dict, record_type: str) -> str:
    out = {"record_type": record_type}
    out.update(rec)
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo.generator",
                                     description="Generate deterministic demo records as JSON Lines (record_type: institution/patent/achievement/instrument).")
    parser.add_argument("--achievements", type=int, default=None, help="number of achievements (default 2000 when no count is given)")
    parser.add_argument("--patents", type=int, default=None, help="number of patents (default 1500 when no count is given)")
    parser.add_argument("--instruments", type=int, default=None, help="number of instruments (default 500 when no count is given)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--no-institutions", action="store_true", help="do not output the institution records")
    parser.add_argument("--no-link", action="store_true", help="do not link achievements' IP lists to the generated patents")
    parser.add_argument("--out", metavar="DIR", help="write institutions/patents/achievements/instruments.jsonl into DIR instead of stdout")
    parser.add_argument("--timing", action="store_true", help="report records per second on stderr")
    args = parser.parse_args(argv)
    counts = (args.achievements, args.patents, args.instruments)
    if all(c is None for c in counts):
        n_a, n_p, n_i = 2000, 1500, 500
    else:
        n_a, n_p, n_i = (c or 0 for c in counts)

    insts = institutions(args.seed)
    ctx = _Ctx(insts, args.seed)
    handles: dict[str, Any] = {}

    def sink(kind: str):
        if not args.out:
            return sys.stdout
        if kind not in handles:
            os.makedirs(args.out, exist_ok=True)
            handles[kind] = open(os.path.join(args.out, f"{kind}s.jsonl"), "w", encoding="utf-8")
        return handles[kind]

    def emit(kind: str, records: Iterable[dict], keep: list | None = None):
        out = sink(kind)
        write = out.write
        t0 = time.perf_counter()
        count = 0
        for rec in records:
            write(_dump(rec, kind))
            write("\n")
            count += 1
            if keep is not None and len(keep) < _LINK_INDEX_LIMIT:
                keep.append({"applicants": rec["applicants"][:1], "application_no": rec["application_no"], "kind": rec["kind"],
                             "field": rec["field"], "granted_at": rec["granted_at"]})
        if args.timing and count:
            dt = time.perf_counter() - t0
            print(f"{kind}: {count} records in {dt:.2f} s ({count / dt:,.0f}/s)", file=sys.stderr)

    try:
        if not args.no_institutions:
            emit("institution", insts)
        light: list[dict] | None = None if args.no_link else []
        if n_p:
            emit("patent", _patent_stream(n_p, args.seed, ctx), light)
        if n_a:
            emit("achievement", _achievement_stream(n_a, args.seed, ctx, _PatentIndex(light)))
        if n_i:
            emit("instrument", _instrument_stream(n_i, args.seed, ctx))
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    finally:
        for h in handles.values():
            h.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
