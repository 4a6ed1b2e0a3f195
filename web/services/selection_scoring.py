"""The selection's arithmetic, as pure functions over stored numbers: the automatic pre-score of
a record, an expert's rubric total, the trimmed expert mean, the combined score and the ranking
order. The published list stores every input these functions take, so anyone can recompute it
from the list alone (``recompute``), and tests do.

The formula (also shown on every published list):

* **pre-score** (0-100) = Σ part × weight / 100 over the parts, weights summing to 100
  (default TRL 25, 成果水平 25, IP 20, transfer readiness 15, completeness 15):
  - ``trl``: TRL ÷ 9 × 100 (none: 0);
  - ``level``: 国际领先 100, 国际先进 85, 国内领先 70, 国内先进 55, 未评价 20, none 0;
  - ``ip``: 40 per invention patent + 15 per other IP item, at most 100;
  - ``transfer``: 40 with at least one transfer mode, + 30 with a price stated, + 30 × stage
    (成熟应用 1, 中试 0.5, 初期 0);
  - ``completeness``: the share of ``COMPLETENESS_FIELDS`` filled, × 100.
* **expert total** = Σ score × weight / Σ weight over the rubric (each score 0-100).
* **expert score** = the mean of the totals kept: with three or more totals, a total further than
  ``outlier_gap`` points from their median is set aside (it stays stored and shown); with fewer,
  or a gap of 0, all are kept.
* **combined** = auto_weight × pre-score + (1 − auto_weight) × expert score.
* **order**: combined, then expert score, then pre-score (all high first), then the achievement's
  id (the earlier registered in the database first). Every number that is stored and published
  (each part, pre-score, expert total, expert score, combined score) is rounded to 2 decimals where
  it is computed, the next step starts from the rounded value, and the order compares the
  published values: anyone recomputing from the list gets the same numbers and the same ties.
"""
from __future__ import annotations

from dataclasses import dataclass
from statistics import median
from typing import Any

from ..models.selection import (AUTO_PARTS, DEFAULT_AUTO_WEIGHT, DEFAULT_AUTO_WEIGHTS, DEFAULT_OUTLIER_GAP, DEFAULT_RUBRIC,
                                RUBRIC)

LEVEL_POINTS = {"intl_leading": 100, "intl_advanced": 85, "domestic_leading": 70, "domestic_advanced": 55, "not_evaluated": 20}
STAGE_FACTOR = {"mature": 1.0, "pilot": 0.5, "early": 0.0}
COMPLETENESS_FIELDS = ("summary", "keywords", "innovations", "field", "discipline", "level", "trl", "stage", "ip",
                       "transfer_modes", "contact_name", "evaluation")


def _filled(value: Any) -> bool:
    return value not in (None, "", [], {})


def auto_parts(rec: Any) -> dict[str, float]:
    """Each part of the pre-score, 0-100, from the record's fields."""
    ip = list(getattr(rec, "ip", None) or [])
    inventions = sum(1 for item in ip if (item or {}).get("type") == "invention_patent")
    transfer = (40 if rec.transfer_modes else 0) + (30 if rec.price_mode else 0) + 30 * STAGE_FACTOR.get(rec.stage or "", 0.0)
    filled = sum(1 for name in COMPLETENESS_FIELDS if _filled(getattr(rec, name, None)))
    return {
        "trl": round(min(max(rec.trl or 0, 0), 9) / 9 * 100, 2),
        "level": float(LEVEL_POINTS.get(rec.level or "", 0)),
        "ip": float(min(100, 40 * inventions + 15 * (len(ip) - inventions))),
        "transfer": float(transfer),
        "completeness": round(filled / len(COMPLETENESS_FIELDS) * 100, 2),
    }


def auto_score(parts: dict[str, float], weights: dict[str, float]) -> float:
    total = sum(float(weights.get(k, 0)) for k in AUTO_PARTS) or 1.0
    return round(sum(parts.get(k, 0.0) * float(weights.get(k, 0)) for k in AUTO_PARTS) / total, 2)


def expert_total(scores: dict[str, float], rubric: dict[str, float]) -> float:
    weight = sum(float(w) for w in rubric.values()) or 1.0
    return round(sum(float(scores[code]) * float(w) for code, w in rubric.items()) / weight, 2)


def kept_totals(totals: list[float], outlier_gap: float) -> list[bool]:
    """Which totals count: all, unless three or more and a gap is set; then those within
    ``outlier_gap`` of the median."""
    if len(totals) < 3 or not outlier_gap:
        return [True] * len(totals)
    mid = median(totals)
    return [abs(t - mid) <= outlier_gap for t in totals]


def expert_score(totals: list[float], outlier_gap: float) -> float | None:
    kept = [t for t, keep in zip(totals, kept_totals(totals, outlier_gap)) if keep]
    return round(sum(kept) / len(kept), 2) if kept else None


def combined_score(auto: float, expert: float, auto_weight: float) -> float:
    return round(auto_weight * auto + (1 - auto_weight) * expert, 2)


def order_key(combined: float, expert: float, auto: float, achievement_id: int) -> tuple:
    return (-combined, -expert, -auto, achievement_id)


@dataclass(frozen=True)
class Formula:
    auto_weight: float
    auto_weights: dict[str, float]
    rubric: dict[str, float]
    outlier_gap: float
    min_scores: int

    def to_dict(self) -> dict[str, Any]:
        return {"auto_weight": self.auto_weight, "expert_weight": round(1 - self.auto_weight, 4), "auto_weights": self.auto_weights,
                "rubric": self.rubric, "outlier_gap": self.outlier_gap, "min_scores": self.min_scores,
                "tie_break": ["combined", "expert", "auto", "achievement_id"]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Formula":
        return cls(float(data["auto_weight"]), dict(data["auto_weights"]), dict(data["rubric"]), float(data["outlier_gap"]),
                   int(data["min_scores"]))


def recompute(formula: dict[str, Any], entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Recompute a published list from what it stores: each entry's pre-score parts and every
    expert's rubric scores. Returns [{achievement, auto, expert, combined}] in rank order; a
    list is reproducible when this equals what it publishes."""
    f = Formula.from_dict(formula)
    out = []
    for entry in entries:
        auto = auto_score(entry["auto_parts"], f.auto_weights)
        totals = [expert_total(s["scores"], f.rubric) for s in entry["expert_scores"]]
        expert = expert_score(totals, f.outlier_gap)
        out.append({"achievement": entry["achievement"], "auto": auto, "expert": expert,
                    "combined": combined_score(auto, expert or 0.0, f.auto_weight), "_id": entry["achievement_id"]})
    out.sort(key=lambda e: order_key(e["combined"], e["expert"] or 0.0, e["auto"], e["_id"]))
    return [{k: v for k, v in e.items() if k != "_id"} for e in out]


__all__ = ["AUTO_PARTS", "RUBRIC", "DEFAULT_AUTO_WEIGHTS", "DEFAULT_RUBRIC", "DEFAULT_AUTO_WEIGHT", "DEFAULT_OUTLIER_GAP",
           "COMPLETENESS_FIELDS", "auto_parts", "auto_score", "expert_total", "kept_totals", "expert_score", "combined_score",
           "order_key", "Formula", "recompute"]
