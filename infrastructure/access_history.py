"""A thing's access to a channel through time, from the history rows of `policies`, `things`
and `channels` (each version true from `valid_from` until `valid_to`)."""

from collections.abc import Collection
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from application.ports import AccessHistory, AccessInputs, LoggedEvent
from infrastructure.schema import channels, log_entries, policies, things

Version = tuple[int, int | None, Any]
"""(valid_from, valid_to, value)"""


class SqlAccessHistory(AccessHistory):
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def inputs(self, thing: UUID, channel: UUID, until: int) -> list[AccessInputs]:
        with self._engine.connect() as conn:
            granted = _versions(
                conn,
                policies,
                policies.c.actions,
                until,
                policies.c.subject == str(thing),
                policies.c.object == str(channel),
            )
            thing_status = _versions(
                conn, things, things.c.status, until, things.c.id == str(thing)
            )
            channel_status = _versions(
                conn, channels, channels.c.status, until, channels.c.id == str(channel)
            )
        moments = sorted(
            {
                moment
                for versions in (granted, thing_status, channel_status)
                for start, end, _ in versions
                for moment in (start, end)
                if moment is not None and moment <= until
            }
        )
        found: list[AccessInputs] = []
        for moment in moments:
            actions = _at(granted, moment)
            state = AccessInputs(
                moment,
                frozenset(actions or ()),
                _at(thing_status, moment) == "enabled",
                _at(channel_status, moment) == "enabled",
            )
            if not found or (state.actions, state.thing_enabled, state.channel_enabled) != (
                found[-1].actions,
                found[-1].thing_enabled,
                found[-1].channel_enabled,
            ):
                found.append(state)
        return found

    def events_at(self, positions: Collection[int]) -> dict[int, LoggedEvent]:
        wanted = list(positions)
        if not wanted:
            return {}
        query = sa.select(
            log_entries.c.position,
            log_entries.c.aggregate_id,
            log_entries.c.aggregate_type,
            log_entries.c.event_type,
        ).where(log_entries.c.position.in_(wanted))
        with self._engine.connect() as conn:
            return {
                row.position: LoggedEvent(
                    row.position, row.aggregate_id, row.aggregate_type, row.event_type
                )
                for row in conn.execute(query)
            }


def _versions(
    conn: sa.Connection, table: sa.Table, value: Any, until: int, *where: Any
) -> list[Version]:
    query = (
        sa.select(table.c.valid_from, table.c.valid_to, value)
        .where(table.c.valid_from <= until, *where)
        .order_by(table.c.valid_from)
    )
    return [(row[0], row[1], row[2]) for row in conn.execute(query)]


def _at(versions: list[Version], moment: int) -> Any:
    for start, end, value in versions:
        if start <= moment and (end is None or moment < end):
            return value
    return None
