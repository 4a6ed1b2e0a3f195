"""Who is asking. Services take the identity first, as Invenio's do; the web layer builds it
from the session or an API token (``web.auth``), the command line and workers use ``system``."""
from __future__ import annotations

from dataclasses import dataclass, field

# who may see the contact details and full descriptions of published records
MEMBER_ROLES = frozenset({"admin", "reviewer", "publisher", "intermediary", "investor"})


@dataclass(frozen=True)
class Identity:
    id: str | None
    roles: frozenset[str] = field(default_factory=frozenset)
    institution_id: int | None = None  # a publisher's institution
    email: str | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.id is not None

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles or "system" in self.roles

    @property
    def is_reviewer(self) -> bool:
        return self.is_admin or "reviewer" in self.roles

    @property
    def is_publisher(self) -> bool:
        return "publisher" in self.roles and self.institution_id is not None

    @property
    def is_member(self) -> bool:
        """Signed in with a role that sees contact details (every role does; anonymous does not)."""
        return bool(self.roles & MEMBER_ROLES) or "system" in self.roles

    @property
    def user_id(self) -> int | None:
        return int(self.id) if self.id and self.id.isdigit() else None

    @property
    def label(self) -> str:
        return self.email or self.id or "anonymous"

    def can_see_unpublished(self) -> bool:
        return self.is_reviewer

    def acts_for_any(self, institution_ids: set[int]) -> bool:
        """Whether this identity maintains a record held by these institutions."""
        return self.is_admin or (self.is_publisher and self.institution_id in institution_ids)

    def acts_for(self, institution_id: int | None) -> bool:
        """Whether this identity may publish and maintain the records of that institution."""
        return self.is_admin or (self.is_publisher and institution_id is not None and institution_id == self.institution_id)


anonymous_identity = Identity(None)
system_identity = Identity("system", frozenset({"system"}), email="system")
