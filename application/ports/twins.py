"""Digital twins' read model, and what checks and uses their public keys."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from application.ports.pages import Page


@dataclass(frozen=True)
class TwinView:
    object_id: str
    object_type: str
    owner: UUID
    thing: UUID | None
    services: list[dict[str, str]]
    """`key`, `uri`, `description`, in the order they were added."""
    keys: list[dict[str, Any]]
    """`kid`, `kms`, `type`, `publicKeyHex`, `algorithms`, in the order given."""
    created_at: datetime
    updated_at: datetime | None


@dataclass(frozen=True)
class TwinFilter:
    offset: int = 0
    limit: int = 10
    owner: UUID | None = None
    """When set, only this user's twins."""
    object_type: str | None = None


TwinPage = Page[TwinView]


class TwinViews(Protocol):
    def get(self, object_id: str) -> TwinView | None: ...

    def page(self, query: TwinFilter) -> TwinPage:
        """In creation order."""
        ...

    def existing(self, object_ids: Collection[str]) -> set[str]:
        """Which of these objectIds have a twin (the present, never `as_of`)."""
        ...


class PublicKeys(Protocol):
    """A twin key's public part, read by a maintained library: `kind` is a key type FleetID
    knows (`Secp256k1`, `P-256`, `Ed25519`), `raw` the key's bytes as the API carries them."""

    def fault(self, kind: str, raw: bytes) -> str | None:
        """Why `raw` is not a public key of `kind` (not a point of its curve), or None."""
        ...

    def jwk(self, kind: str, raw: bytes) -> dict[str, str]:
        """The key as a JSON Web Key (RFC 7517, RFC 8037): uncompressed coordinates."""
        ...

    def verify(self, kind: str, raw: bytes, message: bytes, signature: bytes) -> bool:
        """ES256K, ES256 (SHA-256; signature r||s or DER) or EdDSA over `message`."""
        ...
