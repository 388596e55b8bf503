"""SQL over the `things` read model (current versions only)."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from application.ports.security import SecretBox
from application.ports.things import ThingFilter, ThingPage, ThingView
from infrastructure.listing import (
    Listing,
    contains,
    has_tag,
    like_pattern,
    metadata_key,
    name_like,
    status_is,
)
from infrastructure.prepared import PreparedSelect
from infrastructure.read_connections import ReadConnections
from infrastructure.schema import policies, things

CURRENT = things.c.valid_to.is_(None)
BY_ID = sa.select(things).where(things.c.id == sa.bindparam("thing_id"), CURRENT)
STATUS = sa.select(things.c.status).where(
    things.c.id == sa.bindparam("thing_id"), things.c.valid_to.is_(None)
)
BEHIND = (
    sa.select(things.c.id)
    .where(things.c.parent == sa.bindparam("parent"), things.c.valid_to.is_(None))
    .limit(1)
)
BY_SECRET = sa.select(things.c.id, things.c.status).where(
    things.c.secret_lookup == sa.bindparam("lookup"), CURRENT
)
"""Status is checked in Python: with `status = 'enabled'` in the WHERE clause, SQLite's planner
walks the listing index over every enabled thing instead of the secret index (20x slower)."""

CHUNK = 500
"""Values per IN list in batched lookups."""
LIVE = policies.c.valid_to.is_(None)
"""A policy is granted while it has a current version."""


class SqlThingViews:
    def __init__(self, reads: ReadConnections, box: SecretBox) -> None:
        self._box = box
        self._engine = reads.engine
        self._postgres = reads.dialect.name == "postgresql"
        self._by_id = PreparedSelect(reads, BY_ID)
        self._by_secret = PreparedSelect(reads, BY_SECRET)
        self._behind = PreparedSelect(reads, BEHIND)
        self._status = PreparedSelect(reads, STATUS)
        self._listing = Listing(reads, things, self._conditions)

    def get(self, thing_id: UUID) -> ThingView | None:
        row = self._by_id.one({"thing_id": str(thing_id)})
        return None if row is None else self._view(row)

    def is_enabled(self, thing_id: UUID) -> bool:
        status: str | None = self._status.scalar({"thing_id": str(thing_id)})
        return status == "enabled"

    def has_devices_behind(self, thing_id: UUID) -> bool:
        return self._behind.one({"parent": str(thing_id)}) is not None

    def holders(self, secret_lookups: Collection[str]) -> dict[str, UUID]:
        """The enabled thing holding each of these secrets, in one query per 500 (revalidating
        every live MQTT connection at once)."""
        found: dict[str, UUID] = {}
        wanted = list(secret_lookups)
        with self._engine.connect() as conn:
            for start in range(0, len(wanted), CHUNK):
                query = sa.select(things.c.id, things.c.secret_lookup).where(
                    things.c.secret_lookup.in_(wanted[start : start + CHUNK]),
                    CURRENT,
                    things.c.status == "enabled",
                )
                found.update((row.secret_lookup, UUID(row.id)) for row in conn.execute(query))
        return found

    def identify(self, secret_lookup: str) -> UUID | None:
        row = self._by_secret.one({"lookup": secret_lookup})
        return UUID(row["id"]) if row is not None and row["status"] == "enabled" else None

    def page(self, query: ThingFilter) -> ThingPage:
        shape = _Shape(
            every_status=query.status == "all",
            name=query.name is not None,
            tag=query.tag is not None,
            owner=query.owner is not None,
            visible_to=query.visible_to is not None,
            channel=query.channel is not None,
            metadata=metadata_key(query.metadata),
        )
        params: dict[str, Any] = {"status": query.status}
        if query.name is not None:
            params["name"] = like_pattern(query.name)
        if query.tag is not None:
            params["tag"] = query.tag
        if query.owner is not None:
            params["owner"] = str(query.owner)
        if query.channel is not None:
            params["channel"] = str(query.channel)
        if query.visible_to is not None:
            params |= {"me": str(query.visible_to), "listing": "c_list"}
        total, rows = self._listing.page(shape, params, query.offset, query.limit)
        return ThingPage(total, query.offset, query.limit, [self._view(row) for row in rows])

    def _conditions(self, shape: "_Shape") -> list[sa.ColumnElement[bool]]:
        conditions = [status_is(things.c.status, shape.every_status)]
        if shape.name:
            conditions.append(name_like(things.c.name))
        if shape.tag:
            conditions.append(has_tag(things.c.tags, self._postgres))
        if shape.metadata is not None:
            conditions.append(contains(things.c["metadata"], shape.metadata, self._postgres))
        if shape.owner:
            conditions.append(things.c.owner == sa.bindparam("owner", type_=sa.String))
        if shape.visible_to:
            me = sa.bindparam("me", type_=sa.String)
            member = policies.alias("member")
            listable = (
                sa.select(policies.c.subject)
                .join(member, member.c.object == policies.c.object)
                .where(
                    LIVE,
                    member.c.subject == me,
                    member.c.valid_to.is_(None),
                    has_tag(member.c.actions, self._postgres, bind="listing"),
                )
            )
            conditions.append(sa.or_(things.c.owner == me, things.c.id.in_(listable)))
        if shape.channel:
            channel = sa.bindparam("channel", type_=sa.String)
            conditions.append(
                things.c.id.in_(
                    sa.select(policies.c.subject).where(policies.c.object == channel, LIVE)
                )
            )
        return conditions

    def _view(self, row: Mapping[str, Any]) -> ThingView:
        return ThingView(
            id=UUID(row["id"]),
            identity=row["identity"],
            name=row["name"],
            tags=list(row["tags"]),
            metadata=dict(row["metadata"]),
            owner=UUID(row["owner"]) if row["owner"] else None,
            secret=self._box.open(row["sealed_secret"]),
            status=row["status"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            updated_by=row["updated_by"],
            parent=UUID(row["parent"]) if row["parent"] else None,
            public_key=row["public_key"],
        )


@dataclass(frozen=True)
class _Shape:
    every_status: bool
    name: bool
    tag: bool
    owner: bool
    visible_to: bool
    channel: bool
    metadata: str | None
