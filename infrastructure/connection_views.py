"""Access decisions from the read model, each one indexed query: may a thing secret act on a
channel; what may a user do to a thing through its memberships of the thing's channels."""

from collections.abc import Collection
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from application.ports.connections import ChannelAccess
from infrastructure.prepared import PreparedSelect
from infrastructure.read_connections import ReadConnections
from infrastructure.schema import channels, policies, things


def _access(thing: sa.ColumnElement[bool]) -> sa.Select[Any]:
    """A thing (found by `thing`) with its connection to the bound channel, if any."""
    return (
        sa.select(
            things.c.id,
            things.c.status,
            policies.c.actions,
            channels.c.status.label("channel_status"),
        )
        .select_from(things)
        .outerjoin(
            policies,
            sa.and_(
                policies.c.subject == things.c.id,
                policies.c.object == sa.bindparam("channel"),
                policies.c.valid_to.is_(None),
            ),
        )
        .outerjoin(
            channels,
            sa.and_(channels.c.id == sa.bindparam("channel"), channels.c.valid_to.is_(None)),
        )
        .where(thing, things.c.valid_to.is_(None))
    )


ACCESS_BY_SECRET = _access(things.c.secret_lookup == sa.bindparam("lookup"))
ACCESS_BY_ID = _access(things.c.id == sa.bindparam("thing"))
"""One round trip, each table on one exact index. Outer joins from the thing keep SQLite's
planner on that order (an inner join, or `status = 'enabled'` in SQL, lets it walk every policy
of the channel or every enabled thing instead); statuses are checked in Python."""

_MEMBER = policies.alias("member")
THING_ACTIONS = (
    sa.select(_MEMBER.c.actions)
    .select_from(policies)
    .join(_MEMBER, _MEMBER.c.object == policies.c.object)
    .where(
        policies.c.subject == sa.bindparam("thing"),
        policies.c.valid_to.is_(None),
        _MEMBER.c.subject == sa.bindparam("user"),
        _MEMBER.c.subject_kind == "user",
        _MEMBER.c.valid_to.is_(None),
    )
)


GRANTED = (
    sa.select(policies.c.subject, policies.c.object, policies.c.actions)
    .join(channels, sa.and_(channels.c.id == policies.c.object, channels.c.valid_to.is_(None)))
    .join(things, sa.and_(things.c.id == policies.c.subject, things.c.valid_to.is_(None)))
    .where(
        policies.c.subject.in_(sa.bindparam("things", expanding=True)),
        policies.c.subject_kind == "thing",
        policies.c.valid_to.is_(None),
        channels.c.status == "enabled",
        things.c.status == "enabled",
    )
)

CHANNELS_OF = (
    sa.select(policies.c.object)
    .where(
        policies.c.subject == sa.bindparam("thing"),
        policies.c.subject_kind == "thing",
        policies.c.valid_to.is_(None),
    )
    .order_by(policies.c.object)
)
"""Ordered, so that removing a thing revokes its connections in the same order everywhere
(without ORDER BY, SQLite's order depends on which index its planner picks)."""


CHUNK = 500
"""Things per IN list in batched lookups."""


class SqlConnectionViews:
    def __init__(self, reads: ReadConnections) -> None:
        self._engine = reads.engine
        self._channels_of = PreparedSelect(reads, CHANNELS_OF)
        self._by_secret = PreparedSelect(reads, ACCESS_BY_SECRET)
        self._by_id = PreparedSelect(reads, ACCESS_BY_ID)
        self._thing_actions = PreparedSelect(reads, THING_ACTIONS)

    def thing_actions(self, user_id: UUID, thing_id: UUID) -> set[str]:
        rows = self._thing_actions.all({"user": str(user_id), "thing": str(thing_id)})
        return {action for row in rows for action in row["actions"]}

    def channel_access(self, secret_lookup: str, channel_id: UUID) -> ChannelAccess | None:
        return _decided(self._by_secret.one({"lookup": secret_lookup, "channel": str(channel_id)}))

    def thing_access(self, thing_id: UUID, channel_id: UUID) -> ChannelAccess | None:
        return _decided(self._by_id.one({"thing": str(thing_id), "channel": str(channel_id)}))

    def granted(self, thing_ids: Collection[UUID], action: str) -> set[tuple[UUID, UUID]]:
        """Every (thing, channel) where the enabled thing holds `action` on the enabled channel,
        in one query per 500 things (revalidating every MQTT subscription at once)."""
        wanted = [str(thing) for thing in thing_ids]
        found: set[tuple[UUID, UUID]] = set()
        with self._engine.connect() as conn:
            for start in range(0, len(wanted), CHUNK):
                rows = conn.execute(GRANTED, {"things": wanted[start : start + CHUNK]})
                found.update(
                    (UUID(row.subject), UUID(row.object)) for row in rows if action in row.actions
                )
        return found

    def channels_of(self, thing_id: UUID) -> list[UUID]:
        return [UUID(row["object"]) for row in self._channels_of.all({"thing": str(thing_id)})]


def _decided(row: dict[str, Any] | None) -> ChannelAccess | None:
    """Statuses are checked here rather than in SQL (see the statements above)."""
    if row is None:
        return None
    connected = row["actions"] is not None and row["channel_status"] == "enabled"
    return ChannelAccess(
        thing=UUID(row["id"]),
        thing_enabled=row["status"] == "enabled",
        actions=frozenset(row["actions"]) if connected else frozenset(),
    )
