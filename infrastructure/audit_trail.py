"""Keeps `log_entries` and the log's Merkle tree in step with the event log, and signs tree
heads periodically.

It reads the store's raw rows (never decoded events: a leaf must be the hash of what is stored)
and appends in global order, in the process that applies the projections, after them. It is
not a projection: a rebuild never recomputes it, since its leaf hashes record what the log was
when each event was first indexed, and that is what tampering is measured against.
"""

import logging
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

import psycopg
import sqlalchemy as sa
from eventsourcing.persistence import Notification

from infrastructure.copy_rows import copy_rows
from infrastructure.garbage_collector import collector_paused
from infrastructure.log_entries import LogEntry, entry_of
from infrastructure.log_tree import Edge, LogTree, append_leaves, leaf_count, right_edge
from infrastructure.raw_log import RawLog
from infrastructure.schema import log_entries

log = logging.getLogger(__name__)
BATCH = 5000
MAX_RECENT = 50_000
"""Offered events kept at most: past that (the trail far behind) they are read back instead."""
POLL_SECONDS = 0.05


class AuditTrail:
    def __init__(
        self,
        raw: RawLog,
        engine: sa.Engine,
        write_lock: AbstractContextManager[Any],
        leading: Callable[[], bool],
        tree: LogTree,
        sign_interval: float,
    ) -> None:
        """`sign_interval`: seconds between tree heads signed while the log grows."""
        self._raw = raw
        self._tree = tree
        self._sign_interval = sign_interval
        self._signed_at = 0.0
        self._engine = engine
        self._write_lock = write_lock
        self._leading = leading
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._indexed = 0
        """Where this process last saw the index end: an idle poll is one query, not two."""
        self._lock = threading.Lock()
        self._recent: dict[int, Notification] = {}
        """What `offer` was given and the trail has not indexed yet, by position."""
        self._edge: tuple[int, Edge] | None = None
        """The tree's size and right edge after this process's last append: an append is then
        two inserts and no reads. Another process's append makes the next insert collide, which
        drops it."""

    def indexed_to(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.max(log_entries.c.position))).scalar() or 0)

    def position_at(self, moment: datetime) -> int:
        """The last position recorded at or before `moment` (0: before the first event)."""
        query = sa.select(sa.func.max(log_entries.c.position)).where(
            log_entries.c.recorded_at <= moment
        )
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)

    def catch_up(self) -> int:
        """Index every event stored so far; how many were new. A batch another process
        indexed first (a leader that just took over, or the CLI) is skipped."""
        total = 0
        position = self.indexed_to()
        while True:
            notifications = self._read(position)
            if not notifications:
                self._indexed = position
                return total
            trusted_edge = self._edge is not None
            try:
                with collector_paused():
                    entries = [entry_of(n) for n in notifications]
                    self._append(entries)
            except (sa.exc.IntegrityError, psycopg.IntegrityError):
                if trusted_edge:
                    continue  # another process appended leaves: again with the stored edge
                advanced = self.indexed_to()
                if advanced <= position:
                    raise
                position = advanced
                continue
            total += len(entries)
            position = self._indexed = entries[-1].position

    def offer(self, notifications: Sequence[Notification]) -> None:
        """Events this process's writer just committed, as stored: the trail takes their rows
        from here instead of reading them back. It still asks the store which positions exist,
        so an event another process stored is read as before."""
        if not self._leading():
            return
        with self._lock:
            if len(self._recent) + len(notifications) <= MAX_RECENT:
                self._recent.update((n.id, n) for n in notifications)

    def _read(self, position: int) -> list[Notification]:
        positions = self._raw.positions_after(position, BATCH)
        with self._lock:
            for old in [p for p in self._recent if p <= position]:
                del self._recent[old]
            offered = {p: n for p in positions if (n := self._recent.pop(p, None)) is not None}
        missing = [p for p in positions if p not in offered]
        if not missing:
            return [offered[p] for p in positions]
        read = {n.id: n for n in self._raw.at(missing)}
        return [found for p in positions if (found := offered.get(p) or read.get(p))]

    def _append(self, entries: list[LogEntry]) -> None:
        """The lines are made before the write lock is taken: the event writer shares it."""
        edge, self._edge = self._edge, None
        with self._write_lock, self._engine.begin() as conn:
            if edge is None:
                size = leaf_count(conn)
                edge = (size, right_edge(conn, size))
            first = edge[0]
            rows = [_row(e, first + i) for i, e in enumerate(entries)]
            if conn.dialect.name == "postgresql":
                copy_rows(conn, log_entries, ENTRY_COLUMNS, (tuple(r.values()) for r in rows))
            else:
                conn.execute(log_entries.insert(), rows)
            after = append_leaves(conn, first, [e.leaf_hash for e in entries], edge[1])
        self._edge = (first + len(entries), after)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._follow, name="audit-trail", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _follow(self) -> None:
        while not self._stop.is_set():
            try:
                if self._leading() and self._raw.last_position() > self._indexed:
                    self.catch_up()
                if self._leading() and time.monotonic() - self._signed_at >= self._sign_interval:
                    self._tree.sign()
                    self._signed_at = time.monotonic()
            except Exception:
                log.exception("indexing the event log failed; retrying")
            self._stop.wait(POLL_SECONDS)


ENTRY_COLUMNS = (
    "position",
    "leaf",
    "aggregate_id",
    "aggregate_type",
    "version",
    "event_type",
    "recorded_at",
    "actor",
    "actor_kind",
    "interface",
)


def _row(entry: LogEntry, leaf: int) -> dict[str, Any]:
    """The values of ENTRY_COLUMNS, in that order."""
    return {
        "position": entry.position,
        "leaf": leaf,
        "aggregate_id": entry.aggregate_id,
        "aggregate_type": entry.aggregate_type[:64],
        "version": entry.version,
        "event_type": entry.event_type[:64],
        "recorded_at": _time(entry.recorded_at),
        "actor": entry.actor[:64] if entry.actor else None,
        "actor_kind": entry.actor_kind[:16] if entry.actor_kind else None,
        "interface": entry.interface[:8] if entry.interface else None,
    }


def _time(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except (ValueError, OverflowError):
        return None
