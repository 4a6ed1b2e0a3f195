"""What a selection round's settings and an expert's score may be: one marshmallow schema for
the API and the administration form alike (the form posts the same fields)."""
from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate, validates_schema

from ..models.selection import AUTO_PARTS, DEFAULT_AUTO_WEIGHT, DEFAULT_AUTO_WEIGHTS, DEFAULT_OUTLIER_GAP, DEFAULT_RUBRIC, RUBRIC

SCORE = validate.Range(min=0, max=100)
WEIGHT = validate.Range(min=0, max=100)


def _weights(keys: tuple[str, ...]) -> fields.Dict:
    return fields.Dict(keys=fields.String(validate=validate.OneOf(keys)), values=fields.Float(validate=WEIGHT))


class RoundSchema(Schema):
    """A round as the administrator opens or changes it. ``partial=True`` for a change."""

    class Meta:
        unknown = RAISE

    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    title = fields.String(validate=validate.Length(min=1, max=200))
    title_en = fields.String(allow_none=True, validate=validate.Length(max=300))
    criteria = fields.String(validate=validate.Length(max=5000), metadata={"description": "遴选标准 / the criteria, shown with the list"})
    criteria_en = fields.String(allow_none=True, validate=validate.Length(max=5000))
    quota = fields.Integer(validate=validate.Range(min=1, max=100_000), metadata={"description": "入选数量 / entries on the list"})
    auto_weight = fields.Float(validate=validate.Range(min=0, max=1),
                               metadata={"description": "自动预评分的权重，专家评分为 1 - auto_weight / weight of the pre-score"})
    auto_weights = _weights(AUTO_PARTS)
    rubric = _weights(RUBRIC)
    experts_per_candidate = fields.Integer(validate=validate.Range(min=1, max=15))
    min_scores = fields.Integer(validate=validate.Range(min=1, max=15))
    outlier_gap = fields.Float(validate=validate.Range(min=0, max=100),
                               metadata={"description": "与中位数相差超过此分值的专家总分不计入 (0: 不剔除) / outlier rule"})
    window_start = fields.Date()
    window_end = fields.Date()
    nomination_opens = fields.Date()
    nomination_closes = fields.Date()
    scoring_closes = fields.Date()

    @validates_schema
    def _consistent(self, data: dict[str, Any], partial: Any = None, **_: Any) -> None:
        errors: dict[str, list[str]] = {}
        for start, end in (("window_start", "window_end"), ("nomination_opens", "nomination_closes"),
                           ("nomination_closes", "scoring_closes")):
            if data.get(start) and data.get(end) and data[start] > data[end]:
                errors.setdefault(end, []).append(f"不能早于 {start} / must not be before {start}")
        for name in ("auto_weights", "rubric"):
            if name in data and not any(v > 0 for v in data[name].values()):
                errors.setdefault(name, []).append("至少一项权重大于 0 / at least one weight above 0")
        if data.get("min_scores") and data.get("experts_per_candidate") and data["min_scores"] > data["experts_per_candidate"]:
            errors.setdefault("min_scores", []).append("不能多于每项成果的专家数 / not more than the experts per candidate")
        if errors:
            raise ValidationError(errors)

    @post_load
    def _defaults(self, data: dict[str, Any], partial: Any = None, **_: Any) -> dict[str, Any]:
        if partial:
            return data
        year = data["year"]
        out = {
            "title": f"{year}年度吉林省高质量科技成果榜单", "title_en": f"Jilin {year} list of high-quality achievements",
            "criteria": "", "quota": 200, "auto_weight": DEFAULT_AUTO_WEIGHT, "auto_weights": dict(DEFAULT_AUTO_WEIGHTS),
            "rubric": dict(DEFAULT_RUBRIC), "experts_per_candidate": 3, "min_scores": 2, "outlier_gap": DEFAULT_OUTLIER_GAP,
            "window_start": date(year - 2, 1, 1), "window_end": date(year, 12, 31),
            "nomination_opens": date.today(), "nomination_closes": date(year, 12, 31), "scoring_closes": date(year, 12, 31),
        } | data
        for name, keys in (("auto_weights", AUTO_PARTS), ("rubric", RUBRIC)):
            out[name] = {k: float(out[name].get(k, 0)) for k in keys}
        if out["nomination_closes"] < out["nomination_opens"] or out["scoring_closes"] < out["nomination_closes"]:
            raise ValidationError({"nomination_closes": ["提名截止日期须在开始之后、评分截止之前 / nominations must close after they open "
                                                         "and before scoring closes"]})
        if out["min_scores"] > out["experts_per_candidate"]:
            raise ValidationError({"min_scores": ["不能多于每项成果的专家数 / not more than the experts per candidate"]})
        return out


class ScoreSchema(Schema):
    """An expert's score: every rubric dimension 0-100, and an optional comment."""

    class Meta:
        unknown = RAISE

    scores = fields.Dict(keys=fields.String(validate=validate.OneOf(RUBRIC)), values=fields.Float(validate=SCORE), required=True)
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))

    @validates_schema
    def _complete(self, data: dict[str, Any], **_: Any) -> None:
        missing = [code for code in RUBRIC if code not in data.get("scores", {})]
        if missing:
            raise ValidationError({"scores": [f"缺少评分项 / missing: {', '.join(missing)}"]})


class NominationSchema(Schema):
    class Meta:
        unknown = RAISE

    achievement = fields.String(required=True, validate=validate.Regexp(r"^ach-[1-9][0-9]{0,17}$"))
    statement = fields.String(load_default="", validate=validate.Length(max=2000), metadata={"description": "推荐理由 / why"})


class ReasonSchema(Schema):
    """Why a candidate is withdrawn, excluded or reinstated."""

    class Meta:
        unknown = RAISE

    reason = fields.String(load_default="", validate=validate.Length(max=1000),
                           metadata={"description": "原因：撤回时可省略，排除和恢复时必填 / why: optional to withdraw, required to exclude "
                                                    "or reinstate"})


class NoteSchema(Schema):
    """Why a published list is corrected: published with the new revision."""

    class Meta:
        unknown = RAISE

    note = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                         metadata={"description": "更正说明，与新版本一同公开 / why, published with the new revision"})


class AssignSchema(Schema):
    """An expert for a candidate (an administrator's choice, beside the automatic assignment)."""

    class Meta:
        unknown = RAISE

    expert = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1),
                            metadata={"description": "评审专家的账号编号 / the expert's account id"})


__all__ = ["RoundSchema", "ScoreSchema", "NominationSchema", "ReasonSchema", "NoteSchema", "AssignSchema"]
