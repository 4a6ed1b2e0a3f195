"""Forms of the annual selection pages. Each posts with its CSRF token; the rules (dates, quota,
conflicts of interest) are the service's, so these only read and type what was typed."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from ..models.selection import DEFAULT_AUTO_WEIGHTS, DEFAULT_RUBRIC

RUBRIC_LABELS = {
    "innovation": (_l("技术创新程度"), _l("与国内外同类技术相比的创新性")),
    "indicators": (_l("技术经济指标先进程度"), _l("主要技术、经济指标达到的水平")),
    "difficulty": (_l("技术难度和复杂程度"), _l("解决的关键问题的难度")),
    "maturity": (_l("技术成熟度"), _l("工程化、产业化的成熟程度")),
    "impact": (_l("推动科技进步和市场竞争力"), _l("对行业进步与市场竞争力的作用")),
}


PART_LABELS = {
    "trl": _l("技术就绪度"), "level": _l("成果水平"), "ip": _l("知识产权"), "transfer": _l("转化就绪"), "completeness": _l("信息完整度"),
}


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class RoundForm(FlaskForm):
    year = IntegerField(_l("年度"), validators=[InputRequired(), NumberRange(min=2000, max=2100)])
    title = StringField(_l("榜单名称"), validators=[Optional(), Length(max=200)])
    criteria = TextAreaField(_l("遴选标准"), validators=[Optional(), Length(max=5000)])
    quota = IntegerField(_l("入选数量"), default=200, validators=[InputRequired(), NumberRange(min=1, max=100_000)])
    auto_weight = DecimalField(_l("自动预评分权重（0-1，其余为专家评分）"), default=0.3, places=2,
                               validators=[InputRequired(), NumberRange(min=0, max=1)])
    experts_per_candidate = IntegerField(_l("每项成果的评审专家数"), default=3, validators=[InputRequired(), NumberRange(min=1, max=15)])
    min_scores = IntegerField(_l("进入排名所需的最少专家评分数"), default=2, validators=[InputRequired(), NumberRange(min=1, max=15)])
    outlier_gap = DecimalField(_l("离群分剔除：与中位数相差超过（分，0 为不剔除）"), default=20, places=1,
                               validators=[InputRequired(), NumberRange(min=0, max=100)])
    window_start = DateField(_l("成果登记日期自"), validators=[Optional()])
    window_end = DateField(_l("成果登记日期至"), validators=[Optional()])
    nomination_opens = DateField(_l("提名开始"), validators=[Optional()])
    nomination_closes = DateField(_l("提名截止"), validators=[Optional()])
    scoring_closes = DateField(_l("评分截止"), validators=[Optional()])

    def settings(self) -> dict:
        """The fields as ``RoundSchema`` takes them (empty dates: the schema's defaults)."""
        out = {"auto_weights": {code: float(self[f"w_{code}"].data) for code in PART_LABELS},
               "rubric": {code: float(self[f"r_{code}"].data) for code in RUBRIC_LABELS},
               "year": self.year.data, "quota": self.quota.data, "auto_weight": float(self.auto_weight.data),
               "experts_per_candidate": self.experts_per_candidate.data, "min_scores": self.min_scores.data,
               "outlier_gap": float(self.outlier_gap.data), "criteria": self.criteria.data or ""}
        if self.title.data:
            out["title"] = self.title.data.strip()
        for name in ("window_start", "window_end", "nomination_opens", "nomination_closes", "scoring_closes"):
            if getattr(self, name).data:
                out[name] = getattr(self, name).data.isoformat()
        return out


def _weight_fields(form: type, prefix: str, labels: dict, defaults: dict) -> None:
    for code, label in labels.items():
        setattr(form, f"{prefix}_{code}", IntegerField(label, default=defaults[code], validators=[InputRequired(), NumberRange(min=0, max=100)]))


_weight_fields(RoundForm, "w", PART_LABELS, DEFAULT_AUTO_WEIGHTS)
_weight_fields(RoundForm, "r", {code: name for code, (name, _hint) in RUBRIC_LABELS.items()}, DEFAULT_RUBRIC)


class NominateForm(FlaskForm):
    achievement = StringField(_l("成果编号"), validators=[DataRequired(), Regexp(r"^ach-[1-9][0-9]{0,17}$", message=_l("成果编号形如 ach-12"))])
    statement = TextAreaField(_l("推荐理由"), validators=[Optional(), Length(max=2000)])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("原因"), validators=[DataRequired(), Length(max=1000)])


class NoteForm(FlaskForm):
    note = TextAreaField(_l("更正说明（将与新版本一同公开）"), validators=[DataRequired(), Length(max=2000)])


class ScoreForm(FlaskForm):
    innovation = IntegerField(RUBRIC_LABELS["innovation"][0], validators=[InputRequired(), NumberRange(min=0, max=100)])
    indicators = IntegerField(RUBRIC_LABELS["indicators"][0], validators=[InputRequired(), NumberRange(min=0, max=100)])
    difficulty = IntegerField(RUBRIC_LABELS["difficulty"][0], validators=[InputRequired(), NumberRange(min=0, max=100)])
    maturity = IntegerField(RUBRIC_LABELS["maturity"][0], validators=[InputRequired(), NumberRange(min=0, max=100)])
    impact = IntegerField(RUBRIC_LABELS["impact"][0], validators=[InputRequired(), NumberRange(min=0, max=100)])
    comment = TextAreaField(_l("评审意见"), validators=[Optional(), Length(max=2000)])

    def scores(self) -> dict[str, float]:
        return {code: float(getattr(self, code).data) for code in RUBRIC_LABELS}


__all__ = ["ActionForm", "RoundForm", "NominateForm", "ReasonForm", "NoteForm", "ScoreForm", "RUBRIC_LABELS", "PART_LABELS"]
