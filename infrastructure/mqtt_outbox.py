"""Messages FleetID must publish on an external broker but cannot from where they arise.

With a clustered broker posting gateway commands over HTTP hooks, the acknowledgement is made
in an HTTP worker, while FleetID's one connection to the broker lives in the bridge process.
The worker queues it here; the bridge publishes and then deletes it, so an ack survives a
restart of either and is published at least once.
"""

import time
from contextlib import AbstractContextManager
from typing import Any

import sqlalchemy as sa

from application.ports.mqtt import Outbox, Outgoing
from infrastructure.schema import mqtt_outbox


class SqlOutbox(Outbox):
    def __init__(self, engine: sa.Engine, write_lock: AbstractContextManager[Any]) -> None:
        self._engine = engine
        self._write_lock = write_lock

    def put(self, messages: list[tuple[str, bytes]]) -> None:
        if not messages:
            return
        now = time.time()
        rows = [{"topic": t, "payload": p, "queued_at": now} for t, p in messages]
        with self._write_lock, self._engine.begin() as conn:
            conn.execute(mqtt_outbox.insert(), rows)

    def oldest(self, limit: int) -> list[Outgoing]:
        query = sa.select(mqtt_outbox.c.id, mqtt_outbox.c.topic, mqtt_outbox.c.payload)
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(mqtt_outbox.c.id).limit(limit)).all()
        return [Outgoing(row.id, row.topic, bytes(row.payload)) for row in rows]

    def remove(self, ids: list[int]) -> None:
        with self._write_lock, self._engine.begin() as conn:
            conn.execute(mqtt_outbox.delete().where(mqtt_outbox.c.id.in_(ids)))
