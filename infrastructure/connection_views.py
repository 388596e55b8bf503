"""Access decisions from the read model, each one indexed query: may a thing secret act on a
channel; what may a user do to a thing through its memberships of the thing's channels."""

from uuid import UUID

import sqlalchemy as sa

from infrastructure.prepared import PreparedSelect
from infrastructure.schema import channels, policies, things

THING_BY_SECRET = sa.select(things.c.id, things.c.status).where(
    things.c.secret_lookup == sa.bindparam("lookup"), things.c.valid_to.is_(None)
)
CONNECTION = (
    sa.select(policies.c.actions, channels.c.status)
    .join(channels, sa.and_(channels.c.id == policies.c.object, channels.c.valid_to.is_(None)))
    .where(
        policies.c.subject == sa.bindparam("thing"),
        policies.c.object == sa.bindparam("channel"),
        policies.c.valid_to.is_(None),
    )
)
"""Two statements each on one exact index, statuses checked in Python: as one join, or with
`status = 'enabled'` in SQL, SQLite's planner walks every policy of the channel or every enabled
thing."""

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


class SqlConnectionViews:
    def __init__(self, engine: sa.Engine) -> None:
        self._thing = PreparedSelect(engine, THING_BY_SECRET)
        self._connection = PreparedSelect(engine, CONNECTION)
        self._thing_actions = PreparedSelect(engine, THING_ACTIONS)

    def thing_actions(self, user_id: UUID, thing_id: UUID) -> set[str]:
        rows = self._thing_actions.all({"user": str(user_id), "thing": str(thing_id)})
        return {action for row in rows for action in row["actions"]}

    def permitted_actions(self, secret_lookup: str, channel_id: UUID) -> list[str] | None:
        thing = self._thing.one({"lookup": secret_lookup})
        if thing is None or thing["status"] != "enabled":
            return None
        connection = self._connection.one({"thing": thing["id"], "channel": str(channel_id)})
        if connection is None or connection["status"] != "enabled":
            return None
        return list(connection["actions"])
