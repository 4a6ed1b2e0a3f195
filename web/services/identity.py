"""Who is asking. Services take the identity first, as Invenio's do; views build it."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Identity:
    id: str | None
    roles: frozenset[str] = field(default_factory=frozenset)
    institution_id: int | None = None

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles or "system" in self.roles

    def can_see_unpublished(self) -> bool:
        return self.is_admin or "reviewer" in self.roles


anonymous_identity = Identity(None)
system_identity = Identity("system", frozenset({"system"}))
