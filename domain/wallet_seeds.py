"""Index aggregate of wallet mnemonics: one wallet per mnemonic at a time, and the count of DIDs
its wallets have made, kept when a wallet is destroyed.

A wallet's DIDs are derived from its mnemonic, so two wallets of one mnemonic would hand out the
same DIDs to different entities, and a mnemonic brought again after its wallet was destroyed
would give a deleted entity's DID to a new one. With this index, its next wallet numbers DIDs on
from where the last stopped. Its id derives from a keyed hash of the mnemonic: the log shows
nothing that can be reversed into it without the server's key."""

from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.aggregate import FleetAggregate
from domain.causes import Cause
from domain.errors import Conflict

NAMESPACE = UUID("c4a1f7e2-5d38-4b96-8e0a-3f6b2d9c7e15")


def wallet_seed_id(lookup: str) -> UUID:
    return uuid5(NAMESPACE, lookup)


class WalletExists(Conflict):
    reason = "wallet_exists"


class WalletSeed(FleetAggregate):
    records_updater = False

    class Claimed(FleetAggregate.Created):
        wallet: str

    @event(Claimed)
    def __init__(self, wallet: str, cause: Cause) -> None:
        self.wallet: str | None = wallet
        self.dids_made = 0

    @classmethod
    def claim(
        cls, existing: "WalletSeed | None", lookup: str, wallet: str, cause: Cause
    ) -> "WalletSeed":
        """The entry of a mnemonic, claimed for a new wallet: WalletExists while one holds it."""
        if existing is None:
            return cls._create(cls.Claimed, id=wallet_seed_id(lookup), wallet=wallet, cause=cause)
        if existing.wallet is not None:
            raise WalletExists("a wallet of this mnemonic exists", field="mnemonic")
        existing._reclaim(wallet=wallet, cause=cause)
        return existing

    class Released(FleetAggregate.Event):
        dids_made: int

    def release(self, dids_made: int, cause: Cause) -> None:
        """Its wallet is destroyed, having made `dids_made` DIDs in all."""
        if self.wallet is not None:
            self._release(dids_made=dids_made, cause=cause)

    @event(Released)
    def _release(self, dids_made: int, cause: Cause) -> None:
        self.wallet = None
        self.dids_made = dids_made

    class Reclaimed(FleetAggregate.Event):
        wallet: str

    @event(Reclaimed)
    def _reclaim(self, wallet: str, cause: Cause) -> None:
        self.wallet = wallet
