"""The certificate balances' read model."""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class AllocationView:
    organization: int
    authority: int
    balance: int
    used: int
    reserved: int
    used_by: dict[str, int]
    status: str

    @property
    def available(self) -> int:
        return self.balance - self.used - self.reserved


class AllocationViews(Protocol):
    def get(self, organization: int, authority: int) -> AllocationView | None: ...

    def of_organization(self, organization: int) -> list[AllocationView]:
        """Its allocations that are not removed, by authority."""
        ...

    def authority_total(self, authority: int) -> int:
        """What the authority has allocated to all organizations (not removed)."""
        ...
