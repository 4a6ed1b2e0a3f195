"""Administrators manage accounts: find them, create them by invitation, change role,
institution and whether they may sign in, send a password link, revoke API tokens.

An administrator never chooses or sees a password: a new account gets an e-mail with a
set-password link (``AccountService.reset_token``), and so does an account whose holder forgot
theirs. The e-mail is composed by the caller (the web layer renders its template and builds the
absolute link) and sent after the account is committed, so a link never names an account that
does not exist. What could not be sent is said, never hidden: the answer tells whether a mail
server is configured at all.

Every change is in the audit log: ``AccountService`` writes ``user.create`` / ``user.update`` /
``token.revoke``; this module adds ``user.password_link`` (to whom, why, and whether it went)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from ..models import ROLES, ApiToken, AuditEvent, Institution, User
from .accounts import AFFILIATED_ROLES, AccountError, AccountService
from .audit import AuditLog
from .identity import Identity
from .institution_redirects import find_institution
from .mail import Mailer
from .paging import Page, offset
from .records import PermissionDenied
from .. import normalize

# (user, reset token) -> (subject, plain text); the web layer renders it
Compose = Callable[[User, str], tuple[str, str]]
EDITABLE = ("name", "role", "institution_id", "active")


@dataclass(frozen=True)
class UserQuery:
    text: str | None = None  # part of the name or the e-mail
    role: str | None = None
    institution_id: int | None = None
    active: bool | None = None
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class MailOutcome:
    """What became of a set-password e-mail."""

    sent: bool
    mail_configured: bool  # False: no MAIL_SERVER (development): the message went to the log


@dataclass(frozen=True)
class Invitation:
    user: User
    mail: MailOutcome


def institution_by_reference(session: Session, reference: str | None) -> Institution | None:
    """An institution named by its public id (``org-12``) or its name (any spelling with the
    same key, or a name merged into it); None when there is no such institution."""
    reference = (reference or "").strip()
    if not reference:
        return None
    number = Institution.parse_public_id(reference)
    if number is not None:
        return session.get(Institution, number) if number < 2**31 else None
    return find_institution(session, normalize.institution_key(reference))


class UserAdmin:
    def __init__(self, session: Session, accounts: AccountService, audit: AuditLog, mailer: Mailer):
        self.session, self.accounts, self.audit, self.mailer = session, accounts, audit, mailer

    @staticmethod
    def _require(actor: Identity) -> None:
        if not actor.is_admin:
            raise PermissionDenied("只有管理员可以管理账号 / only administrators manage accounts")

    # -- reads --------------------------------------------------------------------------------
    def _where(self, query: Select, q: UserQuery) -> Select:
        if q.text and q.text.strip():
            text = q.text.strip()
            query = query.where(or_(User.name.contains(text, autoescape=True), User.email.contains(text.lower(), autoescape=True)))
        if q.role:
            query = query.where(User.role == q.role)
        if q.institution_id:
            query = query.where(User.institution_id == q.institution_id)
        if q.active is not None:
            query = query.where(User.active.is_(q.active))
        return query

    def search(self, actor: Identity, q: UserQuery) -> Page[User]:
        self._require(actor)
        total = self.session.scalar(self._where(select(func.count()).select_from(User), q)) or 0
        items = self.session.scalars(self._where(select(User), q).order_by(User.id.desc())
                                     .limit(q.per_page).offset(offset(q.page, q.per_page))).all()
        return Page(list(items), total, q.page, q.per_page)

    def get(self, actor: Identity, user_id: int) -> User:
        self._require(actor)
        user = self.accounts.get(user_id)
        if user is None:
            raise LookupError(user_id)
        return user

    def counts_by_role(self, actor: Identity) -> dict[str, dict[str, int]]:
        """{"admin": {"active": 2, "disabled": 0}, ...} for every role."""
        self._require(actor)
        counts = {role: {"active": 0, "disabled": 0} for role in ROLES}
        for role, active, n in self.session.execute(select(User.role, User.active, func.count()).group_by(User.role, User.active)):
            counts.setdefault(role, {"active": 0, "disabled": 0})["active" if active else "disabled"] += n
        return counts

    def tokens(self, actor: Identity, user: User) -> list[ApiToken]:
        self._require(actor)
        return self.accounts.tokens(user)

    def recent_events(self, actor: Identity, user: User, limit: int = 20) -> list[AuditEvent]:
        """What this account did, and what was done to it, newest first."""
        self._require(actor)
        return self.audit.events(involving=user.id, limit=limit)

    # -- writes -------------------------------------------------------------------------------
    def invite(self, actor: Identity, *, email: str, name: str, role: str, institution_id: int | None,
               compose: Compose, organisation: str | None = None, phone: str | None = None) -> Invitation:
        """A new account without a password, and an e-mail to its holder with a link to set one.
        The account is committed before the mail goes."""
        self._require(actor)
        user = self.accounts.create_user(actor, email=email, name=name, role=role, institution_id=institution_id,
                                         organisation=organisation, phone=phone)
        self.session.commit()
        return Invitation(user, self._send_link(actor, user, "invite", compose))

    def send_password_link(self, actor: Identity, user: User, compose: Compose) -> MailOutcome:
        """A fresh set-password link for an account (its holder forgot the password, or the
        invitation expired). Disabled accounts get none: the link would not work."""
        self._require(actor)
        if not user.active:
            raise AccountError("账号已停用，请先启用 / the account is disabled; enable it first")
        return self._send_link(actor, user, "reset", compose)

    def _send_link(self, actor: Identity, user: User, reason: str, compose: Compose) -> MailOutcome:
        subject, text = compose(user, self.accounts.reset_token(user))
        outcome = MailOutcome(self.mailer.send(user.email, subject, text), bool(self.mailer.settings.server))
        self.audit.record(actor, "user.password_link", f"user:{user.id}",
                          {"reason": reason, "to": user.email, "sent": outcome.sent, "mail_server": outcome.mail_configured})
        self.session.commit()
        return outcome

    def change(self, actor: Identity, user: User, **fields: Any) -> User:
        """Name, role, institution (publishers), active. Only what differs is changed and
        audited; a new role or a disabled account ends the holder's sessions (``update_user``),
        and the last active administrator stays one."""
        self._require(actor)
        unknown = set(fields) - set(EDITABLE)
        if unknown:
            raise AccountError(f"不能修改这些字段 / these fields cannot be changed: {', '.join(sorted(unknown))}")
        if "name" in fields:
            fields["name"] = (fields["name"] or "").strip()[:100]
            if not fields["name"]:
                raise AccountError("请填写姓名 / enter a name")
        role = fields.get("role", user.role)
        if role not in AFFILIATED_ROLES:
            fields["institution_id"] = None
        if fields.get("institution_id") is not None and self.session.get(Institution, fields["institution_id"]) is None:
            raise AccountError("单位不存在 / no such institution")
        changes = {k: v for k, v in fields.items() if getattr(user, k) != v}
        if changes:
            self.accounts.update_user(actor, user, **changes)
        return user

    def revoke_token(self, actor: Identity, user: User, token_id: int) -> ApiToken:
        self._require(actor)
        token = self.session.get(ApiToken, token_id) if 0 < token_id < 2**31 else None
        if token is None or token.user_id != user.id:
            raise LookupError(token_id)
        return self.accounts.revoke_token(actor, token_id)


__all__ = ["UserAdmin", "UserQuery", "Invitation", "MailOutcome", "institution_by_reference"]
