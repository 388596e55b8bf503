"""Custodial wallets of identity entities: a BIP39 mnemonic FleetID keeps, and what is derived
from it (a Cardano address, the keys of each entity's DID).

The mnemonic is sealed under the wallet's own key outside the log (`secret_fields`). Once no
entity uses the wallet it is destroyed and that key erased, so the mnemonic, and every private
key derived from it, is gone while the log stays whole. Derivations run before the events, in
the application layer, so replay derives nothing."""

from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import FleetAggregate
from domain.causes import Cause
from domain.errors import Conflict, NotFound

MAX_ENTITIES = 10_000
"""Entities linked to one wallet at once: each holds a DID derived from it."""


class Network(StrEnum):
    """The Cardano network the wallet's address is for."""

    TESTNET = "testnet"
    MAINNET = "mainnet"


class WalletGone(NotFound):
    reason = "wallet_not_found"


class WalletInUse(Conflict):
    reason = "wallet_in_use"


class Wallet(FleetAggregate):
    class Created(FleetAggregate.Created):
        mnemonic: str
        """24 BIP39 words, sealed in the log."""
        address: str
        """Cardano Shelley base address of account 0, first address."""
        network: Network
        generated: bool
        """Whether FleetID made the mnemonic (else a caller supplied it)."""
        seed: UUID
        """Its mnemonic's entry in the index (domain/wallet_seeds.py)."""
        first_did: int
        """The DID number its first entity gets: wallets of its mnemonic made that many before."""
        secret_fields: ClassVar[frozenset[str]] = frozenset({"mnemonic"})

    @event(Created)
    def __init__(
        self,
        mnemonic: str,
        address: str,
        network: Network,
        generated: bool,
        seed: UUID,
        first_did: int,
        cause: Cause,
    ) -> None:
        self.mnemonic: str | None = mnemonic
        self.address = address
        self.network = network
        self.seed = seed
        self.entities: tuple[str, ...] = ()
        self.dids_made = first_did
        self.destroyed = False

    @classmethod
    def create(
        cls,
        wallet_id: UUID,
        mnemonic: str,
        address: str,
        network: Network,
        generated: bool,
        seed: UUID,
        first_did: int,
        cause: Cause,
    ) -> "Wallet":
        return cls._create(
            cls.Created,
            id=wallet_id,
            mnemonic=mnemonic,
            address=address,
            network=network,
            generated=generated,
            seed=seed,
            first_did=first_did,
            cause=cause,
        )

    class Linked(FleetAggregate.Event):
        entity: str
        did_index: int
        """Which of the wallet's DIDs the entity holds: the index its keys are derived at."""

    def link(self, entity: str, cause: Cause) -> int:
        """The DID index the entity's keys are derived at: a new one for each entity ever
        linked, so that no two entities share a DID, even after one is deleted."""
        self._require_present()
        if len(self.entities) >= MAX_ENTITIES:
            raise WalletInUse(f"a wallet serves at most {MAX_ENTITIES} entities", field="id_wallet")
        index = self.dids_made
        self._link(entity=entity, did_index=index, cause=cause)
        return index

    @event(Linked)
    def _link(self, entity: str, did_index: int, cause: Cause) -> None:
        self.entities = (*self.entities, entity)
        self.dids_made = did_index + 1

    class Unlinked(FleetAggregate.Event):
        entity: str

    def unlink(self, entity: str, cause: Cause) -> None:
        if entity in self.entities:
            self._unlink(entity=entity, cause=cause)

    @event(Unlinked)
    def _unlink(self, entity: str, cause: Cause) -> None:
        self.entities = tuple(e for e in self.entities if e != entity)

    class Destroyed(FleetAggregate.Event):
        """Once this is saved its key is erased, and nothing derived from it is made again."""

    def destroy(self, cause: Cause) -> None:
        if self.entities:
            raise WalletInUse("entities still use this wallet", field="id_wallet")
        if not self.destroyed:
            self._destroy(cause=cause)

    @event(Destroyed)
    def _destroy(self, cause: Cause) -> None:
        self.destroyed = True
        self.mnemonic = None

    def _require_present(self) -> None:
        if self.destroyed or self.mnemonic is None:
            raise WalletGone("no such wallet", field="id_wallet")
