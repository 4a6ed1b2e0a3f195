"""Forms of the account pages: sign in, password change and reset, API tokens."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional, Regexp

from ..services.accounts import MAX_PASSWORD, MIN_PASSWORD


class SignInForm(FlaskForm):
    email = EmailField(_l("邮箱"), validators=[DataRequired(), Length(max=254)], render_kw={"autocomplete": "username"})
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=MAX_PASSWORD)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("在此设备上保持登录（14 天）"))


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("新密码"), validators=[DataRequired(), Length(min=MIN_PASSWORD, max=MAX_PASSWORD)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("再次输入新密码"), validators=[DataRequired(), EqualTo("password", message=_l("两次输入的密码不一致"))],
                            render_kw={"autocomplete": "new-password"})


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired(), Length(max=MAX_PASSWORD)],
                            render_kw={"autocomplete": "current-password"})


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("邮箱"), validators=[DataRequired(), Length(max=254), Regexp(r"^[^@\s]+@[^@\s]+$", message=_l("邮箱地址无效"))],
                       render_kw={"autocomplete": "email"})


class TokenForm(FlaskForm):
    name = StringField(_l("令牌名称"), validators=[DataRequired(), Length(max=100)], render_kw={"placeholder": _l("如：成果同步脚本")})
    days = IntegerField(_l("有效天数（可不填）"), validators=[Optional(), NumberRange(min=1, max=3650)])
