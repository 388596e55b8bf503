"""Follows the event log and keeps the read models in step, exactly once.

Events are applied in batches: one transaction holds a batch's rows and the new positions, so a
restart resumes exactly where the last commit stopped. One process at a time applies (it holds the
projection lock); the others follow the positions table so their commands can still wait for
their own writes. The runner wakes when this process's writer commits, when PostgreSQL notifies a
commit from another process, and otherwise polls.
"""

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

import psycopg
import sqlalchemy as sa
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.utils import get_topic, resolve_topic
from psycopg import sql

from application.ports.storage import ConsistencyTimeout, RowWriter
from infrastructure.event_store import EventLog
from infrastructure.garbage_collector import collector_paused
from infrastructure.leadership import ProjectionLock
from infrastructure.schema import metadata, projection_positions
from infrastructure.versioned_rows import CurrentRows, VersionedRows

log = logging.getLogger(__name__)

BATCH = 1000
CATCH_UP_BATCH = 10_000
"""Events a transaction while catching up or rebuilding: nobody waits on each commit then."""
IDLE_POLL_SECONDS = 1.0
UNNOTIFIED_POLL_SECONDS = 0.005
"""A leader without change notifications (SQLite) looks for other processes' events this often:
a command in another worker waits for it, and one empty read costs microseconds."""
FOLLOWER_POLL_SECONDS = 0.1
"""A follower's observers (cache drops: erasures, disables) lag the leader by at most this."""
BUSY_POLL_SECONDS = 0.002
"""How often a follower re-reads positions while one of its commands is waiting."""

PROJECTED_CHANNEL = "fleetid_projected"


class Projection(Protocol):
    name: str
    tables: tuple[str, ...]
    events: type[Any]
    """The base of the events it reads (its aggregate's `Event`); others are not passed in."""

    def process(self, event: DomainEventProtocol[Any], position: int, rows: RowWriter) -> None: ...


@dataclass(frozen=True)
class Observer:
    """A process-local reaction to some event topics, run in every process (e.g. cache drops)."""

    topics: tuple[str, ...]
    react: Callable[[DomainEventProtocol[Any]], None]


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


@dataclass(frozen=True)
class _Unread:
    """An event no projection or observer reads, standing in for it undecoded."""

    originator_id: UUID


class _Fenced(Exception):
    """Another process advanced a position first: this batch must not be committed."""


