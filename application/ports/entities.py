"""Identity entities' read models (entities, wallets, API keys, the admin keys' rotations), and
the cryptography that makes wallets and DIDs."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.ports.pages import Page
from domain.admin_keys import Rotation
from domain.wallets import Network


@dataclass(frozen=True)
class EntityView:
    id: UUID
    name: str | None
    """None once its subject key is erased."""
    role: str
    wallet: UUID
    did_index: int
    long_did: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class WalletView:
    id: UUID
    address: str
    network: str
    created_at: datetime


EntityPage = Page[EntityView]


class EntityViews(Protocol):
    def get(self, entity_id: UUID) -> EntityView | None:
        """A present entity (deleted ones are not)."""
        ...

    def page(self, offset: int, limit: int) -> EntityPage:
        """Present entities in creation order."""
        ...

    def holder(self, key_lookup: str) -> UUID | None:
        """The present entity whose API key has this lookup hash (the present, never `as_of`)."""
        ...


class WalletViews(Protocol):
    def get(self, wallet_id: UUID) -> WalletView | None:
        """A wallet not destroyed."""
        ...

    def unshredded(self) -> list[UUID]:
        """Destroyed wallets whose key is still kept (a process stopped between the two)."""
        ...


@dataclass(frozen=True)
class AdminKeyRecord:
    configured: str | None
    """The configured key last noted (its lookup hash); None: none yet."""
    rotations: list[Rotation]
    """The rotations made since, oldest first."""


class AdminKeyViews(Protocol):
    def record(self) -> AdminKeyRecord:
        """As it is now, never `as_of`."""
        ...


@dataclass(frozen=True)
class DidKey:
    id: str
    """`master0`, `key-1`."""
    usage: str
    """PRISM key usage: `master`, `authentication`, …"""
    curve: str
    public_key: bytes
    """Compressed point."""


class WalletKeys(Protocol):
    """BIP39, BIP32 and CIP-1852 derivations, by a maintained library."""

    def new_mnemonic(self) -> str:
        """24 words from 256 bits of the operating system's CSPRNG."""
        ...

    def check_mnemonic(self, mnemonic: str) -> str:
        """The mnemonic in its canonical form (lower case, single spaces); InvalidValue
        (field `mnemonic`) unless it is 24 words of the English list with a valid checksum."""
        ...

    def address(self, mnemonic: str, network: Network) -> str:
        """Shelley base address of account 0, payment and stake keys at index 0 (CIP-1852)."""
        ...

    def did_keys(self, mnemonic: str, did_index: int) -> list[DidKey]:
        """The master and authentication keys of the wallet's DID number `did_index`."""
        ...


@dataclass(frozen=True)
class DecodedDid:
    method_id: str
    """The hash part: hex SHA-256 of the encoded state."""
    keys: list[DidKey]


class DidCodec(Protocol):
    """PRISM long-form DIDs: `did:prism:<sha256 hex>:<base64url of the create operation>`."""

    def long_form(self, keys: list[DidKey]) -> str: ...

    def decode(self, did: str) -> DecodedDid:
        """InvalidValue unless the state decodes and its hash is the DID's hash part."""
        ...
