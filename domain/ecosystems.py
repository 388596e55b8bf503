"""The certificate manager's ecosystem: the deployment's one tenant, under which organizations,
authorities and balances sit. It is made at first start; the operator names it, describes it
and sets its capacity (`fleetid ecosystem set`)."""

from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.aggregate import FleetAggregate
from domain.causes import Cause
from domain.errors import InvalidValue
from domain.organizations import check_text

NAMESPACE = UUID("3c1b7e5a-9d2f-4a6b-8c0e-5f7a9b1c3d5e")
MAX_CAPACITY = 10**12
DEFAULT_NAME = "FleetID"


def ecosystem_id(number: int) -> UUID:
    return uuid5(NAMESPACE, str(number))


def check_capacity(capacity: int) -> int:
    if not 0 <= capacity <= MAX_CAPACITY:
        raise InvalidValue(f"must be 0 to {MAX_CAPACITY}", field="capacity")
    return capacity


class Ecosystem(FleetAggregate):
    class Founded(FleetAggregate.Created):
        number: int
        name: str
        description: str
        capacity: int

    @event(Founded)
    def __init__(
        self, number: int, name: str, description: str, capacity: int, cause: Cause
    ) -> None:
        self.number = number
        self.name = name
        self.description = description
        self.capacity = capacity

    @classmethod
    def found(cls, number: int, cause: Cause) -> "Ecosystem":
        return cls._create(
            cls.Founded,
            id=ecosystem_id(number),
            number=number,
            name=DEFAULT_NAME,
            description="",
            capacity=0,
            cause=cause,
        )

    class Changed(FleetAggregate.Event):
        name: str
        description: str
        capacity: int

    def change(
        self, name: str | None, description: str | None, capacity: int | None, cause: Cause
    ) -> bool:
        """What is not given is kept; whether anything changed."""
        name = self.name if name is None else check_text(name, "name")
        description = (
            self.description
            if description is None
            else check_text(description, "description", required=False)
        )
        capacity = self.capacity if capacity is None else check_capacity(capacity)
        if (name, description, capacity) == (self.name, self.description, self.capacity):
            return False
        self._change(name=name, description=description, capacity=capacity, cause=cause)
        return True

    @event(Changed)
    def _change(self, name: str, description: str, capacity: int, cause: Cause) -> None:
        self.name = name
        self.description = description
        self.capacity = capacity
