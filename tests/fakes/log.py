"""The event log in memory: versions checked on save, the real projections applied at once."""

import copy
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from uuid import UUID

from eventsourcing.domain import Aggregate, DomainEventProtocol

from application.ports.storage import StaleWrite
from infrastructure.projection_runner import Projection
from tests.fakes.tables import MemoryTables


class MemoryLog:
    """EventWriter, AggregateReader and ReadModelSync in one object.

    A save is refused, whole, when an aggregate's first new event does not follow the version
    last saved (the database's unique constraint on the real log); otherwise its events get the
    next positions and every projection reading them writes `tables` before `submit` returns,
    so the read models have always settled."""

    def __init__(self, projections: Sequence[Projection]) -> None:
        self.tables = MemoryTables()
        self.events: list[tuple[int, DomainEventProtocol[UUID]]] = []
        self._projections = projections
        self._aggregates: dict[UUID, Aggregate] = {}
        self._lock = threading.Lock()

    @property
    def position(self) -> int:
        return len(self.events)

    def get(self, aggregate_id: UUID) -> Aggregate | None:
        with self._lock:
            found = self._aggregates.get(aggregate_id)
        return _private_copy(found) if found is not None else None

    def submit(self, *aggregates: Aggregate) -> Future[int]:
        done: Future[int] = Future()
        with self._lock:
            saves = [(a, a.collect_events()) for a in aggregates]
            stale = [a.id for a, events in saves if events and not self._follows(events[0])]
            if stale:
                done.set_exception(StaleWrite(f"{stale[0]} changed first"))
                return done
            for aggregate, events in saves:
                for event in events:
                    self._append(event)
                if events:
                    self._aggregates[aggregate.id] = _private_copy(aggregate)
            done.set_result(self.position if any(events for _, events in saves) else 0)
        return done

    async def settled(self, position: int) -> None:
        """Projections ran inside `submit`: every position it returned is applied already."""

    def _follows(self, first: DomainEventProtocol[UUID]) -> bool:
        saved = self._aggregates.get(first.originator_id)
        return first.originator_version == (saved.version if saved else 0) + 1

    def _append(self, event: DomainEventProtocol[UUID]) -> None:
        position = self.position + 1
        self.events.append((position, event))
        for projection in self._projections:
            if isinstance(event, projection.events):
                projection.process(event, position, self.tables)


def _private_copy(aggregate: Aggregate) -> Aggregate:
    duplicate = copy.copy(aggregate)
    duplicate.__dict__["_pending_events"] = []
    return duplicate
