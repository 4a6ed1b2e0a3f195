"""The form that makes a yearly statistics report (``/admin/reports``): which year, which
language. It posts with its CSRF token; the years offered are those with published records."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

LANGUAGES = (("zh", "中文"), ("en", "English"))  # each named in its own language


def _languages() -> list[SelectChoice]:
    return [SelectChoice(code, name) for code, name in LANGUAGES]


class StatsReportForm(FlaskForm):
    year = SelectField(_l("年度"), coerce=int, validators=[InputRequired()])
    locale = SelectField(_l("报告语言"), choices=_languages, validators=[InputRequired()])

    def __init__(self, years: list[int], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.year.choices = [SelectChoice(y, str(y)) for y in years]
