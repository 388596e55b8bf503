"""The message store's writer: telemetry appended in batches, each caller answered after the
commit that holds its rows.

Telemetry is not event-sourced (docs/architecture.md §1): rows go straight into `messages`. One
thread owns one connection and commits everything queued since its last commit in one transaction
(a `GroupCommit`), so many concurrent publishers cost one commit. A caller's future resolves only
once that commit has returned, so an accepted message is on disk: on SQLite the connection commits
with `synchronous=FULL` (the WAL is synced at each commit, as the event log's is).
"""

import sqlite3
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from application.ports.messages import Receipt
from application.ports.storage import Unstorable
from domain.senml import Measurement
from infrastructure.batching import GroupCommit
from infrastructure.change_marks import bump_channels
from infrastructure.copy_rows import copy_rows
from infrastructure.metrics import TELEMETRY_RECORDS
from infrastructure.schema import messages, mqtt_receipts

MAX_BATCH_ROWS = 5000


COLUMNS = (
    "channel",
    "publisher",
    "protocol",
    "subtopic",
    "received_at",
    "name",
    "unit",
    "time",
    "update_time",
    "value",
    "string_value",
    "bool_value",
    "data_value",
    "sum",
)
CHANNEL, PROTOCOL = 0, 2
Row = tuple[Any, ...]
"""A message's values in the order of COLUMNS: handed to the driver as they are, since per-row
work in the SQL toolkit was half a telemetry request's time."""
INSERT = (
    f"INSERT INTO {messages.name} ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
)


@dataclass
class _Rows:
    """One caller's rows, and the receipt committed with them so a retransmission is known."""

    rows: Sequence[Row]
    receipt: Receipt | None = None


class MessageWriter:
    """Telemetry rows, committed together by a `GroupCommit` on one connection of its own."""

    def __init__(self, engine: sa.Engine, write_lock: AbstractContextManager[Any]) -> None:
        """`write_lock` is the one SQLite's writers queue on (a no-op on PostgreSQL)."""
        self._engine = engine
        self._write_lock = write_lock
        self._upsert_receipt = _upsert(engine.dialect.name)
        self._conn: sa.Connection | None = None
        self._group: GroupCommit[_Rows, None] = GroupCommit(
            name="message-writer",
            commit=self._commit,
            refusal=_refusal,
            result=lambda _: None,
            weight=lambda pending: len(pending.rows),
            max_weight=MAX_BATCH_ROWS,
            join_timeout=30,
            stopped=self._disconnect,
        )

    def append(
        self,
        channel: UUID,
        publisher: UUID,
        protocol: str,
        received_at: float,
        measurements: Sequence[Measurement],
        receipt: Receipt | None = None,
        subtopic: str | None = None,
    ) -> Future[None]:
        """Queue the rows for the next commit; the future resolves once they are committed."""
        common = (str(channel), str(publisher), protocol, subtopic, received_at)
        return self._group.submit(_Rows([common + _values(m) for m in measurements], receipt))

    def received(self, client_id: str, packet_id: int) -> str | None:
        query = sa.select(mqtt_receipts.c.digest).where(
            mqtt_receipts.c.client_id == client_id, mqtt_receipts.c.packet_id == packet_id
        )
        with self._engine.connect() as conn:
            digest: str | None = conn.execute(query).scalar()
        return digest

    def close(self) -> None:
        """Commit what is queued, then stop."""
        self._group.close()

    def _commit(self, pending: Sequence[_Rows]) -> None:
        """Runs on the writer's thread, which alone uses the connection; a connection that
        failed is discarded, and the next commit opens another."""
        try:
            self._conn = self._conn or self._connect()
            self._insert(self._conn, pending)
        except BaseException:
            _discard(self._conn)
            self._conn = None
            raise

    def _insert(self, conn: sa.Connection, pending: Sequence[_Rows]) -> None:
        rows = [row for batch in pending for row in batch.rows]
        receipts = {
            (b.receipt.client_id, b.receipt.packet_id): b.receipt.digest
            for b in pending
            if b.receipt is not None
        }
        with self._write_lock, conn.begin():
            if self._engine.dialect.name == "sqlite":
                conn.exec_driver_sql(INSERT, rows)
            else:
                copy_rows(conn, messages, COLUMNS, rows)
            bump_channels(conn, (row[CHANNEL] for row in rows))
            if receipts:
                conn.execute(self._upsert_receipt, _receipt_rows(receipts))
        for protocol, stored in Counter(row[PROTOCOL] for row in rows).items():
            TELEMETRY_RECORDS.labels(protocol).inc(stored)

    def _connect(self) -> sa.Connection:
        conn = self._engine.connect()
        if self._engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA synchronous=FULL")
            conn.commit()
        return conn

    def _disconnect(self) -> None:
        """Runs as the writer's thread ends: the connection is that thread's alone."""
        if self._conn is not None:
            self._conn.close()


def _discard(conn: sa.Connection | None) -> None:
    if conn is not None:
        conn.invalidate()
        conn.close()


REFUSED_STATES = frozenset({"22", "23", "54"})
"""SQLSTATE classes of a refusal of the rows themselves: data exception, integrity constraint
violation, program limit exceeded (an index row too large)."""


def _refusal(error: BaseException) -> Unstorable | None:
    """Unstorable when the database refused the rows rather than failing (a lost connection, a
    lock timeout): only then can committing each caller's rows alone help."""
    return _unstorable(error) if _refused(error) else None


def _refused(error: BaseException) -> bool:
    """Rows sent through the driver itself fail with the driver's errors, not the toolkit's."""
    if isinstance(error, sa.exc.DBAPIError):
        if error.connection_invalidated:
            return False
        error = error.orig or error
    if isinstance(error, sqlite3.IntegrityError | sqlite3.DataError):
        return True
    state = getattr(error, "sqlstate", None)
    return isinstance(state, str) and state[:2] in REFUSED_STATES


def _unstorable(error: BaseException) -> Unstorable:
    """Only the database's first line: its detail can quote the row, which log lines must not."""
    cause = error.orig if isinstance(error, sa.exc.DBAPIError) else error
    return Unstorable(f"the database refused the records: {str(cause).splitlines()[0]}")


def _values(m: Measurement) -> Row:
    return (
        m.name,
        m.unit,
        m.time,
        m.update_time,
        m.value,
        m.string_value,
        m.bool_value,
        m.data_value,
        m.sum,
    )


def _upsert(dialect: str) -> sa.Insert:
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    statement = insert(mqtt_receipts)
    return statement.on_conflict_do_update(
        index_elements=[mqtt_receipts.c.client_id, mqtt_receipts.c.packet_id],
        set_={"digest": statement.excluded.digest},
    )


def _receipt_rows(receipts: dict[tuple[str, int], str]) -> list[dict[str, Any]]:
    """One row per client and packet id: the latest batch's digest wins, as it would in order."""
    return [
        {"client_id": client, "packet_id": packet, "digest": digest}
        for (client, packet), digest in receipts.items()
    ]
