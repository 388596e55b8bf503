"""Follows the event log and keeps the read models in step, exactly once.

Events are applied in batches: one transaction holds a batch's rows and the new positions, so a
restart resumes exactly where the last commit stopped. One process at a time applies (it holds the
projection lock); the others follow the positions table so their commands can still wait for
their own writes. The runner wakes when this process's writer commits, when PostgreSQL notifies a
commit from another process, and otherwise polls.

The runner coordinates its parts: `leader_election`, `projection_positions`, `batch_applier`,
`projection_observers`, `read_model_waiters`, `change_listener` and `projection_rebuild`.
"""

import logging
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

import sqlalchemy as sa
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.utils import get_topic

from infrastructure.batch_applier import BATCH, CATCH_UP_BATCH, BatchApplier, Entry, Projection
from infrastructure.change_listener import PROJECTED_CHANNEL, ChangeListener
from infrastructure.event_store import EventLog
from infrastructure.garbage_collector import collector_paused
from infrastructure.leader_election import LeaderElection
from infrastructure.leadership import ProjectionLock
from infrastructure.projection_observers import Observer, ProjectionObservers
from infrastructure.projection_positions import Fenced, ProjectionPositions
from infrastructure.projection_rebuild import rebuild_tables
from infrastructure.read_model_waiters import BUSY_POLL_SECONDS, ReadModelWaiters
from infrastructure.schema import metadata
from infrastructure.vacuum_keeper import VacuumKeeper

__all__ = ["Observer", "Projection", "ProjectionRunner"]

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 1.0
UNNOTIFIED_POLL_SECONDS = 0.005
"""A leader without change notifications (SQLite) looks for other processes' events this often:
a command in another worker waits for it, and one empty read costs microseconds."""
FOLLOWER_POLL_SECONDS = 0.1
"""A follower's observers (cache drops: erasures, disables) lag the leader by at most this."""


