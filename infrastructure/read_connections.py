"""Where prepared reads get their connection: an event loop keeps one for good. Reads can also
be answered as of a past log position (`as_of`), on connections of their own.

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

from application.read_time import AS_OF
from infrastructure.schema import metadata


class ReadConnections:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        past = sa.engine.Engine(engine.pool.recreate(), engine.dialect, engine.url)
        self._pools = {False: engine, True: past}
        if engine.dialect.name == "postgresql":
            engine = engine.execution_options(isolation_level="AUTOCOMMIT")
            past = past.execution_options(isolation_level="AUTOCOMMIT")
        self._engines = {False: engine, True: past}
        """Reads of the past have a pool of their own: its connections carry the temporary
        views and must never serve a read of the present."""
        self._held: dict[tuple[int, bool], sa.Connection] = {}
        self._lock = threading.Lock()

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        """A DBAPI cursor, closed on the way out. A held connection that fails is dropped, so a
        database restart costs one failed read, not every read after it."""
        position = AS_OF.get()
        past = position is not None
        held = self._held_connection(past)
        if held is None:
            with self._engines[past].connect() as conn:
                cursor = self._prepared(conn, position)
                try:
                    yield cursor
                finally:
                    cursor.close()
            return
        try:
            cursor = self._prepared(held, position)
        except self.dialect.loaded_dbapi.Error:
            self._drop(held, past)
            raise
        try:
            yield cursor
        except self.dialect.loaded_dbapi.Error:
            self._drop(held, past)
            raise
        finally:
            cursor.close()

    def _prepared(self, conn: sa.Connection, position: int | None) -> Any:
        """A cursor; for a read of the past, on a connection where each history table's name
        is a temporary view of the rows true at `position`, shown as current (`valid_to`
        NULL), so the same statements that read the present read the past."""
        raw: Any = conn.connection.dbapi_connection
        if position is None:
            return raw.cursor()
        info = conn.connection.info
        if "fleetid_past" not in info:
            _create_past_views(raw, self.dialect.name)
            info["fleetid_past"] = True
        cursor = raw.cursor()
        if info.get("fleetid_position") != position:
            cursor.execute(_SET_POSITION[self.dialect.name], (position,))
            if self.dialect.name == "sqlite":
                raw.commit()
            info["fleetid_position"] = position
        return cursor

    def close(self) -> None:
        """Give every held connection back to the pool (before the engine is disposed)."""
        with self._lock:
            held, self._held = self._held, {}
        for conn in held.values():
            conn.close()
        self._pools[True].dispose()

    def _held_connection(self, past: bool) -> sa.Connection | None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return None
        key = (threading.get_ident(), past)
        held = self._held.get(key)
        if held is None:
            held = self._engines[past].connect()
            with self._lock:
                self._held[key] = held
        return held

    def _drop(self, held: sa.Connection, past: bool) -> None:
        """A failed held connection usually means the server went away: every pooled
        connection is as dead, so the pool is replaced (its connections are dropped as they
        come back) and the next read gets a fresh one."""
        key = (threading.get_ident(), past)
        with self._lock:
            if self._held.get(key) is held:
                del self._held[key]
        held.invalidate()
        held.close()
        self._pools[past].dispose(close=False)


_SET_POSITION = {
    "sqlite": "UPDATE temp.fleetid_as_of SET position = ?",
    "postgresql": "UPDATE pg_temp.fleetid_as_of SET position = %s",
}


def _create_past_views(raw: Any, dialect: str) -> None:
    cursor = raw.cursor()
    try:
        if dialect == "sqlite":
            temp, home, null = "temp", "main", "NULL"
        else:
            cursor.execute("SELECT current_schema()")
            temp, home, null = "pg_temp", cursor.fetchone()[0], "CAST(NULL AS BIGINT)"
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS fleetid_as_of (position BIGINT)")
        cursor.execute(f"DELETE FROM {temp}.fleetid_as_of")
        cursor.execute(f"INSERT INTO {temp}.fleetid_as_of VALUES (0)")
        at = f"(SELECT position FROM {temp}.fleetid_as_of)"
        for table in metadata.tables.values():
            if "valid_to" not in table.c:
                continue
            columns = ", ".join(f'"{c.name}"' for c in table.c if c.name != "valid_to")
            cursor.execute(
                f'CREATE TEMP VIEW "{table.name}" AS SELECT {columns}, {null} AS valid_to '
                f'FROM {home}."{table.name}" WHERE valid_from <= {at} '
                f"AND (valid_to IS NULL OR valid_to > {at})"
            )
        if dialect == "sqlite":
            raw.commit()
    finally:
        cursor.close()
