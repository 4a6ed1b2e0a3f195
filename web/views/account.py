"""Account pages: sign in and out, the account itself (password, API tokens), password reset.

Sign-in is throttled twice: per client address (Flask-Limiter, ``SIGN_IN_RATE_LIMIT``) and per
account (five wrong passwords lock it for 15 minutes, ``AccountService.authenticate``). The
reset request always answers the same, whether the address is known or not."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import logout_user

from ..auth import current_account, sign_in
from ..extensions import db
from ..forms.account import ChangePasswordForm, NewPasswordForm, ResetRequestForm, SignInForm, TokenForm
from ..proxies import current_services
from ..security import require_signed_in
from ..services.accounts import AccountError, SignInRefused, identity_of
from ..urls import external_url

bp = Blueprint("account", __name__, url_prefix="/account")


# throttled per client address by web.auth (Flask-Limiter): sign-in, and both reset forms
THROTTLED = {"account.login": "SIGN_IN_RATE_LIMIT", "account.reset_request": "RESET_RATE_LIMIT",
             "account.reset_password": "RESET_RATE_LIMIT"}


def safe_next(target: str | None) -> str | None:
    """A page of this site to go back to after signing in: a local path only (never
    ``//host``, ``/\\host`` or a URL with a scheme), so the link cannot send anyone elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ch in target for ch in "\r\n\t") or "://" in target.split("?", 1)[0]:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = SignInForm()
    error = None
    if form.validate_on_submit():
        accounts = current_services.accounts
        try:
            user = accounts.authenticate(form.email.data, form.password.data)
        except SignInRefused as refused:
            db.session.commit()  # the failed attempt counts (and locks) even though sign-in failed
            if refused.reason == "locked":
                error = gettext("错误次数过多，账号已暂时锁定，请 15 分钟后再试或重设密码。")
            elif refused.reason == "inactive":
                error = gettext("该账号已停用，请联系管理员。")
            else:
                error = gettext("邮箱或密码不正确。")
        else:
            current_services.audit.record(identity_of(user), "sign_in", f"user:{user.id}", {})
            db.session.commit()
            sign_in(user, remember=bool(form.remember.data))
            return redirect(safe_next(request.args.get("next")) or url_for("account.index"), code=303)
    elif request.method == "POST":
        error = gettext("请填写邮箱和密码。")
    return render_template("account/login.html", form=form, error=error), (401 if error else 200)


@bp.post("/logout")
def logout():
    account = current_account()
    if account is not None:
        current_services.audit.record(identity_of(account), "sign_out", f"user:{account.id}", {})
        db.session.commit()
    logout_user()
    return redirect(url_for("search.search"), code=303)


def _account_page(status: int = 200, **context):
    identity = require_signed_in()
    user = current_account()
    return render_template(
        "account/index.html", user=user, identity=identity, tokens=current_services.accounts.tokens(user),
        password_form=context.pop("password_form", None) or ChangePasswordForm(prefix="pw"),
        token_form=context.pop("token_form", None) or TokenForm(prefix="tk"), **context,
    ), status


@bp.get("/")
def index():
    return _account_page()


@bp.post("/password")
def change_password():
    require_signed_in()
    user = current_account()
    form = ChangePasswordForm(prefix="pw")
    if not form.validate_on_submit():
        return _account_page(422, password_form=form)
    accounts = current_services.accounts
    if not accounts.check_password(user, form.current.data):
        form.current.errors.append(gettext("当前密码不正确。"))
        return _account_page(422, password_form=form)
    try:
        accounts.set_password(user, form.password.data, actor=identity_of(user))
    except AccountError as exc:
        form.password.errors.append(str(exc))
        return _account_page(422, password_form=form)
    db.session.commit()
    sign_in(user)  # this session goes on with the new version; every other one has ended
    flash(gettext("密码已更改，其他设备上的登录已退出。"), "ok")
    return redirect(url_for("account.index"), code=303)


@bp.post("/tokens")
def create_token():
    require_signed_in()
    user = current_account()
    form = TokenForm(prefix="tk")
    if not form.validate_on_submit():
        return _account_page(422, token_form=form)
    try:
        new = current_services.accounts.create_token(user, form.name.data, form.days.data)
    except AccountError as exc:
        form.name.errors.append(str(exc))
        return _account_page(422, token_form=form)
    db.session.commit()
    # shown in this answer only: never stored in clear, never put in a redirect or a cookie
    return _account_page(201, new_token=new)


@bp.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    identity = require_signed_in()
    try:
        current_services.accounts.revoke_token(identity, token_id)
    except LookupError:
        from flask import abort

        abort(404)
    db.session.commit()
    flash(gettext("令牌已撤销。"), "ok")
    return redirect(url_for("account.index"), code=303)


@bp.route("/reset", methods=["GET", "POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        accounts = current_services.accounts
        user = accounts.by_email(form.email.data)
        if user is not None and user.active:
            link = external_url("account.reset_password", token=accounts.reset_token(user))
            minutes = int(current_app.config.get("PASSWORD_RESET_SECONDS", 3600)) // 60
            current_services.mailer.send(user.email, "重设密码 / Reset your password", render_template(
                "account/reset_mail.txt", user=user, link=link, minutes=minutes))
            current_services.audit.record(identity_of(user), "password_reset.request", f"user:{user.id}", {})
            db.session.commit()
        return render_template("account/reset_sent.html"), 200  # the same answer for unknown addresses
    return render_template("account/reset_request.html", form=form), (422 if request.method == "POST" else 200)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    accounts = current_services.accounts
    user = accounts.user_for_reset(token)
    if user is None:
        return render_template("account/reset_invalid.html"), 410
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password(user, form.password.data, actor=identity_of(user))
        except AccountError as exc:
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            sign_in(user)
            flash(gettext("密码已重设，您已登录。"), "ok")
            return redirect(url_for("account.index"), code=303)
    return render_template("account/reset_password.html", form=form, token=token), (422 if request.method == "POST" else 200)
