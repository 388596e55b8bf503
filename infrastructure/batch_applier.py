"""Applies consecutive events to the projections in one transaction, fenced by their positions."""

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.utils import resolve_topic

from application.ports.storage import RowWriter
from infrastructure.change_listener import PROJECTED_CHANNEL
from infrastructure.change_marks import stamp_tables
from infrastructure.event_store import EventLog
from infrastructure.projection_positions import Fenced, ProjectionPositions
from infrastructure.read_model_waiters import ReadModelWaiters
from infrastructure.versioned_rows import CurrentRows, VersionedRows

BATCH = 1000
CATCH_UP_BATCH = 10_000
"""Events a transaction while catching up or rebuilding: nobody waits on each commit then."""


class Projection(Protocol):
    name: str
    tables: tuple[str, ...]

    @property
    def events(self) -> type[Any] | tuple[type[Any], ...]:
        """The bases of the events it reads (its aggregate's `Event`); others are not passed
        in."""
        ...

    def process(self, event: DomainEventProtocol[Any], position: int, rows: RowWriter) -> None: ...


@dataclass(frozen=True)
class Unread:
    """An event no projection or observer reads, standing in for it undecoded."""

    originator_id: UUID
    originator_version: int


Entry = tuple[int, str, DomainEventProtocol[Any] | Unread]
"""An event of a batch: its position, its topic, and the event."""


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


class BatchApplier:
    def __init__(
        self,
        log: EventLog,
        engine: sa.Engine,
        projections: Sequence[Projection],
        positions: ProjectionPositions,
        published: ReadModelWaiters,
        *,
        write_lock: AbstractContextManager[Any],
        notify: bool,
        observed: Callable[[str], bool],
        closed: Callable[[dict[str, int]], None] = lambda _: None,
    ) -> None:
        """`closed` hears, after each commit, how many row versions it closed by table."""
        self._log = log
        self._engine = engine
        self._projections = projections
        self._positions = positions
        self._published = published
        self._write_lock = write_lock
        self._notify = notify
        self._observed = observed
        self._closed = closed
        self._current_rows = CurrentRows()
        self._readers: dict[type[Any], list[Projection]] = {}
        self._topics_wanted: dict[str, bool] = {}

    def clear(self) -> None:
        """Forget the current rows remembered from earlier batches."""
        self._current_rows.clear()

    def after(self, position: int, limit: int) -> list[Entry]:
        """The next events of the log, decoded only where a projection or observer reads them."""
        notifications = self._log.recorder.select_notifications(
            start=position, limit=limit, inclusive_of_start=False
        )
        mapper = self._log.mapper
        return [
            (
                n.id,
                n.topic,
                mapper.to_domain_event(n)
                if self._wanted(n.topic)
                else Unread(_uuid(n.originator_id), n.originator_version),
            )
            for n in notifications
        ]

    def apply(self, batch: Sequence[Entry]) -> None:
        """Apply a non-empty batch from the published positions and advance every position to
        its last event, in one transaction; raise `Fenced`, committing nothing, if another
        process advanced first."""
        last = batch[-1][0]
        try:
            with self._engine.connect() as conn:
                rows = VersionedRows(conn, self._current_rows)
                for position, _, event in batch:
                    if isinstance(event, Unread):
                        continue
                    for projection in self._readers_of(type(event)):
                        if position > self._published.positions[projection.name]:
                            projection.process(event, position, rows)
                with self._write_lock:
                    for projection in self._projections:
                        expected = self._published.positions[projection.name]
                        self._positions.advance(conn, projection.name, expected, last)
                    rows.flush()
                    stamp_tables(conn, rows.changed)
                    if self._notify:
                        conn.execute(sa.text(f"NOTIFY {PROJECTED_CHANNEL}"))
                    conn.commit()
        except Fenced:  # the rows remembered are cleared when this process leads again
            raise
        except BaseException:
            self._current_rows.clear()
            raise
        self._current_rows.remember(rows.latest)
        self._closed(rows.closed)

    def _wanted(self, topic: str) -> bool:
        """Whether any projection or observer reads events of this topic: the others (the
        uniqueness indexes' events, about half the log) are not decoded at all."""
        wanted = self._topics_wanted.get(topic)
        if wanted is None:
            wanted = self._observed(topic) or bool(self._readers_of(resolve_topic(topic)))
            self._topics_wanted[topic] = wanted
        return wanted

    def _readers_of(self, event_type: type[Any]) -> list[Projection]:
        """The projections an event class goes to, worked out once per class (isinstance on
        the library's event classes is slow enough to show in bulk writes)."""
        readers = self._readers.get(event_type)
        if readers is None:
            readers = [p for p in self._projections if issubclass(event_type, p.events)]
            self._readers[event_type] = readers
        return readers
