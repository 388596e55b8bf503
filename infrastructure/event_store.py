"""The one event log of FleetID: the eventsourcing library's recorders behind a group-commit writer.

The library commits once per save under a table lock. The writer instead takes every save that is
pending when it wakes, inserts them in one transaction, and answers each caller with the log
position of its last event. If the combined insert fails on the events themselves (a version
conflict, a value the database refuses), it falls back to one transaction per save, so that only
the save at fault fails.
"""

import contextlib
import copy
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    Mapper,
    OperationalError,
    StoredEvent,
)

from application.ports.storage import StaleWrite
from infrastructure.event_mapper import EventMapper, Sealer

MAX_BATCH_EVENTS = 2000
CACHE_SIZE = 50_000
NOTHING_HELD = contextlib.nullcontext()


def persistence_env(database_url: str) -> dict[str, str]:
    """Translate FLEETID_DATABASE_URL into the library's persistence settings."""
    parts = urlsplit(database_url)
    if parts.scheme == "sqlite":
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": unquote(parts.path[1:] if parts.path.startswith("/") else parts.path),
            "SQLITE_LOCK_TIMEOUT": "30",
        }
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": unquote(parts.path.lstrip("/")) or "fleetid",
        "POSTGRES_HOST": parts.hostname or "localhost",
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_POOL_SIZE": "8",
        "POSTGRES_MAX_OVERFLOW": "8",
        "POSTGRES_LOCK_TIMEOUT": "10",
    }


class AggregateCache:
    """The latest committed version of recently used aggregates, handed out as private copies.

    Copies are shallow: aggregates replace their attributes in event bodies and never mutate
    them in place (see FleetAggregate). Entries are evicted when the projection runner sees
    another process's events for them; until then a save on stale state fails its version
    check, the writer evicts the entry, and the command reruns on state loaded from the log.
    """

    def __init__(self, maxsize: int = CACHE_SIZE) -> None:
        self._items: OrderedDict[UUID, Aggregate] = OrderedDict()
        self._maxsize = maxsize
        self._lock = threading.Lock()

    def get(self, aggregate_id: UUID) -> Aggregate | None:
        with self._lock:
            found = self._items.get(aggregate_id)
            if found is None:
                return None
            self._items.move_to_end(aggregate_id)
        return _private_copy(found)

    def put(self, aggregate: Aggregate) -> None:
        kept = _private_copy(aggregate)
        with self._lock:
            current = self._items.get(aggregate.id)
            if current is not None and current.version > kept.version:
                return
            self._items[aggregate.id] = kept
            self._items.move_to_end(aggregate.id)
            if len(self._items) > self._maxsize:
                self._items.popitem(last=False)

    def evict(self, aggregate_id: UUID) -> None:
        with self._lock:
            self._items.pop(aggregate_id, None)


def _private_copy(aggregate: Aggregate) -> Aggregate:
    duplicate = copy.copy(aggregate)
    duplicate.__dict__["_pending_events"] = []
    return duplicate


class EventLog(Application[UUID]):
    """Event store, mapper and repository, configured from settings rather than os.environ."""

    name = "FleetID"

    def __init__(self, env: Mapping[str, str], sealer: Sealer) -> None:
        self._sealer = sealer
        self.cache = AggregateCache()
        super().__init__(env={"CREATE_TABLE": "y", **env})

    def construct_env(self, name: str, env: Any = None) -> Any:
        """Only the settings given: stray POSTGRES_* variables of the host must not leak in."""
        from eventsourcing.utils import Environment

        return Environment(name, dict(env or {}))

    def construct_mapper(self) -> Mapper[UUID]:
        return EventMapper(self._sealer)

    def get(self, aggregate_id: UUID) -> Aggregate | None:
        cached = self.cache.get(aggregate_id)
        if cached is not None:
            return cached
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        self.cache.put(aggregate)
        return aggregate


