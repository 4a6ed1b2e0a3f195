"""The set-password e-mail an administrator's invitation or reset sends (pages and API alike):
bilingual plain text with an absolute link built from PUBLIC_BASE_URL."""
from __future__ import annotations

from flask import current_app, render_template

from .models import User
from .urls import external_url


def compose_password_mail(user: User, token: str) -> tuple[str, str]:
    """(subject, text) for a new account's invitation (no password yet) or a reset."""
    minutes = int(current_app.config.get("PASSWORD_RESET_SECONDS", 3600)) // 60
    link = external_url("account.reset_password", token=token)
    invited = user.password_hash is None
    subject = "设置平台账号密码 / Set your password" if invited else "重设密码 / Reset your password"
    return subject, render_template("admin/password_mail.txt", user=user, link=link, minutes=minutes, invited=invited)
