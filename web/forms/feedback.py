"""The feedback form of a record page: one reason, and a note (needed for "other"; the
feedback service says so when it is missing)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ..models import FEEDBACK_REASONS
from ..services.feedback import MAX_NOTE

REASON_LABELS = {"too_early": _l("技术阶段过早"), "benefit_unclear": _l("效益不明确"), "price": _l("价格不合适"),
                 "description_unclear": _l("描述不清楚"), "other": _l("其他（请说明）")}


class FeedbackForm(FlaskForm):
    reason = RadioField(_l("不合适的主要原因"), choices=lambda: [SelectChoice(r, str(REASON_LABELS[r])) for r in FEEDBACK_REASONS],
                        validators=[DataRequired(_l("请选择一个原因"))])
    note = TextAreaField(_l("说明（选“其他”时必填）"), validators=[Optional(), Length(max=MAX_NOTE)],
                         render_kw={"rows": 3, "maxlength": MAX_NOTE})
