"""The access decision `thing secret -> thing -> actions on channel`, in one indexed query."""

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


class SqlConnectionViews:
    def __init__(self, engine: sa.Engine) -> None:
        self._permitted = PreparedSelect(engine, PERMITTED)

    def permitted_actions(self, secret_lookup: str, channel_id: UUID) -> list[str] | None:
        row = self._permitted.one({"lookup": secret_lookup, "channel": str(channel_id)})
        return None if row is None else list(row["actions"])