@dataclass
class _Intent:
    aggregates: tuple[Aggregate, ...]
    domain_events: Sequence[DomainEventProtocol[UUID]]
    events: list[StoredEvent]
    future: Future[int] = field(default_factory=Future)
    ids: Sequence[int] = ()
    error: BaseException | None = None

    @property
    def position(self) -> int:
        return self.ids[-1] if self.ids else 0


class GroupCommitWriter:
    def __init__(
        self,
        log: EventLog,
        on_commit: Callable[[list[tuple[int, DomainEventProtocol[UUID]]]], None],
        write_lock: AbstractContextManager[Any],
        committing: AbstractContextManager[Any] = NOTHING_HELD,
    ) -> None:
        """`write_lock` is held around each insert; `committing` (re-entrant) around each insert
        and its `on_commit`."""
        self._log = log
        self._write_lock = write_lock
        self._committing = committing
        self._on_commit = on_commit
        self._queue: queue.SimpleQueue[_Intent | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="event-writer", daemon=True)
        self._thread.start()

    def submit(self, *aggregates: Aggregate) -> Future[int]:
        """Queue the aggregates' pending events for one atomic commit.

        The future resolves to the log position of the last event (0 when there was nothing to
        save), or fails with StaleWrite when another command changed an aggregate first. Waiting
        on it costs no thread: an async caller awaits it, a blocking caller calls `result()`."""
        events = [e for a in aggregates for e in a.collect_events()]
        if not events:
            done: Future[int] = Future()
            done.set_result(0)
            return done
        stored = [self._log.mapper.to_stored_event(e) for e in events]
        intent = _Intent(aggregates, events, stored)
        self._queue.put(intent)
        return intent.future

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch, size, stop = [first], len(first.events), False
            while size < MAX_BATCH_EVENTS:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
                size += len(nxt.events)
            with self._committing:
                self._commit(batch)
            if stop:
                return

    def _commit(self, batch: list[_Intent]) -> None:
        """Callers are answered only after `on_commit`, which may make their events visible."""
        try:
            self._insert(batch)
        except BaseException as error:
            if len(batch) > 1 and _about_the_events(error):
                self._insert_each(batch)
            else:
                for intent in batch:
                    intent.error = error
        committed = [
            (position, event)
            for intent in batch
            if intent.error is None
            for position, event in zip(intent.ids, intent.domain_events, strict=True)
        ]
        self._on_commit(committed)
        for intent in batch:
            self._answer(intent)

    def _insert_each(self, batch: list[_Intent]) -> None:
        """One transaction per intent; a failure that is not about its events (the database is
        gone) fails the rest without trying them."""
        for index, intent in enumerate(batch):
            try:
                self._insert([intent])
            except BaseException as error:
                intent.error = error
                if not _about_the_events(error):
                    for rest in batch[index + 1 :]:
                        rest.error = error
                    return

    def _answer(self, intent: _Intent) -> None:
        """The cache learns the outcome before the caller does, so its next load is current."""
        cache = self._log.cache
        if intent.error is None:
            for aggregate in intent.aggregates:
                cache.put(aggregate)
            intent.future.set_result(intent.position)
            return
        for aggregate in intent.aggregates:
            cache.evict(aggregate.id)
        if isinstance(intent.error, IntegrityError):
            intent.future.set_exception(StaleWrite(str(intent.error)))
        else:
            intent.future.set_exception(intent.error)

    def _insert(self, batch: list[_Intent]) -> None:
        events = [e for i in batch for e in i.events]
        with self._write_lock:
            ids = self._log.recorder.insert_events(events)
        if not ids:
            raise RuntimeError("the recorder returned no notification ids")
        start = 0
        for intent in batch:
            intent.ids = ids[start : start + len(intent.events)]
            start += len(intent.events)


def _about_the_events(error: BaseException) -> bool:
    """Whether the database refused some of the events themselves (a version conflict, a value
    out of range), so that inserting each caller's alone isolates the culprit; a lost connection
    or a lock timeout (OperationalError, InterfaceError) would fail each insert as well."""
    return isinstance(error, Exception) and not isinstance(error, OperationalError | InterfaceError)
