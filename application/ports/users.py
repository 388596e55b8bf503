"""The users' read model and their session state."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from application.ports.pages import ListFilter, Page


@dataclass(frozen=True)
class UserView:
    id: UUID
    identity: str | None
    name: str | None
    tags: list[str]
    metadata: dict[str, Any]
    role: str
    status: str
    owner: UUID | None
    created_at: datetime
    updated_at: datetime | None
    updated_by: str | None


UserPage = Page[UserView]


@dataclass(frozen=True)
class UserFilter(ListFilter):
    """`visible_to`: that user and the users it owns."""

    identity: str | None = None
    tag: str | None = None
    member_of: UUID | None = None
    """When set, only the members of this group."""


@dataclass(frozen=True)
class SessionState:
    status: str
    role: str
    sessions_since: datetime | None


class SessionStates(Protocol):
    def session_state(self, user_id: UUID) -> SessionState | None: ...


class UserViews(Protocol):
    def get(self, user_id: UUID) -> UserView | None: ...

    def page(self, query: UserFilter) -> UserPage: ...

    def session_state(self, user_id: UUID) -> SessionState | None: ...

    def admin_exists(self) -> bool: ...
