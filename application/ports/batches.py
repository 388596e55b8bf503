"""The certificate batches' read model."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.ports.certificates import CertificateView


@dataclass(frozen=True)
class BatchView:
    number: int
    id: UUID
    name: str
    organization: int
    authority: int
    profile: int
    user_number: int
    size: int
    generator: int | None
    generator_params: dict[str, str]
    status: str
    reject_reason: str
    issued: int
    failed: int
    downloaded: bool
    created_at: datetime


@dataclass(frozen=True)
class BatchEntry:
    """One version of a batch: what an event made of it, when and by whom."""

    position: int
    status: str
    reject_reason: str
    size: int
    at: datetime
    by: str
    """The actor's id."""


@dataclass(frozen=True)
class BatchFilter:
    """What a grid asks for; None (or 0, or empty) asks nothing of that column."""

    organization: int
    profile: int | None = None
    number: int | None = None
    name: str | None = None
    status: str | None = None
    size_from: int | None = None
    size_to: int | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    offset: int = 0
    limit: int = 20


class BatchViews(Protocol):
    def get(self, number: int) -> BatchView | None: ...

    def history(self, number: int) -> list[BatchEntry]:
        """Its versions, oldest first."""
        ...

    def page(self, query: BatchFilter) -> tuple[list[BatchView], int]:
        """The page, newest first, and how many match in all."""
        ...

    def needing_work(self, finished_before: datetime) -> list[int]:
        """Batches the issuer has work on: to issue, to reject or revoke, or ready since before
        `finished_before` (their retention is over)."""
        ...

    def certificates(self, batch: int, after: int, limit: int) -> list[CertificateView]:
        """The batch's certificates past place `after`, in its order."""
        ...