class ProjectionRunner:
    """Observers see each event after its batch commits, and the log's aggregate cache takes
    it: process-local caches follow the log, whichever process wrote it.
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
        vacuum: VacuumKeeper | None = None,
    ) -> None:
        self._log = log
        self._vacuum = vacuum
        self._engine = engine
        self._projections = list(projections)
        self._listen_url = listen_url
        self._leader = LeaderElection(lock, self._elected)
        self._positions = ProjectionPositions(engine, [p.name for p in self._projections])
        self._positions.ensure()
        self._waiters = ReadModelWaiters(self._positions.load(), timeout=timeout, nudge=self._nudge)
        self._observers = ProjectionObservers(log, observers)
        self._batches = BatchApplier(
            log,
            engine,
            self._projections,
            self._positions,
            self._waiters,
            write_lock=write_lock,
            notify=bool(listen_url),
            observed=self._observers.watches,
            closed=vacuum.closed if vacuum else lambda _: None,
        )
        self._applying = threading.RLock()
        self._wake = threading.Event()
        """Set when events may await applying: this process's commits, another's (notified)."""
        self._nudged = threading.Event()
        """Set when a command waits for positions a follower has not read yet. A follower is
        not woken by each notified commit: it reads the positions when one of its commands
        waits, and otherwise every FOLLOWER_POLL_SECONDS, so N followers do not each pay a
        read of positions and events per batch the leader commits."""
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def position(self) -> int:
        return self._waiters.position

    @property
    def leading(self) -> bool:
        return self._leader.leading

    def observe(self, observer: Observer) -> None:
        """Add an observer before `start`: one that needs the runner itself (its leadership)."""
        self._observers.add(observer)

    def start(self) -> None:
        if self._vacuum is not None:
            self._vacuum.start()
        self._spawn(self._follow, "projections")
        if self._listen_url:
            channels = [getattr(self._log.recorder, "channel_name", ""), PROJECTED_CHANNEL]
            listener = ChangeListener(
                self._listen_url,
                channels,
                wake=self._wake,
                stop=self._stop,
                interval=IDLE_POLL_SECONDS,
            )
            self._spawn(listener.run, "projections-listen")

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._nudged.set()
        for thread in self._threads:
            thread.join(timeout=10)
        if self._vacuum is not None:
            self._vacuum.stop()
        self._leader.release()

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
        if not self.leading or not events:
            self._wake.set()
            self._nudged.set()
            return
        first, last = events[0][0], events[-1][0]
        try:
            with self._applying:
                if first == self.position + 1 and last - first + 1 == len(events):
                    self._apply([(p, get_topic(type(e)), e) for p, e in events])
            while self.position < last and self.leading:
                if self.run_once() == 0:
                    break
        except Exception:
            log.exception("applying after a commit failed; the projection loop will retry")
            self._wake.set()

    def adopt(self, events: Sequence[DomainEventProtocol[Any]], applied: int) -> None:
        """Called by this process's remote writer once the writer process committed `events`
        and applied the projections up to `applied`: the observers react to them first, so
        that a command that waited for its position also sees their effects."""
        self._observers.react(events)
        self._waiters.advance(applied)

    def wait_for(self, position: int) -> None:
        self._waiters.wait_for(position)

    def try_lead(self) -> bool:
        """Take the lock if free; a new leader starts from the committed positions."""
        return self._leader.try_lead()

    async def settled(self, position: int) -> None:
        """`wait_for` for the event loop."""
        await self._waiters.settled(position)

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
        """Drop the read-model tables and replay the whole log into them (`rebuild_tables`)."""
        if not self.try_lead():
            raise RuntimeError("another process is applying the projections; stop it first")
        tables = [metadata.tables[t] for t in self.tables]
        with self._applying:  # the follow loop must not apply into tables being replaced
            return rebuild_tables(
                self._engine, tables, self._positions, lambda: self._replay(progress)
            )

    def run_once(self) -> int:
        """Apply the next batch; return how many events it held."""
        with self._applying:
            return self._apply_next()

    def _replay(self, progress: Callable[[int, int], None] | None) -> int:
        """Catch up from the reset positions, remembering no row of the dropped tables."""
        self._batches.clear()
        self._waiters.positions = self._positions.load()
        return self.catch_up(progress)

    def _apply_next(self, limit: int = BATCH) -> int:
        return self._apply(self._batches.after(self.position, limit))

    def _apply(self, batch: Sequence[Entry]) -> int:
        """Apply consecutive events in one transaction (the caller holds `_applying`)."""
        if not batch:
            return 0
        try:
            self._batches.apply(batch)
        except Fenced:
            log.warning("another process applied these events first; following it")
            self._leader.step_down()
            self._refresh()
            return 0
        self._observers.saw(batch)
        self._waiters.publish(dict.fromkeys(self._waiters.positions, batch[-1][0]))
        return len(batch)

    def _elected(self) -> None:
        """A new leader starts from the committed positions, remembering no rows."""
        self._batches.clear()
        self._waiters.publish(self._positions.load())

    def _nudge(self) -> None:
        """A command waits: a follower's loop re-reads the positions now."""
        if not self.leading:
            self._nudged.set()

    def _follow(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            self._nudged.clear()
            applied: int | None = 0
            try:
                if self.try_lead():
                    applied = self._apply_unclaimed()
                else:
                    self._refresh()
            except Exception:
                log.exception("projection step failed; retrying from the committed positions")
                self._stop.wait(IDLE_POLL_SECONDS)
                self._waiters.publish(self._positions.load())
                continue
            if applied is None:
                self._stop.wait(BUSY_POLL_SECONDS)
            elif self.leading:
                if applied < BATCH:
                    self._wake.wait(
                        IDLE_POLL_SECONDS if self._listen_url else UNNOTIFIED_POLL_SECONDS
                    )
            else:
                self._nudged.wait(
                    BUSY_POLL_SECONDS if self._waiters.waiting else FOLLOWER_POLL_SECONDS
                )

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

    def _refresh(self) -> None:
        """As a follower: run observers, then take the positions the leader committed (in that
        order, so a command that waited for a position also sees the observers' effects)."""
        positions = self._positions.load()
        self._observers.follow(min(positions.values(), default=0))
        self._waiters.publish(positions)

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)
