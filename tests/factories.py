"""Factories for record input (the API's and the imports' shape), for tests that need many
records with chosen properties rather than the demo generator's mix."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import factory
from flask import Flask

FIELDS = ("new_energy", "new_materials", "biomedicine", "modern_agriculture", "optoelectronics", "automotive")
LEVELS = ("intl_leading", "intl_advanced", "domestic_leading", "domestic_advanced", "not_evaluated")
INSTITUTIONS = ("吉林大学", "长春理工大学", "东北师范大学", "吉林农业大学", "中国科学院长春应用化学研究所", "长春工业大学")


class AchievementInput(factory.DictFactory):
    """A published, complete achievement registered in 2025: eligible for the 2026 selection."""

    title = factory.Sequence(lambda n: f"高质量成果测试样本第{n:04d}号关键技术")
    institutions = factory.Sequence(lambda n: [INSTITUTIONS[n % len(INSTITUTIONS)]])
    people = factory.List(["张三", "李四"])
    keywords = factory.Sequence(lambda n: ["测试", f"关键词{n % 17}"])
    summary = factory.Sequence(lambda n: f"第{n}号成果的简介：围绕关键问题开展研究，研制出样机并在省内推广应用。")
    innovations = factory.List(["提出了新的方法"])
    field = factory.Sequence(lambda n: FIELDS[n % len(FIELDS)])
    discipline = "工程与技术科学基础学科"
    level = factory.Sequence(lambda n: LEVELS[n % len(LEVELS)])
    stage = factory.Sequence(lambda n: ("mature", "pilot", "early")[n % 3])
    trl = factory.Sequence(lambda n: 3 + n % 7)
    registered_at = factory.Sequence(lambda n: f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}")
    ip = factory.Sequence(lambda n: [{"type": "invention_patent", "number": f"ZL2025{n:07d}.X"}] * (n % 3))
    transfer_modes = factory.Sequence(lambda n: [("license", "transfer", "cooperation")[n % 3]])
    price = factory.Sequence(lambda n: {"mode": "negotiable"} if n % 2 else {"mode": "fixed", "amount": 100_000 + n})
    contact = factory.Dict({"name": "王老师", "phone": "0431-85000000", "email": "contact@test.local"})


def load_achievements(app: Flask, items: list[dict[str, Any]]) -> list[str]:
    """Validate and store records as published (as the demo loader does); their public ids."""
    from web.extensions import db
    from web.proxies import current_search, current_services
    from web.services.identity import system_identity

    with app.app_context():
        service = current_services.for_type("achievement")
        with current_services.unit_of_work() as uow:
            results = service.upsert_many(system_identity, [service.validate(i) for i in items], uow, source="tests")
        ids = [r.record.public_id for r in results]
        current_search.refresh()
        db.session.remove()
        return ids


class NeedInput(factory.DictFactory):
    """A company's technology need (the drafts' input shape), open for a year."""

    title = factory.Sequence(lambda n: f"企业技术需求测试样本第{n:04d}号")
    description = factory.Sequence(lambda n: f"第{n}号需求：寻求可在省内落地的技术方案，希望与高校院所合作开发。")
    keywords = factory.Sequence(lambda n: ["需求", f"需求词{n % 11}"])
    field = factory.Sequence(lambda n: FIELDS[n % len(FIELDS)])
    city = "changchun"
    budget_min = 200_000
    budget_max = 1_000_000
    cooperation_modes = factory.List(["joint_development", "license"])
    deadline = factory.LazyFunction(lambda: (date.today() + timedelta(days=365)).isoformat())
    organisation = "长春测试新材料有限公司"
    contact = factory.Dict({"name": "刘经理", "phone": "0431-86000000", "email": "need@test.local"})
