"""The event store's rows as stored, for auditors: nothing decoded, nothing cached."""

from collections.abc import Iterable, Sequence
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.persistence import ApplicationRecorder, Notification


class RawLog:
    def __init__(self, recorder: ApplicationRecorder, engine: sa.Engine) -> None:
        self._recorder = recorder
        self._engine = engine
        table = getattr(recorder, "events_table_name", "stored_events")
        position = "rowid" if engine.dialect.name == "sqlite" else "notification_id"
        self._at = sa.text(
            f"SELECT {position} AS id, originator_id, originator_version, topic, state "
            f"FROM {table} WHERE {position} IN :positions ORDER BY {position}"
        ).bindparams(sa.bindparam("positions", expanding=True))
        self._after = sa.text(
            f"SELECT {position} FROM {table} WHERE {position} > :after "
            f"ORDER BY {position} LIMIT :limit"
        )

    def last_position(self) -> int:
        return self._recorder.max_notification_id() or 0

    def after(self, position: int, limit: int) -> Sequence[Notification]:
        return self._recorder.select_notifications(
            start=position, limit=limit, inclusive_of_start=False
        )

    def positions_after(self, position: int, limit: int) -> list[int]:
        """The positions stored after `position`, in order: an index-only read."""
        with self._engine.connect() as conn:
            return list(conn.execute(self._after, {"after": position, "limit": limit}).scalars())

    def at(self, positions: Iterable[int]) -> list[Notification]:
        wanted = list(positions)
        if not wanted:
            return []
        with self._engine.connect() as conn:
            rows = conn.execute(self._at, {"positions": wanted}).all()
        return [
            Notification(
                id=row.id,
                originator_id=UUID(str(row.originator_id)),
                originator_version=row.originator_version,
                topic=row.topic,
                state=bytes(row.state),
            )
            for row in rows
        ]
