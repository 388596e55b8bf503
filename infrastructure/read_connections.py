"""Where prepared reads get their connection: an event loop keeps one for good.

Checking a connection out of SQLAlchemy's pool and back in (wrapper, isolation level set and
reset, rollback on return) costs more than an indexed query: a third of an access check's CPU on
PostgreSQL. Reads on an event loop run one at a time, so each loop thread holds one connection;
any other thread borrows from the pool, which holding cannot exhaust since loops are few. On
PostgreSQL reads run in autocommit, so a held connection never sits in an open transaction;
SQLite opens none for a SELECT, so a held connection never pins an old snapshot of the WAL.
"""

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa


class ReadConnections:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        self._engine = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else engine
        )
        self._held: dict[int, sa.Connection] = {}
        self._lock = threading.Lock()

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        """A DBAPI cursor, closed on the way out. A held connection that fails is dropped, so a
        database restart costs one failed read, not every read after it."""
        held = self._held_connection()
        if held is None:
            with self._engine.connect() as conn:
                cursor = conn.connection.cursor()
                try:
                    yield cursor
                finally:
                    cursor.close()
            return
        cursor = held.connection.cursor()
        try:
            yield cursor
        except self.dialect.loaded_dbapi.Error:
            self._drop(threading.get_ident(), held)
            raise
        finally:
            cursor.close()

    def close(self) -> None:
        """Give every held connection back to the pool (before the engine is disposed)."""
        with self._lock:
            held, self._held = self._held, {}
        for conn in held.values():
            conn.close()

    def _held_connection(self) -> sa.Connection | None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return None
        thread = threading.get_ident()
        held = self._held.get(thread)
        if held is None:
            held = self._engine.connect()
            with self._lock:
                self._held[thread] = held
        return held

    def _drop(self, thread: int, held: sa.Connection) -> None:
        with self._lock:
            if self._held.get(thread) is held:
                del self._held[thread]
        held.invalidate()
        held.close()
