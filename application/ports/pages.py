"""The page every listing answers with, whatever it lists, and what every listing filters by."""

from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """`items` from `offset` on, at most `limit` of them, out of `total` that match."""

    total: int
    offset: int
    limit: int
    items: list[T]


@dataclass(frozen=True)
class ListFilter:
    """What every registry listing filters by; an aggregate's filter adds its own fields."""

    offset: int = 0
    limit: int = 10
    name: str | None = None
    status: str = "enabled"
    """enabled, disabled, or all (both)."""
    metadata: dict[str, Any] | None = None
    owner: UUID | None = None
    """When set, only what this user owns."""
    visible_to: UUID | None = None
    """When set, only what this user may see (the aggregate's views apply its rule)."""
