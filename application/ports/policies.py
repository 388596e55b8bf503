"""The policies' read model (memberships and connections alike)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.ports.pages import Page


@dataclass(frozen=True)
class PolicyView:
    subject: UUID
    object: UUID
    actions: list[str]
    owner: UUID | None
    created_at: datetime
    updated_at: datetime | None
    updated_by: str | None


@dataclass(frozen=True)
class PolicyFilter:
    subject_kind: str
    """`user` (memberships of groups and channels) or `thing` (connections)."""
    offset: int = 0
    limit: int = 10
    subject: UUID | None = None
    object: UUID | None = None
    action: str | None = None
    owner: UUID | None = None
    """When set, only the policies this user granted."""


PolicyPage = Page[PolicyView]


class PolicyViews(Protocol):
    def page(self, query: PolicyFilter) -> PolicyPage: ...
