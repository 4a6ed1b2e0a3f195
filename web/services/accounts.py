"""Accounts: creating users, checking passwords (with a lock-out against guessing), password
reset links and API tokens.

Passwords are hashed with argon2id (argon2-cffi's defaults, re-hashed when those change).
Reset links are signed by Flask's itsdangerous with the account's ``login_version`` inside:
they expire after ``PASSWORD_RESET_SECONDS`` and die when used, because setting the password
raises the version. API tokens are 256-bit random secrets; only their SHA-256 is stored (a
token is not a password a person chose, so a fast hash is the right one)."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import ROLES, ApiToken, Institution, User
from .audit import AuditLog
from .identity import Identity
from .records import PermissionDenied

MIN_PASSWORD = 10
MAX_PASSWORD = 256
LOCK_AFTER = 5  # failed sign-ins in a row, then the account waits
LOCK_MINUTES = 15
TOKEN_PREFIX = "jlt"
_hasher = PasswordHasher()
# compared against when the e-mail is unknown, so a wrong e-mail costs as long as a wrong password
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


# roles whose account names an institution: a publisher acts for it; an expert (reviewer) belongs
# to it, and never scores its achievements in the annual selection
AFFILIATED_ROLES = ("publisher", "reviewer")


class AccountError(ValueError):
    """A request about an account that cannot be done; the message is for people (中文 / English)."""


class SignInRefused(Exception):
    def __init__(self, reason: str, until: datetime | None = None):
        super().__init__(reason)
        self.reason, self.until = reason, until  # "invalid" | "locked" | "inactive"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=timezone.utc) if value is not None and value.tzinfo is None else value


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def password_problem(password: str, email: str = "") -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD:
        return f"密码至少 {MIN_PASSWORD} 个字符 / the password needs at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"密码最多 {MAX_PASSWORD} 个字符 / the password may have at most {MAX_PASSWORD} characters"
    if len(set(password)) < 4:
        return "密码过于简单 / the password is too simple"
    if email and normalise_email(email).split("@")[0] in password.lower():
        return "密码不能包含邮箱用户名 / the password must not contain the e-mail's name"
    return None


@dataclass
class NewToken:
    token: ApiToken
    secret: str  # shown once


class AccountService:
    def __init__(self, session: Session, secret_key: str, audit: AuditLog, reset_seconds: int = 3600):
        self.session = session
        self.audit = audit
        self.reset_seconds = reset_seconds
        self._signer = URLSafeTimedSerializer(secret_key, salt="password-reset")

    # -- users ------------------------------------------------------------------------------
    def by_email(self, email: str) -> User | None:
        return self.session.scalar(select(User).where(User.email == normalise_email(email)))

    def get(self, user_id: int) -> User | None:
        return self.session.get(User, user_id) if 0 < user_id < 2**31 else None

    def create_user(self, actor: Identity, *, email: str, name: str, role: str, password: str | None = None,
                    institution_id: int | None = None, organisation: str | None = None, phone: str | None = None) -> User:
        """A new account. Only administrators make accounts (``system`` for the command line)."""
        if not actor.is_admin:
            raise PermissionDenied("only administrators create accounts")
        email = normalise_email(email)
        if "@" not in email or len(email) > 254:
            raise AccountError("邮箱地址无效 / not a valid e-mail address")
        if self.by_email(email) is not None:
            raise AccountError("该邮箱已有账号 / an account with this e-mail exists")
        if role not in ROLES:
            raise AccountError(f"未知的角色 / unknown role: {role}")
        if role == "publisher" and institution_id is None:
            raise AccountError("发布者须绑定一个单位 / a publisher is bound to one institution")
        if institution_id is not None and self.session.get(Institution, institution_id) is None:
            raise AccountError("单位不存在 / no such institution")
        if password is not None and (problem := password_problem(password, email)):
            raise AccountError(problem)
        user = User(email=email, name=(name or email).strip()[:100], role=role,
                    institution_id=institution_id if role in AFFILIATED_ROLES else None,
                    organisation=organisation, phone=phone,
                    password_hash=_hasher.hash(password) if password is not None else None)
        self.session.add(user)
        self.session.flush()
        self.audit.record(actor, "user.create", f"user:{user.id}", {"email": email, "role": role, "institution_id": user.institution_id})
        return user

    def update_user(self, actor: Identity, user: User, **changes: Any) -> User:
        if not actor.is_admin:
            raise PermissionDenied("only administrators change accounts")
        before = {k: getattr(user, k) for k in changes}
        if "role" in changes and changes["role"] not in ROLES:
            raise AccountError(f"未知的角色 / unknown role: {changes['role']}")
        self._keep_an_administrator(actor, user, changes)
        role = changes.get("role", user.role)
        institution_id = changes.get("institution_id", user.institution_id)
        if role == "publisher" and institution_id is None:
            raise AccountError("发布者须绑定一个单位 / a publisher is bound to one institution")
        if role not in AFFILIATED_ROLES:
            changes["institution_id"] = None
        for key, value in changes.items():
            setattr(user, key, value)
        if before.get("active") and changes.get("active") is False or ("role" in changes and changes["role"] != before.get("role")):
            user.login_version += 1  # a disabled account, or one whose powers changed, signs in again
        self.audit.record(actor, "user.update", f"user:{user.id}", {"before": before, "after": {k: getattr(user, k) for k in changes}})
        return user

    def _keep_an_administrator(self, actor: Identity, user: User, changes: dict[str, Any]) -> None:
        """Nobody disables or demotes themselves, and the platform never loses its last active
        administrator (the other administrators' rows are locked meanwhile, on PostgreSQL)."""
        stays_admin = changes.get("role", user.role) == "admin" and changes.get("active", user.active) is not False
        if not (user.role == "admin" and user.active) or stays_admin:
            return
        if actor.user_id == user.id:
            raise AccountError("不能停用自己的账号或取消自己的管理员角色 / you cannot disable your own account or give up your own "
                               "administrator role")
        others = self.session.scalars(select(User.id).where(User.role == "admin", User.active.is_(True), User.id != user.id)
                                      .with_for_update()).all()
        if not others:
            raise AccountError("这是最后一个启用的管理员账号，不能停用或降级 / this is the last active administrator: it cannot be "
                               "disabled or given another role")

    def active_admins(self) -> int:
        return self.session.scalar(select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True))) or 0

    # -- signing in ------------------------------------------------------------------------
    def authenticate(self, email: str, password: str) -> User:
        """The account, if the password is right; SignInRefused otherwise. Five wrong passwords in
        a row lock the account for 15 minutes (the throttle per address is the web layer's)."""
        user = self.by_email(email)
        if user is None or not user.password_hash:
            _verify(_DUMMY_HASH, password)
            self.audit.record(None, "sign_in.failed", None, {"email": normalise_email(email)[:254], "reason": "unknown"})
            raise SignInRefused("invalid")
        locked = _aware(user.locked_until)
        if locked is not None and locked > _now():
            self.audit.record(None, "sign_in.locked", f"user:{user.id}", {})
            raise SignInRefused("locked", locked)
        if not _verify(user.password_hash, password):
            user.failed_logins += 1
            if user.failed_logins % LOCK_AFTER == 0:
                user.locked_until = _now() + timedelta(minutes=LOCK_MINUTES)
            self.audit.record(None, "sign_in.failed", f"user:{user.id}", {"failed": user.failed_logins})
            raise SignInRefused("invalid")
        if not user.active:
            raise SignInRefused("inactive")
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        user.failed_logins, user.locked_until, user.last_login_at = 0, None, _now()
        return user

    def set_password(self, user: User, password: str, *, actor: Identity | None = None) -> None:
        if problem := password_problem(password, user.email):
            raise AccountError(problem)
        user.password_hash = _hasher.hash(password)
        user.login_version += 1  # other sessions and every reset link end here
        user.failed_logins, user.locked_until = 0, None
        self.audit.record(actor, "user.password", f"user:{user.id}", {})

    def check_password(self, user: User, password: str) -> bool:
        return bool(user.password_hash) and _verify(user.password_hash, password)

    # -- password reset ----------------------------------------------------------------------
    def reset_token(self, user: User) -> str:
        return self._signer.dumps({"u": user.id, "v": user.login_version})

    def user_for_reset(self, token: str) -> User | None:
        """The account a reset link is for, while it is fresh and unused."""
        try:
            data = self._signer.loads(token, max_age=self.reset_seconds)
        except (SignatureExpired, BadSignature):
            return None
        user = self.get(int(data.get("u", 0))) if isinstance(data, dict) and isinstance(data.get("u"), int) else None
        if user is None or not user.active or data.get("v") != user.login_version:
            return None
        return user

    # -- API tokens ------------------------------------------------------------------------
    def create_token(self, user: User, name: str, days: int | None = None) -> NewToken:
        name = (name or "").strip()[:100]
        if not name:
            raise AccountError("请为令牌命名 / name the token")
        if days is not None and not 1 <= days <= 3650:
            raise AccountError("有效期应为 1-3650 天 / the lifetime is 1 to 3650 days")
        prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        token = ApiToken(user_id=user.id, name=name, prefix=prefix, secret_hash=_sha256(secret),
                         expires_at=_now() + timedelta(days=days) if days else None)
        self.session.add(token)
        self.session.flush()
        self.audit.record(_identity_of(user), "token.create", f"token:{token.id}", {"name": name, "user": user.id})
        return NewToken(token, f"{TOKEN_PREFIX}_{prefix}_{secret}")

    def tokens(self, user: User) -> list[ApiToken]:
        return list(self.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))

    def revoke_token(self, actor: Identity, token_id: int) -> ApiToken:
        token = self.session.get(ApiToken, token_id) if 0 < token_id < 2**31 else None
        if token is None or (not actor.is_admin and str(token.user_id) != actor.id):
            raise LookupError(token_id)  # another person's token is not even there
        if token.revoked_at is None:
            token.revoked_at = _now()
            self.audit.record(actor, "token.revoke", f"token:{token.id}", {"user": token.user_id})
        return token

    def user_for_token(self, presented: str) -> User | None:
        """The active account a presented token belongs to, or None (unknown, wrong, revoked,
        expired). The token's last use is kept to the minute."""
        parts = (presented or "").split("_", 2)
        if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
            return None
        token = self.session.scalar(select(ApiToken).where(ApiToken.prefix == parts[1]))
        if token is None or not hmac.compare_digest(token.secret_hash, _sha256(parts[2])):
            return None
        now = _now()
        expires = _aware(token.expires_at)
        if token.revoked_at is not None or (expires is not None and expires <= now) or not token.user.active:
            return None
        last = _aware(token.last_used_at)
        if last is None or now - last > timedelta(minutes=1):
            token.last_used_at = now
            # kept at once, as the request authenticates: left pending in the request's session,
            # this write would hold the SQLite store's write lock until the request ended, and
            # every other writer (the usage counts, a worker) would wait for it
            self.session.commit()
        return token.user

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(User)) or 0


def identity_of(user: User) -> Identity:
    """The identity services see for a signed-in user."""
    return _identity_of(user)


def _identity_of(user: User) -> Identity:
    # an expert's institution is an affiliation (conflicts of interest in the annual selection),
    # not a right to act for it: only a publisher's identity carries one
    return Identity(str(user.id), frozenset({user.role}), user.institution_id if user.role == "publisher" else None, email=user.email)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False
