"""The one event log of FleetID: the eventsourcing library's recorders behind a group-commit writer.

The library commits once per save under a table lock. The writer instead takes every save that is
pending when it wakes, inserts them in one transaction, and answers each caller with the log
position of its last event. If the combined insert fails on the events themselves (a version
conflict, a value the database refuses), it falls back to one transaction per save, so that only
the save at fault fails.
"""

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    Mapper,
    Notification,
    OperationalError,
    StoredEvent,
)

from application.ports.storage import StaleWrite
from infrastructure.batching import NOTHING_HELD, GroupCommit, Outcome
from infrastructure.event_mapper import EventMapper, Sealer

MAX_BATCH_EVENTS = 2000
CACHE_SIZE = 50_000


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
        "APPLICATION_RECORDER_TOPIC": "infrastructure.postgres_recorder:FlatArrayRecorder",
    }


class AggregateCache:
    """The latest committed version of recently used aggregates, handed out as private copies.

    Copies are shallow: aggregates replace their attributes in event bodies and never mutate
    them in place (see FleetAggregate). Entries take the events the projection runner sees
    another process commit for them (`followed`); until then a save on stale state fails its
    version check, the writer evicts the entry, and the command reruns on state loaded from
    the log.
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
        if not getattr(aggregate, "cacheable", True):
            return
        kept = _private_copy(aggregate)
        with self._lock:
            current = self._items.get(aggregate.id)
            if current is not None and current.version > kept.version:
                return
            self._items[aggregate.id] = kept
            self._items.move_to_end(aggregate.id)
            if len(self._items) > self._maxsize:
                self._items.popitem(last=False)

    def behind(self, aggregate_id: UUID, version: int) -> bool:
        """Whether a cached copy lacks the event of `version`: only then is the event worth
        decoding for `followed` (a process's own saves are cached holding theirs)."""
        current = self._items.get(aggregate_id)
        return current is not None and current.version < version

    def followed(self, event: DomainEventProtocol[UUID]) -> None:
        """An event another process committed: a copy one version behind takes it (as a load
        from the log would), an older one is evicted, a newer or equal one is kept."""
        with self._lock:
            current = self._items.get(event.originator_id)
        if current is None or current.version >= event.originator_version:
            return
        if current.version != event.originator_version - 1:
            self.evict(event.originator_id)
            return
        advanced = _private_copy(current)
        try:
            event.mutate(advanced)  # type: ignore[attr-defined]
        except Exception:  # an event the copy cannot take: load it afresh instead
            self.evict(event.originator_id)
            return
        self.put(advanced)

    def outdated(self, aggregate_id: UUID, version: int) -> None:
        """An event of `version` was committed: a copy older than that is evicted, one that
        already holds it (this process's own save) is kept."""
        with self._lock:
            current = self._items.get(aggregate_id)
            if current is not None and current.version < version:
                del self._items[aggregate_id]

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
            aggregate: Aggregate = self.repository.get(aggregate_id, projector_func=_fold)
        except AggregateNotFoundError:
            return None
        self.cache.put(aggregate)
        return aggregate


def _fold(aggregate: Any, events: Iterable[Any]) -> Any:
    """The library's fold without its per-event `isinstance` on a runtime Protocol, which cost a
    fifth of a reload's time; every event in this log is an aggregate event that mutates."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


@dataclass
class _Intent:
    aggregates: tuple[Aggregate, ...]
    domain_events: Sequence[DomainEventProtocol[UUID]]
    events: list[StoredEvent]
    ids: Sequence[int] = ()

    @property
    def position(self) -> int:
        return self.ids[-1] if self.ids else 0


class GroupCommitWriter:
    """Saves of aggregates, committed together by a `GroupCommit`: concurrent commands share
    one transaction, and `on_commit` hears of their events before their callers do."""

    def __init__(
        self,
        log: EventLog,
        on_commit: Callable[[list[tuple[int, DomainEventProtocol[UUID]]]], None],
        write_lock: AbstractContextManager[Any],
        committing: AbstractContextManager[Any] = NOTHING_HELD,
        on_stored: Callable[[Sequence[Notification]], None] | None = None,
    ) -> None:
        """`write_lock` is held around each insert; `committing` (re-entrant) around each insert
        and its `on_commit`. `on_stored` hears of the events as stored rows as soon as they are
        committed (the audit trail, which then need not read them back); it runs before the
        callers are answered, so it only hands them over."""
        self._log = log
        self._write_lock = write_lock
        self._on_commit = on_commit
        self._on_stored = on_stored
        self._group: GroupCommit[_Intent, int] = GroupCommit(
            name="event-writer",
            commit=self._insert,
            refusal=_refusal,
            result=lambda intent: intent.position,
            weight=lambda intent: len(intent.events),
            max_weight=MAX_BATCH_EVENTS,
            join_timeout=10,
            settled=self._settled,
            holding=committing,
        )

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
        return self._group.submit(_Intent(aggregates, events, stored))

    def submit_stored(self, stored: list[StoredEvent]) -> Future[int]:
        """`submit` for events another process mapped (the writer process's callers): they are
        decoded here because the projections apply them from memory after the commit."""
        events = [self._log.mapper.to_domain_event(e) for e in stored]
        return self._group.submit(_Intent((), events, stored))

    def close(self) -> None:
        self._group.close()

    def _settled(self, batch: Sequence[_Intent], outcomes: Sequence[Outcome]) -> None:
        """Callers are answered only after `on_commit`, which may make their events visible, and
        the cache learns the outcome before they are, so that their next load is current."""
        committed = [
            (position, event)
            for intent, outcome in zip(batch, outcomes, strict=True)
            if outcome is None
            for position, event in zip(intent.ids, intent.domain_events, strict=True)
        ]
        self._on_commit(committed)
        cache = self._log.cache
        for intent, outcome in zip(batch, outcomes, strict=True):
            for aggregate in intent.aggregates:
                if outcome is None:
                    cache.put(aggregate)
                else:
                    cache.evict(aggregate.id)

    def _insert(self, batch: Sequence[_Intent]) -> None:
        events = [e for i in batch for e in i.events]
        with self._write_lock:
            ids = self._log.recorder.insert_events(events)
        if not ids:
            raise RuntimeError("the recorder returned no notification ids")
        if self._on_stored is not None:
            self._on_stored(
                [
                    Notification(
                        id=position,
                        originator_id=e.originator_id,
                        originator_version=e.originator_version,
                        topic=e.topic,
                        state=e.state,
                    )
                    for position, e in zip(ids, events, strict=True)
                ]
            )
        start = 0
        for intent in batch:
            intent.ids = ids[start : start + len(intent.events)]
            start += len(intent.events)


def _refusal(error: BaseException) -> BaseException | None:
    """What the caller at fault receives when the database refused some of the events
    themselves (a version conflict, a value out of range), so that inserting each caller's alone
    isolates the culprit; None for a lost connection or a lock timeout (OperationalError,
    InterfaceError), which would fail each insert as well. A version conflict reaches its
    caller as StaleWrite: another command changed the aggregate first."""
    if not isinstance(error, Exception) or isinstance(error, OperationalError | InterfaceError):
        return None
    if isinstance(error, IntegrityError):
        return StaleWrite(str(error))
    return error
