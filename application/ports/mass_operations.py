"""Mass operations' read model: each operation's progress and each item's result."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.ports.pages import Page


@dataclass(frozen=True)
class OperationView:
    id: UUID
    owner: UUID
    status: str
    total: int
    succeeded: int
    failed: int
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None


@dataclass(frozen=True)
class ItemView:
    index: int
    operation_type: str | None
    object_id: str | None
    ok: bool
    outcome: str | None
    error_code: str | None
    error_field: str | None
    reason: str | None
    notes: list[str]


class MassOperationViews(Protocol):
    def get(self, operation_id: UUID) -> OperationView | None: ...

    def page(self, owner: UUID | None, offset: int, limit: int) -> Page[OperationView]:
        """Oldest first; all when `owner` is None."""
        ...

    def items(self, operation_id: UUID, offset: int, limit: int, ok: bool | None) -> list[ItemView]:
        """Results in item order; only the successes or only the errors when `ok` is set."""
        ...

    def unfinished(self) -> list[OperationView]:
        """Operations pending or running, oldest first (the present, never `as_of`)."""
        ...

    def unfinished_of(self, owner: UUID) -> int: ...
