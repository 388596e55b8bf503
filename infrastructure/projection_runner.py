"""Follows the event log and keeps the read models in step, exactly once.

Events are applied in batches: one transaction holds a batch's rows and the new positions, so a
restart resumes exactly where the last commit stopped. The runner wakes when this process's writer
commits, when PostgreSQL notifies a commit from another process, and otherwise polls.
"""

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import psycopg
import sqlalchemy as sa
from eventsourcing.domain import DomainEventProtocol
from psycopg import sql

from application.ports import ConsistencyTimeout, RowWriter
from infrastructure.event_store import EventLog
from infrastructure.schema import metadata, projection_positions
from infrastructure.versioned_rows import VersionedRows

log = logging.getLogger(__name__)

BATCH = 1000
POLL_SECONDS = 1.0


class Projection(Protocol):
    name: str
    tables: tuple[str, ...]

    def process(self, event: DomainEventProtocol[Any], position: int, rows: RowWriter) -> None: ...


class ProjectionRunner:
    """`observers` see each event after its batch commits: process-local caches follow the log."""

    def __init__(
        self,
        log: EventLog,
        engine: sa.Engine,
        projections: Sequence[Projection],
        timeout: float,
        listen_url: str | None = None,
        observers: Sequence[Callable[[DomainEventProtocol[Any]], None]] = (),
    ) -> None:
        self._log = log
        self._engine = engine
        self._projections = list(projections)
        self._timeout = timeout
        self._listen_url = listen_url
        self._observers = list(observers)
        self._positions = self._load_positions()
        self._done = threading.Condition()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def position(self) -> int:
        return min(self._positions.values(), default=0)

    def start(self) -> None:
        self._spawn(self._follow, "projections")
        if self._listen_url:
            self._spawn(self._listen, "projections-listen")

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=10)

    def wake(self, _position: int = 0) -> None:
        self._wake.set()

    def wait_for(self, position: int) -> None:
        deadline = time.monotonic() + self._timeout
        with self._done:
            while self.position < position:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ConsistencyTimeout(
                        f"read models are behind: at {self.position}, need {position}"
                    )
                self._wake.set()
                self._done.wait(remaining)

    def catch_up(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Apply every event recorded so far; return how many were applied."""
        total = 0
        target = self._log.recorder.max_notification_id() or 0
        while True:
            applied = self.run_once()
            total += applied
            if progress:
                progress(self.position, target)
            if applied < BATCH:
                return total

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Drop the read-model tables and replay the whole log into them."""
        tables = [metadata.tables[t] for p in self._projections for t in p.tables]
        with self._engine.begin() as conn:
            for table in reversed(tables):
                table.drop(conn, checkfirst=True)
            for table in tables:
                table.create(conn)
            conn.execute(
                projection_positions.delete().where(
                    projection_positions.c.name.in_([p.name for p in self._projections])
                )
            )
        self._positions = self._load_positions()
        return self.catch_up(progress)

    def run_once(self) -> int:
        start = self.position
        notifications = self._log.recorder.select_notifications(
            start=start, limit=BATCH, inclusive_of_start=False
        )
        if not notifications:
            return 0
        mapper = self._log.mapper
        events = []
        with self._engine.begin() as conn:
            rows = VersionedRows(conn)
            for notification in notifications:
                event = mapper.to_domain_event(notification)
                events.append(event)
                for projection in self._projections:
                    if notification.id > self._positions[projection.name]:
                        projection.process(event, notification.id, rows)
            last = notifications[-1].id
            for projection in self._projections:
                self._save_position(conn, projection.name, last)
        with self._done:
            for projection in self._projections:
                self._positions[projection.name] = last
            self._done.notify_all()
        for event in events:
            for observe in self._observers:
                observe(event)
        return len(notifications)

    def _follow(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                applied = self.run_once()
            except Exception:
                log.exception("projection batch failed; retrying")
                self._stop.wait(POLL_SECONDS)
                continue
            if applied < BATCH:
                self._wake.wait(POLL_SECONDS)

    def _listen(self) -> None:
        """LISTEN for commits of other processes; reconnect on loss, polling covers the gap."""
        channel = getattr(self._log.recorder, "channel_name", "")
        assert self._listen_url is not None
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._listen_url, autocommit=True) as conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=POLL_SECONDS, stop_after=1):
                            self._wake.set()
            except psycopg.Error:
                log.warning("lost the PostgreSQL notification channel; reconnecting")
                self._stop.wait(POLL_SECONDS)

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _load_positions(self) -> dict[str, int]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(projection_positions.c.name, projection_positions.c.position)
            ).all()
        saved: dict[str, int] = {row.name: row.position for row in rows}
        return {p.name: int(saved.get(p.name, 0)) for p in self._projections}

    @staticmethod
    def _save_position(conn: sa.Connection, name: str, position: int) -> None:
        updated = conn.execute(
            projection_positions.update()
            .where(projection_positions.c.name == name)
            .values(position=position)
        )
        if updated.rowcount == 0:
            conn.execute(projection_positions.insert().values(name=name, position=position))
