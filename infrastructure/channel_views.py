"""SQL over the `channels` read model (current versions only)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from application.ports.channels import ChannelFilter, ChannelPage, ChannelView
from infrastructure.group_views import in_ancestry, in_subtree
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
from infrastructure.schema import channels, groups, policies

BY_ID = sa.select(channels).where(
    channels.c.id == sa.bindparam("channel_id"), channels.c.valid_to.is_(None)
)

LIVE = policies.c.valid_to.is_(None)
"""A policy is granted while it has a current version."""


class SqlChannelViews:
    def __init__(self, reads: ReadConnections) -> None:
        self._postgres = reads.dialect.name == "postgresql"
        self._by_id = PreparedSelect(reads, BY_ID)
        self._listing = Listing(reads, channels, self._conditions)

    def get(self, channel_id: UUID) -> ChannelView | None:
        row = self._by_id.one({"channel_id": str(channel_id)})
        return None if row is None else _view(row)

    def page(self, query: ChannelFilter) -> ChannelPage:
        shape = _Shape(
            every_status=query.status == "all",
            name=query.name is not None,
            owner=query.owner is not None,
            visible_to=query.visible_to is not None,
            thing=query.thing is not None,
            parent=query.parent is not None,
            within=query.within is not None,
            ancestors_of=query.ancestors_of is not None,
            metadata=metadata_key(query.metadata),
        )
        params: dict[str, Any] = {"status": query.status}
        if query.name is not None:
            params["name"] = like_pattern(query.name)
        if query.owner is not None:
            params["owner"] = str(query.owner)
        if query.thing is not None:
            params["thing"] = str(query.thing)
        if query.visible_to is not None:
            params["me"] = str(query.visible_to)
        if query.parent is not None:
            params["parent"] = str(query.parent)
        if query.within is not None:
            params |= {"within": query.within, "below": f"{query.within}.%"}
        if query.ancestors_of is not None:
            params["path"] = query.ancestors_of
        total, rows = self._listing.page(shape, params, query.offset, query.limit)
        return ChannelPage(total, query.offset, query.limit, [_view(row) for row in rows])

    def _conditions(self, shape: "_Shape") -> list[sa.ColumnElement[bool]]:
        conditions = [status_is(channels.c.status, shape.every_status)]
        if shape.name:
            conditions.append(name_like(channels.c.name))
        if shape.metadata is not None:
            conditions.append(contains(channels.c["metadata"], shape.metadata, self._postgres))
        if shape.owner:
            conditions.append(channels.c.owner == sa.bindparam("owner", type_=sa.String))
        if shape.visible_to:
            me = sa.bindparam("me", type_=sa.String)
            joined = sa.select(policies.c.object).where(policies.c.subject == me, LIVE)
            conditions.append(sa.or_(channels.c.owner == me, channels.c.id.in_(joined)))
        if shape.thing:
            thing = sa.bindparam("thing", type_=sa.String)
            conditions.append(
                channels.c.id.in_(
                    sa.select(policies.c.object).where(policies.c.subject == thing, LIVE)
                )
            )
        if shape.parent:
            conditions.append(channels.c.parent == sa.bindparam("parent", type_=sa.String))
        if shape.within:
            conditions.append(channels.c.parent.in_(_current_groups(in_subtree())))
        if shape.ancestors_of:
            conditions.append(channels.c.parent.in_(_current_groups(in_ancestry())))
        return conditions


@dataclass(frozen=True)
class _Shape:
    every_status: bool
    name: bool
    owner: bool
    visible_to: bool
    thing: bool
    parent: bool
    within: bool
    ancestors_of: bool
    metadata: str | None


def _current_groups(condition: sa.ColumnElement[bool]) -> sa.Select[Any]:
    return sa.select(groups.c.id).where(groups.c.valid_to.is_(None), condition)


def _view(row: Mapping[str, Any]) -> ChannelView:
    return ChannelView(
        id=UUID(row["id"]),
        name=row["name"],
        description=row["description"],
        metadata=dict(row["metadata"]),
        owner=UUID(row["owner"]) if row["owner"] else None,
        parent=UUID(row["parent"]) if row["parent"] else None,
        status=row["status"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        updated_by=row["updated_by"],
    )
