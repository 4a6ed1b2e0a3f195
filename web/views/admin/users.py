"""Accounts: the list (search, filters, pages), a new account by invitation, one account's
page (edit, password link, API tokens, recent audit events)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ...extensions import db
from ...forms.admin import UserCreateForm, UserEditForm, UserFilterForm
from ...models import User
from ...password_mail import compose_password_mail
from ...proxies import current_services
from ...security import require_admin
from ...services.accounts import AccountError
from ...services.identity import Identity
from ...services.user_admin import MailOutcome, UserQuery, institution_by_reference
from . import bp

USER = "<int(min=1, max=2147483647):user_id>"
TOKEN = "<int(min=1, max=2147483647):token_id>"


def flash_mail(outcome: MailOutcome, user: User) -> None:
    """Say what became of the e-mail: sent, not configured (development), or failed."""
    if outcome.sent:
        flash(gettext("设置密码的链接已发送至 %(email)s。", email=user.email), "ok")
    elif not outcome.mail_configured:
        flash(gettext("未配置邮件服务器（MAIL_SERVER），邮件未发出：开发环境中邮件内容（含链接）已写入服务器日志。"
                      "生产环境请配置邮件服务器后点击“发送重设密码链接”。"), "warning")
    else:
        flash(gettext("邮件发送失败，请稍后点击“发送重设密码链接”重试，或检查邮件服务器设置。"), "warning")


def _institution_id(form) -> int | None | bool:
    """The institution the form names (None when none); False (with the field's error) when
    the name matches no institution or a publisher has none. An expert's institution is
    optional (their affiliation: they never score its achievements in the annual selection)."""
    if form.role.data not in ("publisher", "reviewer"):
        return None
    if form.role.data == "reviewer" and not (form.institution.data or "").strip():
        return None
    inst = institution_by_reference(db.session, form.institution.data)
    if inst is None:
        form.institution.errors = [*form.institution.errors, gettext("单位发布者须选择一个已有单位（输入名称后从提示中选择）。")
                                   if not (form.institution.data or "").strip() else gettext("没有这个单位，请从提示中选择。")]
        return False
    return inst.id


def _get_user(identity: Identity, user_id: int) -> User:
    try:
        return current_services.user_admin.get(identity, user_id)
    except LookupError:
        abort(404)


@bp.get("/users")
def users():
    identity = require_admin()
    form = UserFilterForm(request.args)
    form.validate()
    status = {"active": True, "disabled": False}.get(form.status.data or "")
    inst = institution_by_reference(db.session, form.institution.data) if form.institution.data else None
    if form.institution.data and inst is None:
        form.institution.errors = [gettext("没有这个单位。")]
    page = request.args.get("page", 1, type=int) or 1
    query = UserQuery(text=form.q.data or None, role=form.role.data or None, institution_id=inst.id if inst else None,
                      active=status, page=max(page, 1))
    result = current_services.user_admin.search(identity, query) if not form.institution.errors else None
    return render_template("admin/users.html", form=form, result=result)


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    identity = require_admin()
    form = UserCreateForm()
    if form.validate_on_submit():
        institution_id = _institution_id(form)
        if institution_id is not False:
            try:
                invitation = current_services.user_admin.invite(
                    identity, email=form.email.data, name=form.name.data, role=form.role.data, institution_id=institution_id,
                    organisation=form.organisation.data or None, compose=compose_password_mail)
            except AccountError as exc:
                form.email.errors = [*form.email.errors, str(exc)]
            else:
                flash(gettext("账号 %(email)s 已创建。", email=invitation.user.email), "ok")
                flash_mail(invitation.mail, invitation.user)
                return redirect(url_for("admin.user", user_id=invitation.user.id), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("admin/user_new.html", form=form), status


def _user_page(identity: Identity, user: User, form: UserEditForm | None = None, status: int = 200):
    if form is None:
        form = UserEditForm(obj=user)
        form.institution.data = user.institution.name if user.institution else ""
    service = current_services.user_admin
    return render_template("admin/user.html", user=user, form=form, tokens=service.tokens(identity, user),
                           events=service.recent_events(identity, user), me=identity), status


@bp.get(f"/users/{USER}")
def user(user_id: int):
    identity = require_admin()
    return _user_page(identity, _get_user(identity, user_id))


@bp.post(f"/users/{USER}")
def update_user(user_id: int):
    identity = require_admin()
    user = _get_user(identity, user_id)
    form = UserEditForm()
    if not form.validate_on_submit():
        return _user_page(identity, user, form, 422)
    institution_id = _institution_id(form)
    if institution_id is False:
        return _user_page(identity, user, form, 422)
    try:
        current_services.user_admin.change(identity, user, name=form.name.data, role=form.role.data,
                                           institution_id=institution_id, active=bool(form.active.data))
    except AccountError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _user_page(identity, _get_user(identity, user_id), form, 422)
    db.session.commit()
    flash(gettext("账号已保存。"), "ok")
    return redirect(url_for("admin.user", user_id=user.id), code=303)


@bp.post(f"/users/{USER}/password-link")
def password_link(user_id: int):
    identity = require_admin()
    user = _get_user(identity, user_id)
    try:
        outcome = current_services.user_admin.send_password_link(identity, user, compose_password_mail)
    except AccountError as exc:
        flash(str(exc), "error")
    else:
        flash_mail(outcome, user)
    return redirect(url_for("admin.user", user_id=user.id), code=303)


@bp.post(f"/users/{USER}/tokens/{TOKEN}/revoke")
def revoke_token(user_id: int, token_id: int):
    identity = require_admin()
    user = _get_user(identity, user_id)
    try:
        current_services.user_admin.revoke_token(identity, user, token_id)
    except LookupError:
        abort(404)
    db.session.commit()
    flash(gettext("令牌已撤销。"), "ok")
    return redirect(url_for("admin.user", user_id=user.id), code=303)
