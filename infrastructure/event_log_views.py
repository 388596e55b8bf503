"""Pages of the event log: `log_entries` finds the positions, the event store gives the lines."""

import sqlalchemy as sa

from application.ports.event_log import EventFilter, EventLogViews, EventPage
from infrastructure.log_entries import entry_of
from infrastructure.raw_log import RawLog
from infrastructure.schema import log_entries


class SqlEventLogViews(EventLogViews):
    def __init__(self, engine: sa.Engine, raw: RawLog) -> None:
        self._engine = engine
        self._raw = raw

    def page(self, query: EventFilter) -> EventPage:
        c = log_entries.c
        statement = sa.select(c.position).where(c.position > query.after)
        if query.aggregate_id is not None:
            statement = statement.where(c.aggregate_id == str(query.aggregate_id))
        if query.aggregate_type is not None:
            statement = statement.where(c.aggregate_type == query.aggregate_type)
        if query.event_type is not None:
            statement = statement.where(c.event_type == query.event_type)
        if query.actor is not None:
            statement = statement.where(c.actor == query.actor)
        if query.since is not None:
            statement = statement.where(c.recorded_at >= query.since)
        if query.until is not None:
            statement = statement.where(c.recorded_at < query.until)
        statement = statement.order_by(c.position).limit(query.limit + 1)
        with self._engine.connect() as conn:
            positions = list(conn.execute(statement).scalars())
        more = len(positions) > query.limit
        positions = positions[: query.limit]
        lines = [entry_of(n).line for n in self._raw.at(positions)]
        return EventPage(lines, positions[-1] if positions else query.after, more)
