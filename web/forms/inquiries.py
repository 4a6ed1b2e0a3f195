"""Forms of the inquiry pages: a new inquiry, a reply, the broker's address, an agreement. They
read and type what was typed; the rules (who may write, the rate limit, which status may follow
which) are the inquiry service's, and its refusals are shown beside the field they name."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .. import vocabularies
from ..i18n import lang
from ..services.inquiries import AGREEMENT_MODES, MAX_BODY

MAX_SUBJECT = 200
MAX_AMOUNT = 1e11  # CNY; the service's bound


class InquiryForm(FlaskForm):
    subject = StringField(_l("主题"), validators=[DataRequired(_l("请填写主题")), Length(max=MAX_SUBJECT)],
                          render_kw={"maxlength": MAX_SUBJECT, "autocomplete": "off"})
    body = TextAreaField(_l("留言"), validators=[DataRequired(_l("请填写留言")), Length(max=MAX_BODY)],
                         render_kw={"rows": 6, "maxlength": MAX_BODY})


class MessageForm(FlaskForm):
    body = TextAreaField(_l("回复"), validators=[DataRequired(_l("消息不能为空")), Length(max=MAX_BODY)],
                         render_kw={"rows": 4, "maxlength": MAX_BODY})


class BrokerForm(FlaskForm):
    email = StringField(_l("技术经纪人的邮箱"), validators=[DataRequired(_l("请填写邮箱")), Length(max=254)],
                        render_kw={"type": "email", "inputmode": "email", "autocomplete": "off"})


class AgreementForm(FlaskForm):
    mode = SelectField(_l("转化方式"), choices=lambda: [SelectChoice(c, vocabularies.get("transfer_mode").label(c, lang())) for c in AGREEMENT_MODES],
                       validators=[DataRequired()])
    amount = DecimalField(_l("金额（元，可不填）"), places=None, validators=[Optional(), NumberRange(min=0, max=MAX_AMOUNT)],
                          render_kw={"inputmode": "decimal"})
