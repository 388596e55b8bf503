"""The certificate manager's ecosystem's read model, and the figures of its balances."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class EcosystemView:
    number: int
    name: str
    description: str
    capacity: int


@dataclass(frozen=True)
class Movement:
    """An order (a batch reserved), an issuance (it used) or a release, of `count` certificates."""

    kind: str
    count: int
    at: datetime


@dataclass(frozen=True)
class Totals:
    """Over every organization's balances that are not removed."""

    balance: int
    used: int
    reserved: int

    @property
    def available(self) -> int:
        return self.balance - self.used - self.reserved


class EcosystemViews(Protocol):
    def get(self, number: int) -> EcosystemView | None: ...

    def totals(self) -> Totals: ...

    def movements(self) -> list[Movement]:
        """In the order they happened."""
        ...
