"""The selection's arithmetic: pre-scores from a record, rubric totals, the outlier rule, the
combined score, the tie-break order, and recomputing a list from what it stores."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from web.services.selection_scoring import (
    DEFAULT_AUTO_WEIGHTS, DEFAULT_RUBRIC, Formula, auto_parts, auto_score, combined_score, expert_score, expert_total, kept_totals,
    order_key, recompute,
)

pytestmark = pytest.mark.unit


def record(**fields):
    base = dict(trl=None, level=None, ip=[], transfer_modes=[], price_mode=None, stage=None, summary=None, keywords=[], innovations=[],
                field=None, discipline=None, contact_name=None, evaluation={})
    return SimpleNamespace(**(base | fields))


def test_pre_score_parts_follow_the_stated_rules():
    rich = record(trl=9, level="intl_leading", ip=[{"type": "invention_patent"}] * 2 + [{"type": "utility_model"}] * 2,
                  transfer_modes=["license"], price_mode="fixed", stage="mature", summary="s", keywords=["k"], innovations=["i"],
                  field="new_energy", discipline="d", contact_name="c", evaluation={"method": "appraisal"})
    assert auto_parts(rich) == {"trl": 100.0, "level": 100.0, "ip": 100.0, "transfer": 100.0, "completeness": 100.0}
    assert auto_score(auto_parts(rich), DEFAULT_AUTO_WEIGHTS) == 100.0
    empty = record()
    assert auto_parts(empty) == {"trl": 0.0, "level": 0.0, "ip": 0.0, "transfer": 0.0, "completeness": 0.0}
    some = record(trl=6, level="domestic_advanced", ip=[{"type": "invention_patent"}], transfer_modes=["transfer"], stage="pilot")
    parts = auto_parts(some)
    assert parts == {"trl": 66.67, "level": 55.0, "ip": 40.0, "transfer": 55.0, "completeness": 41.67}
    # 25 % TRL, 25 % level, 20 % IP, 15 % transfer, 15 % completeness
    assert auto_score(parts, DEFAULT_AUTO_WEIGHTS) == round((66.67 * 25 + 55 * 25 + 40 * 20 + 55 * 15 + 41.67 * 15) / 100, 2)


def test_rubric_total_is_the_weighted_mean():
    assert expert_total({"innovation": 90, "indicators": 80, "difficulty": 70, "maturity": 60, "impact": 50}, DEFAULT_RUBRIC) == 70.0
    assert expert_total({"innovation": 100, "indicators": 0, "difficulty": 0, "maturity": 0, "impact": 0},
                        {"innovation": 60, "indicators": 10, "difficulty": 10, "maturity": 10, "impact": 10}) == 60.0


def test_outliers_are_set_aside_only_with_three_scores_or_more():
    assert kept_totals([80, 20], 20) == [True, True]  # two experts: nothing to compare with
    assert kept_totals([80, 82, 20], 20) == [True, True, False]  # 20 is 60 from the median 80
    assert kept_totals([80, 82, 20], 0) == [True, True, True]  # a gap of 0: no trimming
    assert expert_score([80, 82, 20], 20) == 81.0
    assert kept_totals([70, 90, 50], 20) == [True, True, True]  # exactly the gap stays


def test_combined_score_and_the_tie_break():
    assert combined_score(80, 90, 0.3) == 87.0
    # equal combined: the higher expert score first; then the higher pre-score; then the lower id
    rows = [(87.0, 85.0, 91.67, 5), (87.0, 90.0, 80.0, 9), (87.0, 85.0, 91.67, 2), (88.0, 70.0, 100.0, 7)]
    assert [r[3] for r in sorted(rows, key=lambda r: order_key(*r))] == [7, 9, 2, 5]


def test_a_list_is_recomputed_from_what_it_stores():
    formula = Formula(0.3, dict(DEFAULT_AUTO_WEIGHTS), dict(DEFAULT_RUBRIC), 20.0, 2).to_dict()
    scores = lambda v: {"scores": {c: v for c in DEFAULT_RUBRIC}}  # noqa: E731
    entries = [
        {"achievement": "ach-2", "achievement_id": 2, "auto_parts": {"trl": 100, "level": 100, "ip": 40, "transfer": 70, "completeness": 100},
         "expert_scores": [scores(90), scores(88), scores(30)]},
        {"achievement": "ach-1", "achievement_id": 1, "auto_parts": {"trl": 50, "level": 55, "ip": 0, "transfer": 40, "completeness": 75},
         "expert_scores": [scores(95), scores(93)]},
    ]
    out = recompute(formula, entries)
    assert [e["achievement"] for e in out] == ["ach-2", "ach-1"]
    assert out[0]["auto"] == 83.5 and out[0]["expert"] == 89.0  # the 30 is an outlier
    assert out[0]["combined"] == 87.35 and out[1]["combined"] == combined_score(43.5, 94.0, 0.3) == 78.85
