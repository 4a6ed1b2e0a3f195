"""Forms of the subscription pages. They read and type what was typed; the rules (a webhook
address that is public, at least one way to receive alerts, filters that belong to the type) are
the subscription service's, and its refusals are shown beside the field they name."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..models.alerts import FREQUENCIES
from ..schemas.subscription import MAX_WEBHOOK_URL, SUBSCRIBABLE_TYPES

FREQUENCY_LABELS = {"immediate": _l("即时提醒"), "daily": _l("每日汇总"), "weekly": _l("每周汇总")}
TYPE_LABELS = {"all": _l("全部类型"), "achievement": _l("科技成果"), "patent": _l("专利"), "instrument": _l("大型科研仪器")}
LANG_LABELS = {"zh": "中文", "en": "English"}


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SubscriptionForm(FlaskForm):
    name = StringField(_l("订阅名称"), validators=[DataRequired(), Length(max=100)])
    q = StringField(_l("检索词"), validators=[Optional(), Length(max=256)])
    type = SelectField(_l("记录类型"), choices=lambda: [SelectChoice(t, str(TYPE_LABELS[t])) for t in SUBSCRIBABLE_TYPES], default="all")
    match_any = BooleanField(_l("匹配任意一个词（默认须匹配全部词）"))
    # "key=value" for each filter of the search; unticking one drops it (choices: the view's)
    filters = MultiCheckboxField(_l("筛选条件"), choices=[], validate_choice=True)
    frequency = RadioField(_l("提醒频率"), choices=lambda: [SelectChoice(f, str(FREQUENCY_LABELS[f])) for f in FREQUENCIES], default="daily")
    email = BooleanField(_l("电子邮件"), default=True)
    webhook_url = StringField(_l("Webhook 地址（可不填）"), validators=[Optional(), Length(max=MAX_WEBHOOK_URL)],
                              render_kw={"inputmode": "url", "placeholder": "https://", "autocomplete": "off"})
    feed = BooleanField(_l("私有 Atom 订阅源"), default=True)
    lang = RadioField(_l("提醒语言"), choices=[SelectChoice(k, v) for k, v in LANG_LABELS.items()], default="zh")

    def data_for_service(self) -> dict:
        """The form as the subscription service takes it (its schema's keys)."""
        filters: dict[str, list[str]] = {}
        for item in self.filters.data or []:
            key, _, value = item.partition("=")
            filters.setdefault(key, []).append(value)
        return {
            "name": (self.name.data or "").strip(), "type": self.type.data, "q": (self.q.data or "").strip(),
            "match": "any" if self.match_any.data else "all", "filters": filters, "frequency": self.frequency.data,
            "lang": self.lang.data, "email": bool(self.email.data), "webhook_url": (self.webhook_url.data or "").strip() or None,
            "feed": bool(self.feed.data),
        }
