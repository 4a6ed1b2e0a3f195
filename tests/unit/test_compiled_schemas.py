"""The compiled load (the import's hot path) against the marshmallow schemas it is derived
from: the same data for every good record, the same per-field errors for every bad one, and
never a bad record let through by the plan."""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from marshmallow import ValidationError

from ingest import registry
from tests.factories import AchievementInput, NeedInput
from tests.shared_data import require
from web.schemas import SCHEMAS, error_list
from web.schemas.compiled import CompiledLoader, _GiveUp

pytestmark = pytest.mark.unit

DATA = Path(__file__).resolve().parents[1] / "data" / "tabular"
PNNL_DEFAULTS = {"institution": "Pacific Northwest National Laboratory"}


def read(path: Path, record_type: str, **kwargs: Any) -> list[tuple[str, dict[str, Any]]]:
    reader = registry.reader_for(path, None, path.name)
    return [(r.record_type, r.data) for r in reader.read(path, record_type=record_type, display_name=path.name, **kwargs)]


def bad_achievements() -> list[dict[str, Any]]:
    good = AchievementInput()
    changes: list[dict[str, Any]] = [
        {"title": None}, {"title": "  "}, {"title": "长" * 301}, {"title": ["a"]},
        {"institutions": []}, {"institutions": "；".join(f"单位{i}" for i in range(25))}, {"institutions": [None]},
        {"keywords": "、".join(f"词{i}" for i in range(25))}, {"keywords": ["x" * 51]}, {"keywords": {"a": 1}},
        {"field": "not-a-field"}, {"level": "最高级"}, {"trl": "TRL12"}, {"trl": "高"},
        {"registration_no": "12-34"}, {"price": {"mode": "fixed"}}, {"price": {"amount": 5, "amount_max": 1}},
        {"research_start": "2024-05", "research_end": "2023-01"}, {"research_start": "2024-13"},
        {"registered_at": "昨天"}, {"contact": {"email": "not-an-address"}}, {"contact": {"phone": "call me"}},
        {"scores": {"impact": 120}}, {"summary": {"text": "x"}}, {"summary": "长" * 2001},
        {"transfer_modes": ["sell it"]}, {"ip": [{"type": "invention_patent"}]}, {"colour": "blue"},
        {"transfer_amount": "-5万"}, {"transferred": "maybe"},
    ]
    return [{**copy.deepcopy(good), **change} for change in changes] + [{"title": "只有名称"}, [], "text"]  # type: ignore[list-item]


def good_variants() -> list[dict[str, Any]]:
    base = AchievementInput()
    return [
        {**base, "id": "ACH-1", "status": "draft", "revision_id": 3},  # system fields are dropped
        {**base, "keywords": "电解液；锂电池, 低温、电解液", "people": "张三,李四"},
        {**base, "institutions": ["吉大", {"name": "长春理工大学"}], "summary": "第一行\r\n  第二行  "},
        {**base, "trl": "TRL-6", "field": "新能源与节能", "title": 2024, "registration_no": "220202300201"},
        {**base, "price": {"amount": "50万"}, "transfer_amount": "1,200", "transferred": "是", "registered_at": "2023年9月15日"},
        {**base, "research_start": "2021.3", "research_end": "202203", "title_en": None},
    ]


def cases() -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = [("achievement", AchievementInput()) for _ in range(30)]
    out += [("need", NeedInput()) for _ in range(10)]
    out += [("achievement", d) for d in good_variants()]
    out += [("achievement", d) for d in bad_achievements()]
    out += read(DATA / "achievements_en.csv", "achievement")
    out += read(DATA / "instruments_zh.tsv", "instrument")
    return out


def shared_cases() -> list[tuple[str, Any]]:
    out = read(require("research-instruments-pnnl-dms/t_instrument_name.tsv"), "instrument", defaults=PNNL_DEFAULTS)
    out += read(require("cn-patents-g06f/cn_patents_g06f.jsonl"), "patent")[:300]
    out += read(require("csl-chinese-scientific-literature/csl_records.jsonl"), "achievement",
                defaults={"institution": "CSL 中文科学文献"})[:300]
    return out


def outcome(load, raw: Any) -> tuple[str, Any]:
    try:
        return "valid", load(raw)
    except ValidationError as exc:
        return "rejected", error_list(exc.messages)


def check(record_type: str, raw: Any) -> bool:
    """Both loads agree; True when the compiled plan itself answered."""
    schema = SCHEMAS[record_type][0]()
    loader = CompiledLoader(SCHEMAS[record_type][0]())
    expected = outcome(schema.load, copy.deepcopy(raw))
    assert outcome(loader.load, copy.deepcopy(raw)) == expected, raw
    try:
        fast = loader._fast(copy.deepcopy(raw))
    except _GiveUp:
        return False
    assert expected == ("valid", fast), f"the plan accepted what the schema does not: {raw!r}"
    return True


def test_same_data_and_errors_on_factories_and_sample_files():
    answered = {i: check(t, raw) for i, (t, raw) in enumerate(cases())}
    # the plan must carry the good records itself, or it speeds nothing up
    assert all(answered[i] for i in range(40 + len(good_variants()))), [i for i in range(40) if not answered[i]]
    schema = SCHEMAS["achievement"][0]()
    assert all(outcome(schema.load, raw)[0] == "rejected" for raw in bad_achievements())  # each one is a bad row


def test_same_data_and_errors_on_the_shared_sample_data():
    answered = [check(t, raw) for t, raw in shared_cases()]
    assert sum(answered) > len(answered) // 2
