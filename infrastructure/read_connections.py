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
from contextvars import ContextVar
from typing import Any

import sqlalchemy as sa

from infrastructure.schema import metadata

AS_OF: ContextVar[int | None] = ContextVar("fleetid_as_of", default=None)
"""The log position reads in this context answer as of; None: now."""


@contextmanager
def at_present() -> Iterator[None]:
    """Reads in this block see the read models as they are now, inside an `as_of` block too."""
    token = AS_OF.set(None)
    try:
        yield
    finally:
        AS_OF.reset(token)


@contextmanager
def as_of(position: int) -> Iterator[None]:
    """Every read in this block (and what it calls) sees the read models as they were when
    the projections had applied `position`."""
    token = AS_OF.set(position)
    try:
        yield
    finally:
        AS_OF.reset(token)


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
        past = sa.engine.Engine(engine.pool.recreate(), engine.dialect, engine.url)
        self._past_engine = (
            past.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else past
        )
        """A pool of its own: its connections carry the temporary views and must never serve a
        read of the present."""
        self._lock = threading.Lock()

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        """A DBAPI cursor, closed on the way out. A held connection that fails is dropped, so a
        database restart costs one failed read, not every read after it."""
        position = AS_OF.get()
        if position is not None:
            with self._past_cursor(position) as cursor:
                yield cursor
            return
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

    @contextmanager
    def _past_cursor(self, position: int) -> Iterator[Any]:
        """On a connection where each history table's name is a temporary view of the rows
        true at `position`, shown as current (`valid_to` NULL): the same statements that read
        the present read the past. Such connections serve only these reads."""
        with self._past_engine.connect() as conn:
            raw: Any = conn.connection.dbapi_connection
            info = conn.connection.info
            cursor = None
            try:
                if "fleetid_past" not in info:
                    _create_past_views(raw, self.dialect.name)
                    info["fleetid_past"] = True
                cursor = raw.cursor()
                cursor.execute(_SET_POSITION[self.dialect.name], (position,))
                if self.dialect.name == "sqlite":
                    raw.commit()
                yield cursor
            except self.dialect.loaded_dbapi.Error:
                conn.invalidate()
                self._past_engine.dispose(close=False)
                raise
            finally:
                if cursor is not None:
                    cursor.close()

    def close(self) -> None:
        """Give every held connection back to the pool (before the engine is disposed)."""
        with self._lock:
            held, self._held = self._held, {}
        for conn in held.values():
            conn.close()
        self._past_engine.dispose()

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
        """A failed held connection usually means the server went away: every pooled
        connection is as dead, so the pool is replaced (its connections are dropped as they
        come back) and the next read gets a fresh one."""
        with self._lock:
            if self._held.get(thread) is held:
                del self._held[thread]
        held.invalidate()
        held.close()
        self.engine.dispose(close=False)


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
