"""The issued certificates' read model: what the Certificate API finds, and what an
authority's CRL and OCSP responder say."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class CertificateView:
    serial: str
    authority: int
    batch: int
    position: int
    device: str
    common_name: str
    der: bytes
    status: str
    """ISSUED or REVOKED."""
    reason: int | None
    revoked_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class Revocation:
    serial: str
    at: datetime
    reason: int


class CertificateViews(Protocol):
    def get(self, authority: int, serial: str) -> CertificateView | None: ...

    def find(self, serial: str, common_name: str) -> list[CertificateView]:
        """Every authority's certificates of that serial number and common name."""
        ...

    def of_devices(self, devices: list[str]) -> list[CertificateView]: ...

    def revocations(self, authority: int) -> tuple[int, list[Revocation]]:
        """The log position of the authority's latest revocation (0: none), and every one."""
        ...

    def history(self, batch: int, position: int | None) -> list[CertificateView]:
        """Every version of the batch's certificates (or of the one at `position`, from 0),
        by place then age: issued, then revoked."""
        ...

    def revocation_mark(self, authority: int) -> int:
        """That position alone: whether a CRL made before is still the latest."""
        ...
