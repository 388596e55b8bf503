"""Numbers handed out in order, for the entities whose documented ids are integers (the
certificate manager's organizations). The counter is an aggregate saved with the entity it
numbers: two creations racing for one number collide on the counter's version, and the loser
is re-run with the next number (application/consistency.py), so no number is given twice."""

from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.aggregate import FleetAggregate
from domain.causes import Cause

NAMESPACE = UUID("5d3c9a1e-2b47-4f08-9c6d-7e1a2b3c4d5e")


class NumberSequence(FleetAggregate):
    records_updater = False

    class Started(FleetAggregate.Created):
        kind: str

    @event(Started)
    def __init__(self, kind: str, cause: Cause) -> None:
        self.kind = kind
        self.last = 0

    @staticmethod
    def create_id(kind: str) -> UUID:
        return uuid5(NAMESPACE, kind)

    class Taken(FleetAggregate.Event):
        number: int

    def take(self, cause: Cause) -> int:
        """The next number, from 1."""
        self._take(number=self.last + 1, cause=cause)
        return self.last

    @event(Taken)
    def _take(self, number: int, cause: Cause) -> None:
        self.last = number
