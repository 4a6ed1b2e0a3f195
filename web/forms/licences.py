"""Forms of the open-licence pages. They read and type what was typed; the rules (a patent that
can be applied for, the term, a reason for a refusal) are the licence service's, and its refusals
are shown beside the field they name."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

MAX_TEXT = 4000  # the service keeps this much of a scope or a note


class ActionForm(FlaskForm):
    """A button that changes something (withdraw): only the CSRF token."""


class ApplyForm(FlaskForm):
    """The company's few fields: who takes the licence (from the account), what for, when; the
    declared terms are shown, not asked."""

    licensee = StringField(_l("被许可单位"), validators=[DataRequired(_l("请填写被许可单位")), Length(max=200)],
                           render_kw={"autocomplete": "organization"})
    scope = TextAreaField(_l("实施范围（可不填）"), validators=[Optional(), Length(max=MAX_TEXT)],
                          render_kw={"rows": 2, "maxlength": MAX_TEXT})
    start_date = DateField(_l("许可起始日"), validators=[Optional()])
    end_date = DateField(_l("许可终止日"), validators=[Optional()])
    confirm = BooleanField(_l("我方接受上述开放许可声明的条件"), validators=[DataRequired(_l("请确认接受声明的许可条件"))])

    def data_for_service(self) -> dict:
        return {"licensee": (self.licensee.data or "").strip(), "scope": (self.scope.data or "").strip() or None,
                "start_date": self.start_date.data, "end_date": self.end_date.data}


class DecisionForm(FlaskForm):
    """The holder's answer: a note with a grant (may be empty), the reason of a refusal (the service requires it)."""

    note = TextAreaField(_l("答复或拒绝理由（拒绝时必填）"), validators=[Optional(), Length(max=MAX_TEXT)],
                         render_kw={"rows": 2, "maxlength": MAX_TEXT})
