"""SQL over the `groups` read model and the group memberships in `policies`."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from application.ports.groups import GroupFilter, GroupPage, GroupView
from infrastructure.listing import (
    Listing,
    contains,
    like_pattern,
    metadata_key,
    name_like,
    status_is,
)
from infrastructure.prepared import PreparedSelect
from infrastructure.read_connections import ReadConnections
from infrastructure.schema import groups, policies

LIVE = policies.c.valid_to.is_(None)
"""A policy is granted while it has a current version."""
BY_ID = sa.select(groups).where(
    groups.c.id == sa.bindparam("group_id"), groups.c.valid_to.is_(None)
)
_OTHER = policies.alias("other")
SHARED_ACTIONS = (
    sa.select(policies.c.actions)
    .join(_OTHER, _OTHER.c.object == policies.c.object)
    .where(
        policies.c.subject == sa.bindparam("user"),
        policies.c.object_kind == "group",
        LIVE,
        _OTHER.c.subject == sa.bindparam("other"),
        _OTHER.c.valid_to.is_(None),
    )
)
MEMBER_ACTIONS = sa.select(policies.c.actions).where(
    policies.c.subject == sa.bindparam("user"), policies.c.object == sa.bindparam("group"), LIVE
)


def in_subtree() -> sa.ColumnElement[bool]:
    """Groups at or below the path bound as `within` (`below`: that path + '.%')."""
    below = sa.bindparam("below", type_=sa.String)
    return sa.or_(
        groups.c.path == sa.bindparam("within", type_=sa.String), groups.c.path.like(below)
    )


def in_ancestry() -> sa.ColumnElement[bool]:
    """Groups at or above the path bound as `path`."""
    path = sa.bindparam("path", type_=sa.String)
    return sa.or_(groups.c.path == path, path.like(groups.c.path + ".%"))


def groups_of(user: sa.BindParameter[str]) -> sa.Select[Any]:
    return sa.select(policies.c.object).where(
        policies.c.subject == user, policies.c.object_kind == "group", LIVE
    )


class SqlGroupViews:
    def __init__(self, reads: ReadConnections) -> None:
        self._postgres = reads.dialect.name == "postgresql"
        self._by_id = PreparedSelect(reads, BY_ID)
        self._member_actions = PreparedSelect(reads, MEMBER_ACTIONS)
        self._shared_actions = PreparedSelect(reads, SHARED_ACTIONS)
        self._listing = Listing(reads, groups, self._conditions)

    def get(self, group_id: UUID) -> GroupView | None:
        row = self._by_id.one({"group_id": str(group_id)})
        return None if row is None else _view(row)

    def member_actions(self, user_id: UUID, group_id: UUID) -> list[str]:
        row = self._member_actions.one({"user": str(user_id), "group": str(group_id)})
        return [] if row is None else list(row["actions"])

    def shared_actions(self, user_id: UUID, other_id: UUID) -> set[str]:
        rows = self._shared_actions.all({"user": str(user_id), "other": str(other_id)})
        return {action for row in rows for action in row["actions"]}

    def page(self, query: GroupFilter) -> GroupPage:
        shape = _Shape(
            every_status=query.status == "all",
            name=query.name is not None,
            owner=query.owner is not None,
            parent=query.parent is not None,
            visible_to=query.visible_to is not None,
            member=query.member is not None,
            within=query.within is not None,
            ancestors_of=query.ancestors_of is not None,
            excluded=query.excluded is not None,
            metadata=metadata_key(query.metadata),
        )
        params: dict[str, Any] = {"status": query.status}
        if query.name is not None:
            params["name"] = like_pattern(query.name)
        for name in ("owner", "parent", "visible_to", "member", "excluded"):
            value = getattr(query, name)
            if value is not None:
                params[name] = str(value)
        if query.within is not None:
            params |= {"within": query.within, "below": f"{query.within}.%"}
        if query.ancestors_of is not None:
            params["path"] = query.ancestors_of
        total, rows = self._listing.page(shape, params, query.offset, query.limit)
        return GroupPage(total, query.offset, query.limit, [_view(row) for row in rows])

    def _conditions(self, shape: "_Shape") -> list[sa.ColumnElement[bool]]:
        g = groups.c
        conditions = [status_is(g.status, shape.every_status)]
        if shape.name:
            conditions.append(name_like(g.name))
        if shape.metadata is not None:
            conditions.append(contains(g["metadata"], shape.metadata, self._postgres))
        if shape.owner:
            conditions.append(g.owner == sa.bindparam("owner", type_=sa.String))
        if shape.parent:
            conditions.append(g.parent == sa.bindparam("parent", type_=sa.String))
        if shape.visible_to:
            me = sa.bindparam("visible_to", type_=sa.String)
            conditions.append(sa.or_(g.owner == me, g.id.in_(groups_of(me))))
        if shape.member:
            conditions.append(g.id.in_(groups_of(sa.bindparam("member", type_=sa.String))))
        if shape.within:
            conditions.append(in_subtree())
        if shape.excluded:
            conditions.append(g.id != sa.bindparam("excluded", type_=sa.String))
        if shape.ancestors_of:
            conditions.append(in_ancestry())
        return conditions


@dataclass(frozen=True)
class _Shape:
    every_status: bool
    name: bool
    owner: bool
    parent: bool
    visible_to: bool
    member: bool
    within: bool
    ancestors_of: bool
    excluded: bool
    metadata: str | None


def _view(row: Mapping[str, Any]) -> GroupView:
    return GroupView(
        id=UUID(row["id"]),
        name=row["name"],
        description=row["description"],
        metadata=dict(row["metadata"]),
        owner=UUID(row["owner"]) if row["owner"] else None,
        parent=UUID(row["parent"]) if row["parent"] else None,
        path=row["path"],
        level=row["level"],
        status=row["status"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        updated_by=row["updated_by"],
    )
