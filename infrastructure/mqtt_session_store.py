"""The embedded broker's persistent sessions, kept across restarts.

Writes go through one thread, in order, so a storm of reconnects costs the broker's event loop
nothing but a queue put; a restart reads them back.
"""

import logging
import queue
import threading
from contextlib import AbstractContextManager
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from application.ports.mqtt import SessionStore, StoredSession, Subscriptions
from infrastructure.schema import mqtt_sessions

log = logging.getLogger(__name__)


class SqlSessionStore(SessionStore):
    def __init__(self, engine: sa.Engine, write_lock: AbstractContextManager[Any]) -> None:
        self._engine = engine
        self._write_lock = write_lock
        self._queue: queue.SimpleQueue[tuple[str, dict[str, Any]] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="mqtt-sessions", daemon=True)
        self._thread.start()

    def load(self) -> list[StoredSession]:
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(mqtt_sessions)).mappings().all()
        return [
            StoredSession(
                row["client_id"],
                UUID(row["thing"]),
                row["expiry"],
                [(f, int(q), bool(n)) for f, q, n in row["subscriptions"]],
                row["disconnected_at"],
            )
            for row in rows
        ]

    def save(
        self,
        client_id: str,
        thing: UUID,
        expiry: float,
        subscriptions: Subscriptions,
        disconnected_at: float | None = None,
    ) -> None:
        row = {
            "client_id": client_id,
            "thing": str(thing),
            "expiry": expiry,
            "subscriptions": [list(s) for s in subscriptions],
            "disconnected_at": disconnected_at,
        }
        self._queue.put(("save", row))

    def forget(self, client_id: str) -> None:
        self._queue.put(("forget", {"client_id": client_id}))

    def close(self) -> None:
        """Write what is queued, then stop."""
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            pending = [item]
            while True:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._write(pending)
                    return
                pending.append(more)
            self._write(pending)

    def _write(self, pending: list[tuple[str, dict[str, Any]]]) -> None:
        """Latest change per client wins; one transaction for the lot."""
        latest = {row["client_id"]: (action, row) for action, row in pending}
        try:
            with self._write_lock, self._engine.begin() as conn:
                ids = list(latest)
                conn.execute(mqtt_sessions.delete().where(mqtt_sessions.c.client_id.in_(ids)))
                saved = [row for action, row in latest.values() if action == "save"]
                if saved:
                    conn.execute(mqtt_sessions.insert(), saved)
        except Exception:
            log.exception("could not store %d MQTT session changes", len(latest))
