"""Demo technology needs (技术需求): companies of Jilin asking for the technologies of the same
fields the demo results cover, so that the matching has something to find both ways.

Deterministic for a seed and a day: deadlines count from ``today``, so a few are already past
(closed) and most are open, as on a live platform."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from random import Random

from web import vocabularies
from .generator import _W, DOMAINS, _domain_picker

_CITY_ZH = {t.code: t.zh.removesuffix("市").removesuffix("州") for t in vocabularies.get("city")}
_SUFFIX = _W(["有限公司", "股份有限公司", "科技有限公司", "集团有限公司"], [40, 15, 35, 10])
_ASK = _W([("寻求{core}技术", "technology"), ("{core}关键技术攻关需求", "breakthrough"), ("{core}工艺升级改造", "upgrade"),
           ("{core}产业化合作", "scale-up")], [35, 25, 25, 15])
_MODES = _W([["joint_development"], ["license"], ["transfer"], ["commissioned"], ["joint_development", "commissioned"],
             ["license", "transfer"], ["equity"], ["consulting"]], [22, 14, 14, 16, 12, 10, 6, 6])
_BUDGET = _W([(None, None), (50_000, 200_000), (200_000, 1_000_000), (1_000_000, 5_000_000), (5_000_000, 20_000_000)],
             [15, 20, 35, 22, 8])
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
_TITLES = ("经理", "总工程师", "技术总监", "研发部部长")


def _company(rnd: Random, dom, city: str) -> str:
    word = rnd.choice(dom.d.enterprise_words)
    brand = rnd.choice("华宏嘉盛泰瑞恒远鑫源博达中兴东升科信")+rnd.choice("通达创元光宇联科锐泽丰瑞")
    return f"{_CITY_ZH.get(city, '吉林')}{brand}{word}{_SUFFIX(rnd.random)}"


def needs(n: int, seed: int = 2024, today: date | None = None) -> Iterator[dict]:
    """``n`` needs in the drafts' input shape."""
    today = today or date.today()
    rnd = Random(seed * 7919 + 17)
    pick = _domain_picker()
    titles: set[str] = set()
    produced = 0
    while produced < n:
        dom = pick(rnd.random)
        if not dom.topics:
            continue
        topic = rnd.choice(dom.topics)
        cities = dom.d.enterprise_cities or {"changchun": 1}
        city = _W(list(cities), list(cities.values()))(rnd.random)
        pattern, _ = _ASK(rnd.random)
        title = pattern.format(core=topic.core)
        if title in titles:
            continue
        titles.add(title)
        problem = rnd.choice(topic.problems)
        metric = rnd.choice(topic.metrics)
        name, low, high, decimals, unit = metric
        target = round(rnd.uniform(low, high), decimals or None) if high > low else high
        background = rnd.choice(topic.background)
        company = _company(rnd, dom, city)
        low_budget, high_budget = _BUDGET(rnd.random)
        days = rnd.choice((-20, -5, 30, 60, 90, 120, 180, 240, 365, 365, 540)) if rnd.random() > 0.1 else None
        contact = rnd.choice(_SURNAMES) + rnd.choice(_TITLES)
        produced += 1
        yield {
            "title": title,
            "description": (f"{background}本公司在{topic.subject}方面存在{problem}的问题，"
                            f"希望与高校、科研院所合作，引进或联合开发{topic.core}相关技术，"
                            f"目标是{name}{target}{unit}以上，并在{_CITY_ZH.get(city, '吉林')}的生产线上应用。"),
            "keywords": list(topic.kws)[:5],
            "field": dom.code,
            "industry": dom.d.industry,
            "city": city,
            "budget_min": low_budget,
            "budget_max": high_budget,
            "cooperation_modes": _MODES(rnd.random),
            "deadline": (today + timedelta(days=days)).isoformat() if days is not None else None,
            "organisation": company,
            "contact": {"name": contact, "phone": f"0431-8{rnd.randrange(1000000, 9999999)}",
                        "email": f"need{produced}@demo-company.local"},
        }


__all__ = ["needs", "DOMAINS"]
