"""Forms of the administration pages: accounts, institutions, merges and the audit log's
filters. Filters are read from the query string (GET, no CSRF token: they change nothing);
everything that changes something is a POST with its token."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, HiddenField, IntegerField, SearchField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import HiddenInput

from .. import vocabularies
from ..i18n import lang
from ..models import ROLES

PUBLIC_INSTITUTION = r"^org-[1-9][0-9]{0,17}$"


def role_choices(blank=None):
    """The roles in the reader's language (the ``user_role`` vocabulary), built per request."""
    def choices() -> list[SelectChoice]:
        roles = vocabularies.get("user_role")
        return ([SelectChoice("", str(blank))] if blank is not None else []) + [SelectChoice(r, roles.label(r, lang())) for r in ROLES]
    return choices


class FilterForm(FlaskForm):
    """A GET form over the query string."""

    class Meta:
        csrf = False

    def __init__(self, formdata=None, **kwargs):
        super().__init__(formdata=formdata, **kwargs)


def institution_field(label=None, **kwargs) -> StringField:
    """A text field that takes an institution's name or org-N id; admin.js offers names as one types."""
    return StringField(label or _l("所属单位"), validators=[Optional(), Length(max=200)],
                       render_kw={"autocomplete": "off", "data-institution-picker": "", "placeholder": _l("输入单位名称，从提示中选择")},
                       **kwargs)


class UserFilterForm(FilterForm):
    q = SearchField(_l("姓名或邮箱"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("角色"), choices=role_choices(_l("全部角色")), validators=[Optional()], validate_choice=False)
    institution = institution_field(_l("单位"))
    status = SelectField(_l("状态"), choices=lambda: [SelectChoice("", str(_l("全部"))), SelectChoice("active", str(_l("启用"))),
                                          SelectChoice("disabled", str(_l("停用")))],
                         validators=[Optional()], validate_choice=False)


class UserCreateForm(FlaskForm):
    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=100)], render_kw={"autocomplete": "off"})
    email = EmailField(_l("邮箱"), validators=[DataRequired(), Length(max=254), Regexp(r"^[^@\s]+@[^@\s]+$", message=_l("邮箱地址无效"))],
                       render_kw={"autocomplete": "off"})
    role = SelectField(_l("角色"), choices=role_choices(), validators=[DataRequired()])
    institution = institution_field()
    organisation = StringField(_l("所在机构（技术转移机构、投资者可填）"), validators=[Optional(), Length(max=200)])


class UserEditForm(FlaskForm):
    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=100)])
    role = SelectField(_l("角色"), choices=role_choices(), validators=[DataRequired()])
    institution = institution_field()
    active = BooleanField(_l("账号启用（停用后立即退出所有登录，令牌失效）"))


class InstitutionSearchForm(FilterForm):
    q = SearchField(_l("单位名称"), validators=[Optional(), Length(max=200)])


class MergeChoiceForm(FilterForm):
    """Step one: which institution the duplicate goes into (read from the query string)."""

    source = HiddenField(validators=[DataRequired(), Regexp(PUBLIC_INSTITUTION)])
    target = institution_field(_l("并入单位（保留的单位）"))


class MergeConfirmForm(FlaskForm):
    """Step two: the preview's confirmation, naming both by id (what the administrator saw)."""

    source = HiddenField(validators=[DataRequired(), Regexp(PUBLIC_INSTITUTION)])
    target = HiddenField(validators=[DataRequired(), Regexp(PUBLIC_INSTITUTION)])


class AuditFilterForm(FilterForm):
    action = StringField(_l("操作（前缀）"), validators=[Optional(), Length(max=64)],
                         render_kw={"list": "audit-actions", "autocomplete": "off", "placeholder": "user."})
    actor = StringField(_l("操作者邮箱"), validators=[Optional(), Length(max=254)])
    target = StringField(_l("对象"), validators=[Optional(), Length(max=100)], render_kw={"placeholder": "user:5, org-3"})
    since = DateField(_l("起始日期"), validators=[Optional()])
    until = DateField(_l("截止日期（含）"), validators=[Optional()])
    user = IntegerField(validators=[Optional(), NumberRange(min=1, max=2**31 - 1)], widget=HiddenInput())  # by or about this account
