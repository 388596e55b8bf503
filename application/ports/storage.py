"""Writing the log, reading aggregates, and following the read models."""

from collections.abc import Mapping
from concurrent.futures import Future
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.domain import Aggregate


class StaleWrite(Exception):
    """Another command changed (or created) one of the aggregates first."""


class Unstorable(Exception):
    """The database refused a caller's rows themselves (a constraint or a size limit), not the
    connection: storing them again cannot succeed, so the caller must refuse them, not retry."""


class WriterUnavailable(Exception):
    """The process that commits the log could not be reached, or lost its database: nothing
    of the save is known to be stored, and the caller may try again."""


class ConsistencyTimeout(Exception):
    """The read models did not reach a command's position in time."""


class EventWriter(Protocol):
    def submit(self, *aggregates: Aggregate) -> Future[int]:
        """Store all pending events in one transaction; the future gives the last position."""
        ...


class AggregateReader(Protocol):
    def get(self, aggregate_id: UUID) -> Aggregate | None: ...


class ReadModelSync(Protocol):
    async def settled(self, position: int) -> None:
        """Return once every projection has processed `position`; raise ConsistencyTimeout."""
        ...


class RowWriter(Protocol):
    """The history-keeping table operations projections are written against."""

    def insert(self, table: str, key: str, values: Mapping[str, Any], position: int) -> None: ...

    def update(self, table: str, key: str, changes: Mapping[str, Any], position: int) -> None: ...

    def delete(self, table: str, key: str, position: int) -> None:
        """Close the current version and open none: the entity (a revoked policy) is gone."""
        ...

    def scrub(self, table: str, key: str, columns: Mapping[str, Any]) -> None:
        """Overwrite columns in every version of a row: erasure reaches history too."""
        ...
