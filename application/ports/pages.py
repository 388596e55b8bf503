"""The page every listing answers with, whatever it lists."""

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """`items` from `offset` on, at most `limit` of them, out of `total` that match."""

    total: int
    offset: int
    limit: int
    items: list[T]
