"""The certificate profiles' read model."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class ProfileView:
    number: int
    id: UUID
    name: str
    key_algorithm: str
    config: str
    """As loaded: the text `rawProfileConfig` serves."""
    created_at: datetime
    updated_at: datetime | None


class ProfileViews(Protocol):
    def get(self, number: int) -> ProfileView | None: ...

    def all(self) -> list[ProfileView]:
        """In the order of their numbers."""
        ...
