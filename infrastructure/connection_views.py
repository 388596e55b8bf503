"""Access decisions from the read model, each one indexed query: may a thing secret act on a
channel; what may a user do to a thing through its memberships of the thing's channels."""

from uuid import UUID

import sqlalchemy as sa

from infrastructure.prepared import PreparedSelect
from infrastructure.schema import channels, policies, things

PERMITTED = (
    sa.select(policies.c.actions)
    .select_from(things)
    .join(policies, sa.and_(policies.c.subject == things.c.id, policies.c.valid_to.is_(None)))
    .join(channels, sa.and_(channels.c.id == policies.c.object, channels.c.valid_to.is_(None)))
    .where(
        things.c.secret_lookup == sa.bindparam("lookup"),
        things.c.valid_to.is_(None),
        things.c.status == "enabled",
        policies.c.object == sa.bindparam("channel"),
        channels.c.status == "enabled",
    )
)


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
        self._permitted = PreparedSelect(engine, PERMITTED)
        self._thing_actions = PreparedSelect(engine, THING_ACTIONS)

    def thing_actions(self, user_id: UUID, thing_id: UUID) -> set[str]:
        rows = self._thing_actions.all({"user": str(user_id), "thing": str(thing_id)})
        return {action for row in rows for action in row["actions"]}

    def permitted_actions(self, secret_lookup: str, channel_id: UUID) -> list[str] | None:
        row = self._permitted.one({"lookup": secret_lookup, "channel": str(channel_id)})
        return None if row is None else list(row["actions"])