class ProjectionRunner:
    """Observers see each event after its batch commits, and `forget` each event's originator:
    process-local caches follow the log, whichever process wrote it.
    `write_lock` is held only while a batch writes: on SQLite it is shared with the event writer,
    so the two take turns in-process instead of meeting SQLite's sleeping busy handler."""

    def __init__(
        self,
        log: EventLog,
        engine: sa.Engine,
        projections: Sequence[Projection],
        *,
        lock: ProjectionLock,
        write_lock: AbstractContextManager[Any],
        timeout: float,
        listen_url: str | None = None,
        observers: Sequence[Observer] = (),
        forget: Callable[[UUID], None] = lambda _: None,
    ) -> None:
        self._log = log
        self._engine = engine
        self._projections = list(projections)
        self._lock = lock
        self._write_lock = write_lock
        self._timeout = timeout
        self._listen_url = listen_url
        self._observers = list(observers)
        self._observed_topics = frozenset(t for o in observers for t in o.topics)
        self._forget = forget
        self._ensure_positions()
        self._positions = self._load_positions()
        self._observed = self._log.recorder.max_notification_id() or 0
        self._current_rows = CurrentRows()
        self._applying = threading.RLock()
        self._readers: dict[type[Any], list[Projection]] = {}
        self._topics_wanted: dict[str, bool] = {}
        self._leading = False
        self._waiters = 0
        self._done = threading.Condition()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def position(self) -> int:
        return min(self._positions.values(), default=0)

    @property
    def leading(self) -> bool:
        return self._leading

    def observe(self, observer: Observer) -> None:
        """Add an observer before `start`: one that needs the runner itself (its leadership)."""
        self._observers.append(observer)
        self._observed_topics |= frozenset(observer.topics)

    def start(self) -> None:
        self._spawn(self._follow, "projections")
        if self._listen_url:
            self._spawn(self._listen, "projections-listen")

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self._lock.release()

    @property
    def applying(self) -> AbstractContextManager[Any]:
        """Held by this process's writer from its insert to its `committed` call, so that the
        follow loop does not read a fresh batch back from the log and apply it while the writer
        is about to apply it from memory (double work, and a wait for whoever loses)."""
        return self._applying

    def committed(self, events: Sequence[tuple[int, DomainEventProtocol[Any]]]) -> None:
        """Called by this process's writer after a commit, in the writer's thread, with the
        committed events and their positions.

        The leader applies them right there, so the writer answers its callers once they are
        visible: one wake-up per command instead of one for the commit and another for the
        projection. When nothing else came in between, the events in hand are applied without
        reading them back from the log. A follower only nudges its loop."""
        if not self._leading or not events:
            self._wake.set()
            return
        first, last = events[0][0], events[-1][0]
        try:
            with self._applying:
                if first == self.position + 1 and last - first + 1 == len(events):
                    self._apply([(p, get_topic(type(e)), e) for p, e in events])
            while self.position < last and self._leading:
                if self.run_once() == 0:
                    break
        except Exception:
            log.exception("applying after a commit failed; the projection loop will retry")
            self._wake.set()

    def wait_for(self, position: int) -> None:
        deadline = time.monotonic() + self._timeout
        with self._done:
            self._waiters += 1
            try:
                while self.position < position:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise ConsistencyTimeout(
                            f"read models are behind: at {self.position}, need {position}"
                        )
                    if not self._leading:
                        self._wake.set()
                    self._done.wait(remaining)
            finally:
                self._waiters -= 1

    def try_lead(self) -> bool:
        """Take the lock if free; a new leader starts from the committed positions."""
        was_leading = self._leading
        self._leading = self._lock.try_acquire()
        if self._leading and not was_leading:
            self._current_rows.clear()
            self._publish(self._load_positions())
        return self._leading

    async def settled(self, position: int) -> None:
        """`wait_for` for the event loop. On the leader the writer has usually applied the
        position before its caller resumes; a follower polls the positions its leader commits."""
        if self.position >= position:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeout
        with self._done:
            self._waiters += 1
        try:
            while self.position < position:
                if loop.time() > deadline:
                    raise ConsistencyTimeout(
                        f"read models are behind: at {self.position}, need {position}"
                    )
                if not self._leading:
                    self._wake.set()
                await asyncio.sleep(BUSY_POLL_SECONDS)
        finally:
            with self._done:
                self._waiters -= 1

    def catch_up(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Apply every event recorded so far (taking the lock); return how many were applied."""
        if not self.try_lead():
            raise RuntimeError("another process is applying the projections")
        total = 0
        target = self._log.recorder.max_notification_id() or 0
        while True:
            with self._applying, collector_paused():
                applied = self._apply_next(CATCH_UP_BATCH)
            total += applied
            if progress:
                progress(self.position, target)
            if applied < CATCH_UP_BATCH:
                return total

    @property
    def tables(self) -> list[str]:
        return [t for p in self._projections for t in p.tables]

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Drop the read-model tables and replay the whole log into them. Indexes the replay
        does not read by are built once at the end, not row by row (a table's own id indexes
        stay: the replay looks rows up by id). On PostgreSQL the new tables are then
        vacuumed and analysed at once: until autovacuum got round to them, the planner took
        them for empty and every index-only scan read the heap too (as-of lists ran three
        times slower, counts twice)."""
        if not self.try_lead():
            raise RuntimeError("another process is applying the projections; stop it first")
        tables = [metadata.tables[t] for t in self.tables]
        kept = {f"ix_{t.name}_{role}" for t in tables for role in ("current", "history")}
        deferred = [i for t in tables for i in t.indexes if i.name not in kept]
        with self._applying:  # the follow loop must not apply into tables being replaced
            with self._engine.begin() as conn:
                for table in reversed(tables):
                    table.drop(conn, checkfirst=True)
                for table in tables:
                    table.create(conn)
                for index in deferred:
                    conn.execute(sa.schema.DropIndex(index))
                conn.execute(
                    projection_positions.update()
                    .where(projection_positions.c.name.in_([p.name for p in self._projections]))
                    .values(position=0)
                )
            self._current_rows.clear()
            self._positions = self._load_positions()
            applied = self.catch_up(progress)
            with self._engine.begin() as conn:
                for index in deferred:
                    conn.execute(sa.schema.CreateIndex(index, if_not_exists=True))
            if self._engine.dialect.name == "postgresql":
                with self._engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(sa.text(f"VACUUM ANALYZE {', '.join(t.name for t in tables)}"))
            return applied

    def run_once(self) -> int:
        """Apply the next batch; return how many events it held."""
        with self._applying:
            return self._apply_next()

    def _apply_next(self, limit: int = BATCH) -> int:
        notifications = self._log.recorder.select_notifications(
            start=self.position, limit=limit, inclusive_of_start=False
        )
        mapper = self._log.mapper
        return self._apply(
            [
                (
                    n.id,
                    n.topic,
                    mapper.to_domain_event(n)
                    if self._wanted(n.topic)
                    else _Unread(_uuid(n.originator_id)),
                )
                for n in notifications
            ]
        )

    def _wanted(self, topic: str) -> bool:
        """Whether any projection or observer reads events of this topic: the others (the
        uniqueness indexes' events, about half the log) are not decoded at all."""
        wanted = self._topics_wanted.get(topic)
        if wanted is None:
            wanted = topic in self._observed_topics or bool(self._readers_of(resolve_topic(topic)))
            self._topics_wanted[topic] = wanted
        return wanted

    def _apply(self, batch: Sequence[tuple[int, str, "DomainEventProtocol[Any] | _Unread"]]) -> int:
        """Apply consecutive events in one transaction (the caller holds `_applying`)."""
        if not batch:
            return 0
        last = batch[-1][0]
        try:
            with self._engine.connect() as conn:
                rows = VersionedRows(conn, self._current_rows)
                for position, _, event in batch:
                    if isinstance(event, _Unread):
                        continue
                    for projection in self._readers_of(type(event)):
                        if position > self._positions[projection.name]:
                            projection.process(event, position, rows)
                with self._write_lock:
                    for projection in self._projections:
                        expected = self._positions[projection.name]
                        self._advance(conn, projection.name, expected, last)
                    rows.flush()
                    if self._listen_url:
                        conn.execute(sa.text(f"NOTIFY {PROJECTED_CHANNEL}"))
                    conn.commit()
        except _Fenced:
            log.warning("another process applied these events first; following it")
            self._leading = False
            self._lock.release()
            self._refresh()
            return 0
        except BaseException:
            self._current_rows.clear()
            raise
        self._current_rows.remember(rows.latest)
        for _, topic, event in batch:
            self._forget(event.originator_id)
            if not isinstance(event, _Unread):
                self._react(topic, event)
        self._observed = max(self._observed, last)
        self._publish(dict.fromkeys(self._positions, last))
        return len(batch)

    def _readers_of(self, event_type: type[Any]) -> list[Projection]:
        """The projections an event class goes to, worked out once per class (isinstance on
        the library's event classes is slow enough to show in bulk writes)."""
        readers = self._readers.get(event_type)
        if readers is None:
            readers = [p for p in self._projections if issubclass(event_type, p.events)]
            self._readers[event_type] = readers
        return readers

    def _follow(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            applied: int | None = 0
            try:
                if self.try_lead():
                    applied = self._apply_unclaimed()
                else:
                    self._refresh()
            except Exception:
                log.exception("projection step failed; retrying from the committed positions")
                self._stop.wait(IDLE_POLL_SECONDS)
                self._publish(self._load_positions())
                continue
            if applied is None:
                self._stop.wait(BUSY_POLL_SECONDS)
            elif applied < BATCH:
                self._wake.wait(self._poll_interval())

    def _apply_unclaimed(self) -> int | None:
        """As the leader, apply what this process's writer will not: other processes' events.

        None while the writer holds the apply lock (it applies its own batch; try again soon).
        The loop must not queue for the lock: it would win it between two of the writer's
        batches, look for work and find none, and the writer would wait for that each time."""
        if not self._applying.acquire(blocking=False):
            return None
        try:
            if (self._log.recorder.max_notification_id() or 0) <= self.position:
                return 0
            return self._apply_next()
        finally:
            self._applying.release()

    def _poll_interval(self) -> float:
        if self._leading:
            return IDLE_POLL_SECONDS if self._listen_url else UNNOTIFIED_POLL_SECONDS
        return BUSY_POLL_SECONDS if self._waiters > 0 else FOLLOWER_POLL_SECONDS

    def _refresh(self) -> None:
        """As a follower: run observers, then take the positions the leader committed (in that
        order, so a command that waited for a position also sees the observers' effects)."""
        positions = self._load_positions()
        stop = min(positions.values(), default=0)
        while self._observed < stop:
            notifications = self._log.recorder.select_notifications(
                start=self._observed, limit=BATCH, stop=stop, inclusive_of_start=False
            )
            for notification in notifications:
                self._forget(UUID(str(notification.originator_id)))
                if notification.topic in self._observed_topics:
                    event = self._log.mapper.to_domain_event(notification)
                    self._react(notification.topic, event)
            self._observed = notifications[-1].id if len(notifications) == BATCH else stop
        self._publish(positions)

    def _react(self, topic: str, event: DomainEventProtocol[Any]) -> None:
        for observer in self._observers:
            if topic in observer.topics:
                observer.react(event)

    def _publish(self, positions: dict[str, int]) -> None:
        with self._done:
            self._positions = positions
            self._done.notify_all()

    def _listen(self) -> None:
        """LISTEN for other processes' commits; reconnect on loss, polling covers the gap."""
        channels = [getattr(self._log.recorder, "channel_name", ""), PROJECTED_CHANNEL]
        assert self._listen_url is not None
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._listen_url, autocommit=True) as conn:
                    for channel in channels:
                        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=IDLE_POLL_SECONDS, stop_after=1):
                            self._wake.set()
            except psycopg.Error:
                log.warning("lost the PostgreSQL notification channel; reconnecting")
                self._stop.wait(IDLE_POLL_SECONDS)

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _ensure_positions(self) -> None:
        for projection in self._projections:
            try:
                with self._engine.begin() as conn:
                    exists = conn.execute(
                        sa.select(projection_positions.c.name).where(
                            projection_positions.c.name == projection.name
                        )
                    ).first()
                    if exists is None:
                        conn.execute(
                            projection_positions.insert().values(name=projection.name, position=0)
                        )
            except sa.exc.IntegrityError:
                continue

    def _load_positions(self) -> dict[str, int]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(projection_positions.c.name, projection_positions.c.position)
            ).all()
        return self._load_positions_from({row.name: row.position for row in rows})

    def _load_positions_from(self, saved: dict[str, int]) -> dict[str, int]:
        return {p.name: int(saved.get(p.name, 0)) for p in self._projections}

    @staticmethod
    def _advance(conn: sa.Connection, name: str, expected: int, position: int) -> None:
        """Compare-and-set, the first write of the batch: it locks the position row, so a second
        applier waits for the first and then finds the position moved: a batch applies once."""
        updated = conn.execute(
            ADVANCE, {"projection": name, "expected": expected, "advanced_to": position}
        )
        if updated.rowcount != 1:
            raise _Fenced(name)


ADVANCE = (
    projection_positions.update()
    .where(
        projection_positions.c.name == sa.bindparam("projection"),
        projection_positions.c.position == sa.bindparam("expected"),
    )
    .values(position=sa.bindparam("advanced_to"))
)
