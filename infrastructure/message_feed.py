"""Reading the message store in arrival order, for what must follow it as it grows: the MQTT
broker delivering messages accepted over HTTP."""

from collections.abc import Callable
from uuid import UUID

import sqlalchemy as sa

from application.ports.messages import MessageFeed, StoredMessage
from domain.senml import Measurement
from infrastructure.schema import messages


class SqlMessageFeed(MessageFeed):
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def last_id(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.max(messages.c.id))).scalar() or 0)

    def after(
        self, last_id: int, listened: Callable[[str], bool], limit: int = 5000
    ) -> tuple[list[int], list[StoredMessage]]:
        column = messages.c
        arrived = (
            sa.select(column.id, column.protocol, column.channel)
            .where(column.id > last_id)
            .order_by(column.id)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            found = conn.execute(arrived).all()
            ids = [row.id for row in found]
            channels = {
                row.channel for row in found if row.protocol == "http" and listened(row.channel)
            }
            if not channels:
                return ids, []
            rows = (
                sa.select(messages)
                .where(
                    column.id > last_id,
                    column.id <= ids[-1],
                    column.protocol == "http",
                    column.channel.in_(sorted(channels)),
                )
                .order_by(column.id)
            )
            return ids, [_stored(row) for row in conn.execute(rows).mappings()]


def _stored(row: sa.RowMapping) -> StoredMessage:
    return StoredMessage(
        id=row["id"],
        channel=UUID(row["channel"]),
        publisher=UUID(row["publisher"]),
        received_at=row["received_at"],
        subtopic=row["subtopic"],
        measurement=Measurement(
            name=row["name"],
            unit=row["unit"],
            time=row["time"],
            update_time=row["update_time"],
            value=row["value"],
            string_value=row["string_value"],
            bool_value=row["bool_value"],
            data_value=row["data_value"],
            sum=row["sum"],
        ),
    )
