"""Request and response bodies of the groups API, as the seed document names them."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from msgspec import UNSET, Struct, UnsetType

from application.ports.groups import GroupPage, GroupView
from interfaces.rest.user_schemas import ZERO_TIME, UserResponse
from interfaces.rest.value_schemas import Description, Metadata, Name, RequiredName


class CreateGroup(Struct, kw_only=True):
    name: RequiredName
    description: Description = ""
    metadata: Metadata = {}
    parent_id: UUID | UnsetType = UNSET
    status: Literal["enabled", "disabled"] = "enabled"


class UpdateGroup(Struct, kw_only=True):
    """PUT: what is left out (or empty, read as absent) keeps its value, as in Magistrala."""

    name: Name | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    metadata: Metadata | UnsetType = UNSET


class GroupResponse(Struct, kw_only=True, omit_defaults=True):
    id: UUID
    owner_id: UUID | None = None
    parent_id: UUID | None = None
    name: str = ""
    description: str = ""
    metadata: Metadata = {}
    level: int = 0
    """In parent and child listings: levels below (+) or above (-) the group asked about."""
    path: str = ""
    """In parent and child listings: the ids from the root down, joined by '.'."""
    children: list["GroupResponse"] = []
    created_at: datetime
    updated_at: datetime
    updated_by: str | None = None
    status: str

    @classmethod
    def of(cls, view: GroupView, *, relative_to: GroupView | None = None) -> "GroupResponse":
        located = relative_to is not None
        return cls(
            id=view.id,
            owner_id=view.owner,
            parent_id=view.parent,
            name=view.name,
            description=view.description,
            metadata=view.metadata,
            level=view.level - relative_to.level if relative_to is not None else 0,
            path=view.path if located else "",
            created_at=view.created_at,
            updated_at=view.updated_at or ZERO_TIME,
            updated_by=view.updated_by,
            status=view.status,
        )


class GroupPageResponse(Struct):
    limit: int
    offset: int
    total: int
    groups: list[GroupResponse]

    @classmethod
    def of(
        cls, page: GroupPage, *, relative_to: GroupView | None = None, tree: bool = False
    ) -> "GroupPageResponse":
        items = [GroupResponse.of(g, relative_to=relative_to) for g in page.items]
        return cls(page.limit, page.offset, page.total, nest(items) if tree else items)


class MembersResponse(Struct):
    limit: int
    offset: int
    total: int
    members: list[UserResponse]


class MembershipsResponse(Struct):
    limit: int
    offset: int
    total: int
    memberships: list[GroupResponse]


def nest(groups: list[GroupResponse]) -> list[GroupResponse]:
    """Hang each group under its parent when the parent is in the list; the rest are roots.
    Parents come first: a group is always created after its parent."""
    by_id = {group.id: group for group in groups}
    roots: list[GroupResponse] = []
    for group in groups:
        parent = by_id.get(group.parent_id) if group.parent_id else None
        if parent is None:
            roots.append(group)
        else:
            parent.children = [*parent.children, group]
    return roots
