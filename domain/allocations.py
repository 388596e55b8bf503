"""An organization's allocation of certificates from one authority: the balance an admin gives
it, and what its batches reserve, use and give back. Every figure is derived from these events,
and none goes negative: each change is checked against the allocation as it stands, and the
allocation's version makes two changes at once meet (the loser is re-run on fresh state)."""

from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.aggregate import FleetAggregate
from domain.causes import Cause
from domain.errors import Conflict, InvalidValue

NAMESPACE = UUID("c7e5a3b1-2d4f-4a6c-8e0b-1f3d5b7a9c2e")
MAX_BALANCE = 10**12


def allocation_id(organization: int, authority: int) -> UUID:
    return uuid5(NAMESPACE, f"{organization}/{authority}")


class InsufficientBalance(Conflict):
    reason = "insufficient_balance"


class Allocation(FleetAggregate):
    class Granted(FleetAggregate.Created):
        organization: int
        authority: int

    @event(Granted)
    def __init__(self, organization: int, authority: int, cause: Cause) -> None:
        self.organization = organization
        self.authority = authority
        self.balance = 0
        self.enabled = True
        self.removed = False
        self.used = 0
        self.used_by: dict[str, int] = {}
        self.reserved: dict[str, tuple[str, int]] = {}
        """Open reservations: batch → (user, count)."""

    @classmethod
    def grant(cls, organization: int, authority: int, cause: Cause) -> "Allocation":
        return cls._create(
            cls.Granted,
            id=allocation_id(organization, authority),
            organization=organization,
            authority=authority,
            cause=cause,
        )

    @property
    def reserved_total(self) -> int:
        return sum(count for _, count in self.reserved.values())

    @property
    def available(self) -> int:
        return self.balance - self.used - self.reserved_total

    class Regranted(FleetAggregate.Event):
        enabled: bool

    def regrant(self, cause: Cause) -> None:
        """Granting a removed allocation again brings it back, figures kept."""
        if self.removed:
            self._regrant(enabled=self.enabled, cause=cause)

    @event(Regranted)
    def _regrant(self, enabled: bool, cause: Cause) -> None:
        self.removed = False

    class Changed(FleetAggregate.Event):
        balance: int
        enabled: bool

    def change(self, balance: int, enabled: bool, cause: Cause) -> None:
        """The balance is what the organization may use in all: never below what it used and
        holds reserved."""
        if not 0 <= balance <= MAX_BALANCE:
            raise InvalidValue(f"must be 0 to {MAX_BALANCE}", field="balance")
        if balance < self.used + self.reserved_total:
            raise InvalidValue(
                f"must be at least what is used and reserved ({self.used + self.reserved_total})",
                field="balance",
            )
        self._change(balance=balance, enabled=enabled, cause=cause)

    @event(Changed)
    def _change(self, balance: int, enabled: bool, cause: Cause) -> None:
        self.balance = balance
        self.enabled = enabled

    class Removed(FleetAggregate.Event):
        pass

    def remove(self, cause: Cause) -> None:
        if self.reserved:
            raise Conflict("batches hold reservations on it", field="authorityId")
        if not self.removed:
            self._remove(cause=cause)

    @event(Removed)
    def _remove(self, cause: Cause) -> None:
        self.removed = True

    class Reserved(FleetAggregate.Event):
        batch: str
        user: str
        count: int
        reserved: int
        """All that is reserved after it, as every later event records its totals."""

    def reserve(self, batch: str, user: str, count: int, cause: Cause) -> None:
        if count < 1:
            raise InvalidValue("must be at least 1", field="count")
        if batch in self.reserved:
            raise Conflict("this batch holds a reservation already", field="batch")
        if self.removed or not self.enabled:
            raise InsufficientBalance("the authority is not enabled for this organization")
        if count > self.available:
            raise InsufficientBalance(f"{count} asked, {self.available} available")
        total = self.reserved_total + count
        self._reserve(batch=batch, user=user, count=count, reserved=total, cause=cause)

    @event(Reserved)
    def _reserve(self, batch: str, user: str, count: int, reserved: int, cause: Cause) -> None:
        self.reserved = {**self.reserved, batch: (user, count)}

    class Committed(FleetAggregate.Event):
        batch: str
        count: int
        """What the batch used of its reservation; the rest goes back."""
        used: int
        reserved: int
        used_by: dict[str, int]

    def commit(self, batch: str, count: int, cause: Cause) -> None:
        held = self.reserved.get(batch)
        if held is None:
            raise Conflict("this batch holds no reservation", field="batch")
        if not 0 <= count <= held[1]:
            raise InvalidValue(f"must be 0 to the {held[1]} reserved", field="count")
        user, held_count = held
        self._commit(
            batch=batch,
            count=count,
            used=self.used + count,
            reserved=self.reserved_total - held_count,
            used_by={**self.used_by, user: self.used_by.get(user, 0) + count},
            cause=cause,
        )

    @event(Committed)
    def _commit(
        self,
        batch: str,
        count: int,
        used: int,
        reserved: int,
        used_by: dict[str, int],
        cause: Cause,
    ) -> None:
        self.reserved = {k: v for k, v in self.reserved.items() if k != batch}
        self.used = used
        self.used_by = used_by

    class Used(FleetAggregate.Event):
        """Certificates of a batch issued: taken from its reservation, which stays open for
        the rest."""

        batch: str
        count: int
        used: int
        reserved: int
        used_by: dict[str, int]

    def use(self, batch: str, count: int, cause: Cause) -> None:
        held = self.reserved.get(batch)
        if held is None:
            raise Conflict("this batch holds no reservation", field="batch")
        user, held_count = held
        if not 1 <= count <= held_count:
            raise InvalidValue(f"must be 1 to the {held_count} reserved", field="count")
        self._use(
            batch=batch,
            count=count,
            used=self.used + count,
            reserved=self.reserved_total - count,
            used_by={**self.used_by, user: self.used_by.get(user, 0) + count},
            cause=cause,
        )

    @event(Used)
    def _use(
        self,
        batch: str,
        count: int,
        used: int,
        reserved: int,
        used_by: dict[str, int],
        cause: Cause,
    ) -> None:
        user, held = self.reserved[batch]
        self.reserved = {**self.reserved, batch: (user, held - count)}
        self.used = used
        self.used_by = used_by

    class Refunded(FleetAggregate.Event):
        """A rejected batch's issued certificates given back: the document restores the
        balance of a batch rejected before it was downloaded."""

        batch: str
        user: str
        count: int
        used: int
        used_by: dict[str, int]

    def refund(self, batch: str, user: str, count: int, cause: Cause) -> None:
        spent = self.used_by.get(user, 0)
        if not 1 <= count <= min(self.used, spent):
            raise InvalidValue(f"must be 1 to the {min(self.used, spent)} used", field="count")
        self._refund(
            batch=batch,
            user=user,
            count=count,
            used=self.used - count,
            used_by={**self.used_by, user: spent - count},
            cause=cause,
        )

    @event(Refunded)
    def _refund(
        self, batch: str, user: str, count: int, used: int, used_by: dict[str, int], cause: Cause
    ) -> None:
        self.used = used
        self.used_by = used_by

    class Released(FleetAggregate.Event):
        batch: str
        reserved: int

    def release(self, batch: str, cause: Cause) -> None:
        """What a batch's reservation still holds goes back: all of it if the batch issued
        nothing (rejected), the rest once it is done."""
        if batch not in self.reserved:
            raise Conflict("this batch holds no reservation", field="batch")
        left = self.reserved_total - self.reserved[batch][1]
        self._release(batch=batch, reserved=left, cause=cause)

    @event(Released)
    def _release(self, batch: str, reserved: int, cause: Cause) -> None:
        self.reserved = {k: v for k, v in self.reserved.items() if k != batch}
