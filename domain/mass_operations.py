"""Mass operations: a caller's list of twin operations (createDigitalTwin, addService), done
in the background item by item, each item's result recorded.

The items are saved with the operation (`ItemsAdded`, in the same commit as `Submitted`), as
the request gave them but for what FleetID never keeps (private keys), and with the faults
found in their shape. A process manager applies them in chunks, in order: a chunk's results
are one `ChunkApplied` event, saved in the same commit as the twins' events of that chunk, and
a chunk can be recorded once only, so after a crash the operation resumes at its next item and
no item is applied twice."""

from enum import StrEnum
from typing import Any

from eventsourcing.domain import event

from domain.aggregate import FleetAggregate
from domain.causes import Cause
from domain.errors import Conflict, InvalidValue

CREATE, ADD_SERVICE = "createDigitalTwin", "addService"
OPERATION_TYPES = (CREATE, ADD_SERVICE)
MAX_ITEMS = 100_000
"""Items in one request (one operation)."""

Item = dict[str, Any]
"""A stored item: `operationType`, `objectId`, `objectType`, `services`, `keys` when its shape
is sound, else `error` ({`code`, `field`, `reason`}) with what could be read of the first two;
`discarded` names the private keys that were dropped from it."""
Result = dict[str, Any]
"""An item's result: `index`, `objectId`, `operationType`, `ok`; `outcome` when it succeeded
(`created`, `unchanged`, `added`, `replaced`), `error` when not; `notes`."""


class OperationStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    COMPLETED_WITH_ERRORS = "completed_with_errors"


DONE = frozenset({OperationStatus.COMPLETED, OperationStatus.COMPLETED_WITH_ERRORS})


class ChunkOutOfOrder(Conflict):
    reason = "chunk_out_of_order"


class MassOperation(FleetAggregate):
    cacheable = False
    """It holds its items (up to 100,000): the background worker keeps the one it works on."""

    class Submitted(FleetAggregate.Created):
        owner: str
        admin: bool
        """Whether the owner was an admin when submitting: the rights its items are applied
        with."""
        total: int

    @event(Submitted)
    def __init__(self, owner: str, admin: bool, total: int, cause: Cause) -> None:
        self.owner = owner
        self.admin = admin
        self.total = total
        self.items: list[Item] = []
        self.status = OperationStatus.PENDING
        self.succeeded = 0
        self.failed = 0

    @classmethod
    def submit(
        cls, owner: str, admin: bool, items: list[Item], chunk: int, cause: Cause
    ) -> "MassOperation":
        """The operation with its items, in events of `chunk` items each."""
        if not 1 <= len(items) <= MAX_ITEMS:
            raise InvalidValue(f"from 1 to {MAX_ITEMS} operations", field="body")
        operation = cls(owner=owner, admin=admin, total=len(items), cause=cause)
        for first in range(0, len(items), chunk):
            operation._add_items(first=first, items=items[first : first + chunk], cause=cause)
        return operation

    class ItemsAdded(FleetAggregate.Event):
        first: int
        items: list[Item]

    @event(ItemsAdded)
    def _add_items(self, first: int, items: list[Item], cause: Cause) -> None:
        self.items = [*self.items, *items]

    @property
    def next_index(self) -> int:
        return self.succeeded + self.failed

    class Started(FleetAggregate.Event):
        pass

    def start(self, cause: Cause) -> None:
        if self.status is OperationStatus.PENDING:
            self._start(cause=cause)

    @event(Started)
    def _start(self, cause: Cause) -> None:
        self.status = OperationStatus.RUNNING

    class ChunkApplied(FleetAggregate.Event):
        first: int
        results: list[Result]
        succeeded: int
        failed: int
        """The operation's totals after it."""

    class Completed(FleetAggregate.Event):
        status: str

    def apply_chunk(self, first: int, results: list[Result], cause: Cause) -> None:
        """The next items' results, each item once; the last chunk completes the operation."""
        if (
            self.status is not OperationStatus.RUNNING
            or first != self.next_index
            or not results
            or first + len(results) > self.total
        ):
            raise ChunkOutOfOrder(
                f"items {first} to {first + len(results) - 1} are not the operation's next",
                field="first",
            )
        succeeded = sum(1 for r in results if r["ok"])
        self._apply_chunk(
            first=first,
            results=results,
            succeeded=self.succeeded + succeeded,
            failed=self.failed + len(results) - succeeded,
            cause=cause,
        )
        if self.next_index == self.total:
            done = (
                OperationStatus.COMPLETED_WITH_ERRORS if self.failed else OperationStatus.COMPLETED
            )
            self._complete(status=done.value, cause=cause)

    @event(ChunkApplied)
    def _apply_chunk(
        self, first: int, results: list[Result], succeeded: int, failed: int, cause: Cause
    ) -> None:
        self.succeeded = succeeded
        self.failed = failed

    @event(Completed)
    def _complete(self, status: str, cause: Cause) -> None:
        self.status = OperationStatus(status)
        self.items = []
