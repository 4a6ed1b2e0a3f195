"""People who sign in, the API tokens they hold, and the audit trail of what they changed.

A user has one role (``ROLES``); a publisher is bound to one institution and acts for it.
``login_version`` is part of the session id: raising it (a new password, a reset, an
administrator disabling the account) ends every session and every reset link at once."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import utcnow
from .institution import Institution

# administrator (the provincial office), reviewer / expert, institution publisher,
# technology-transfer intermediary, investor (companies too); anonymous visitors have no account
ROLES = ("admin", "reviewer", "publisher", "intermediary", "investor")


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)  # stored lower-case: the sign-in name
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id", ondelete="SET NULL"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))  # argon2id; None: cannot sign in until a reset
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    login_version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    phone: Mapped[str | None] = mapped_column(String(50))
    organisation: Mapped[str | None] = mapped_column(String(200))  # an investor's or intermediary's company
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    institution: Mapped[Institution | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class ApiToken(db.Model):
    """A credential for the JSON API. Only a hash is kept: the token is shown once, when made.
    ``prefix`` (public, unique) finds the row; the secret part is compared by its SHA-256."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    prefix: Mapped[str] = mapped_column(String(16), unique=True, nullable=False)
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(lazy="joined")


class AuditEvent(db.Model):
    """One administrative or security-relevant action: who, what, on what, when. Never
    updated or deleted by the application."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor: Mapped[str] = mapped_column(String(254), nullable=False)  # the e-mail at the time, or "system"
    action: Mapped[str] = mapped_column(String(64), nullable=False, index=True)  # "user.create", "sign_in.failed", ...
    target: Mapped[str | None] = mapped_column(String(100), index=True)  # "user:5", "ach-12", "org-3"
    details: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    summary: Mapped[str | None] = mapped_column(Text)
