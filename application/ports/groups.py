"""The groups' read model."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from application.ports.pages import ListFilter, Page


@dataclass(frozen=True)
class GroupView:
    id: UUID
    name: str
    description: str
    metadata: dict[str, Any]
    owner: UUID | None
    parent: UUID | None
    path: str
    level: int
    status: str
    created_at: datetime
    updated_at: datetime | None
    updated_by: str | None


GroupPage = Page[GroupView]


@dataclass(frozen=True)
class GroupFilter(ListFilter):
    """`visible_to`: the groups that user owns or is a member of."""

    parent: UUID | None = None
    """Direct children of this group."""
    member: UUID | None = None
    """When set, only groups this user is a member of."""
    within: str | None = None
    """A group's path: that group and everything below it."""
    ancestors_of: str | None = None
    """A group's path: that group and every group above it."""
    excluded: UUID | None = None
    """Leave this group out (a subtree or ancestry without its starting group)."""


class GroupViews(Protocol):
    def get(self, group_id: UUID) -> GroupView | None: ...

    def page(self, query: GroupFilter) -> GroupPage: ...

    def member_actions(self, user_id: UUID, group_id: UUID) -> list[str]:
        """The actions a user's membership of a group grants (empty: not a member)."""
        ...

    def shared_actions(self, user_id: UUID, other_id: UUID) -> set[str]:
        """The actions `user_id` holds in the groups both users are members of."""
        ...
