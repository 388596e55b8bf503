"""The failure counts behind the limits on guessing, in the read models' database so that every
worker and process sees the same counts. Each change is one statement: concurrent failures
never lose a count.

Every secret check reads its client's count, and on PostgreSQL that read cost more than the
access check itself (76 us of CPU, 133 us wall; the access bench lost a quarter of its rate). So
a process keeps what it read for `SEEN_FOR` seconds: a wait that another process imposes is
seen here at most that late, while the failures of this process are seen at once.
"""

import time
from contextlib import AbstractContextManager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from application.ports.security import FailureCount
from application.read_time import at_present
from infrastructure.prepared import PreparedSelect
from infrastructure.read_connections import ReadConnections
from infrastructure.schema import failed_attempts

COUNT = sa.select(failed_attempts.c.failures, failed_attempts.c.last_failure).where(
    failed_attempts.c.key == sa.bindparam("key")
)

FORGET = sa.delete(failed_attempts).where(
    failed_attempts.c.last_failure < sa.bindparam("forget_before")
)
SEEN_FOR = 1.0
"""Seconds a process answers from the count it read last."""
SEEN_AT_MOST = 10_000
"""Keys remembered at once: a flood of new client addresses must not grow memory."""


class SqlFailureLog:
    def __init__(self, reads: ReadConnections, write_lock: AbstractContextManager[Any]) -> None:
        self._engine = reads.engine
        self._write_lock = write_lock
        self._count = PreparedSelect(reads, COUNT)
        self._record = _upsert(reads.dialect.name)
        self._seen: dict[str, tuple[float, FailureCount | None]] = {}

    def count(self, key: str) -> FailureCount | None:
        now = time.monotonic()
        seen = self._seen.get(key)
        if seen is not None and seen[0] > now:
            return seen[1]
        with at_present():
            row = self._count.one({"key": key})
        count = None if row is None else FailureCount(row["failures"], row["last_failure"])
        if len(self._seen) >= SEEN_AT_MOST:
            self._seen.clear()
        self._seen[key] = (now + SEEN_FOR, count)
        return count

    def record(self, key: str, now: float, forget_before: float) -> None:
        """Counts forgotten are deleted on the way, so that keys a guesser made up do not
        pile up."""
        params = {"key": key, "failures": 1, "last_failure": now, "forget_before": forget_before}
        with self._write_lock, self._engine.begin() as conn:
            forgotten = conn.execute(FORGET, params).rowcount
            conn.execute(self._record, params)
        if forgotten:
            self._seen.clear()
        self._seen.pop(key, None)

    def clear(self, key: str) -> None:
        with self._write_lock, self._engine.begin() as conn:
            conn.execute(sa.delete(failed_attempts).where(failed_attempts.c.key == key))
        self._seen.pop(key, None)


def _upsert(dialect: str) -> sa.Insert:
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    statement = insert(failed_attempts)
    stale = failed_attempts.c.last_failure < sa.bindparam("forget_before")
    return statement.on_conflict_do_update(
        index_elements=[failed_attempts.c.key],
        set_={
            "failures": sa.case((stale, 1), else_=failed_attempts.c.failures + 1),
            "last_failure": statement.excluded.last_failure,
        },
    )
