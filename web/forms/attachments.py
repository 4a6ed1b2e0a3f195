"""Forms of the record page's files and of the access requests: upload, mark, request, decide."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .. import vocabularies
from ..i18n import lang
from ..services.access_requests import MAX_MESSAGE, MAX_NOTE


def category_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(t.code, t.label(lang())) for t in vocabularies.get("attachment_category")]


class UploadForm(FlaskForm):
    file = FileField(_l("文件"), validators=[FileRequired(_l("请选择文件"))])
    title = StringField(_l("标题（可不填，默认用文件名）"), validators=[Optional(), Length(max=200)])
    category = SelectField(_l("类别"), choices=[], validators=[Optional()])
    confidential = BooleanField(_l("保密：会员申请、本单位批准后才能下载"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = category_choices()


class AccessRequestForm(FlaskForm):
    message = TextAreaField(_l("申请说明"), validators=[DataRequired(_l("请说明申请查看的用途")), Length(max=MAX_MESSAGE)],
                            render_kw={"rows": 3, "maxlength": MAX_MESSAGE})


class DecisionForm(FlaskForm):
    note = TextAreaField(_l("答复（可不填）"), validators=[Optional(), Length(max=MAX_NOTE)],
                         render_kw={"rows": 2, "maxlength": MAX_NOTE})
