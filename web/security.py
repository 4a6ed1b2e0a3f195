"""What views ask before they act: who is asking (``web.auth`` works it out once per request)
and whether that identity may do this. A missing sign-in is ``SignInRequired`` (401 in the
API, the sign-in page elsewhere); a missing right is ``PermissionDenied`` (403)."""
from __future__ import annotations

from .auth import current_account, current_identity
from .services.identity import Identity
from .services.records import PermissionDenied


class SignInRequired(Exception):
    """The request needs an account."""


def require_signed_in() -> Identity:
    identity = current_identity()
    if not identity.is_authenticated:
        raise SignInRequired()
    return identity


def require_role(*roles: str) -> Identity:
    """Signed in with one of ``roles`` (administrators may do everything)."""
    identity = require_signed_in()
    if not (identity.is_admin or identity.roles & set(roles)):
        raise PermissionDenied("权限不足 / your role may not do this")
    return identity


def require_admin() -> Identity:
    return require_role("admin")


def require_desk() -> Identity:
    """The publishing desk and the draft lists: publishers, reviewers and administrators."""
    identity = require_signed_in()
    if not (identity.is_publisher or identity.is_reviewer):
        raise PermissionDenied("需要单位发布者、审核专家或管理员账号 / for publishers, reviewers and administrators")
    return identity


def require_importer() -> Identity:
    """Administrators import for everyone; a publisher imports for their own institution."""
    identity = require_signed_in()
    if not (identity.is_admin or identity.is_publisher):
        raise PermissionDenied("需要管理员或单位发布者账号 / importing needs an administrator or a publisher account")
    return identity


__all__ = ["current_identity", "current_account", "require_signed_in", "require_role", "require_admin", "require_importer", "require_desk",
           "SignInRequired", "PermissionDenied"]
