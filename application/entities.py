"""Identity entities for the admin API: made with a wallet (new or shared), an API key shown
once and a PRISM DID; listed, read, resolved and deleted.

A wallet no entity uses any more is destroyed, then its key erased, so its mnemonic and every
private key derived from it are gone. The destruction is saved first: once it is, no entity can
be linked to the wallet, so erasing its key can never take the mnemonic from a wallet in use."""

import asyncio
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from application.consistency import run_command
from application.ports.entities import (
    DecodedDid,
    DidCodec,
    DidKey,
    EntityPage,
    EntityView,
    EntityViews,
    WalletKeys,
    WalletViews,
)
from application.ports.security import BlindIndex, SubjectKeys
from application.ports.storage import AggregateReader, EventWriter, ReadModelSync, StaleWrite
from application.ports.twins import PublicKeys
from domain.causes import Cause
from domain.entities import OWN_WALLET, Entity, EntityGone, EntityRole, check_entity_name
from domain.entity_keys import EntityKey
from domain.errors import InvalidValue
from domain.wallet_seeds import WalletSeed, wallet_seed_id
from domain.wallets import Network, Wallet, WalletGone

KEY_BYTES = 32
"""An entity's API key: 64 hex characters."""
MAX_PAGE = 1000


@dataclass(frozen=True)
class NewEntity:
    name: str
    role: EntityRole
    wallet: UUID | None = None
    mnemonic: str | None = None


@dataclass(frozen=True)
class MadeEntity:
    entity: UUID
    wallet: UUID
    name: str
    role: EntityRole
    created_at: datetime
    key: str
    """The API key, shown this once."""
    address: str
    long_did: str


@dataclass(frozen=True)
class FreshWallet:
    id: UUID
    mnemonic: str
    seed: str
    """The mnemonic's keyed hash: its entry in the index of wallet mnemonics."""
    address: str
    generated: bool
    first_did: list[DidKey]
    """The keys of DID number 0: its first entity's, unless its mnemonic had wallets before."""


def key_lookup(blind: BlindIndex, key: str) -> str:
    return blind.key(f"entity-key:{key}")


class EntityCommands:
    def __init__(
        self,
        reader: AggregateReader,
        writer: EventWriter,
        sync: ReadModelSync,
        wallet_keys: WalletKeys,
        dids: DidCodec,
        blind: BlindIndex,
        subject_keys: SubjectKeys,
        wallets: WalletViews,
        network: Network,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._sync = sync
        self._wallet_keys = wallet_keys
        self._dids = dids
        self._blind = blind
        self._subject_keys = subject_keys
        self._wallets = wallets
        self._network = network

    def check(self, new: NewEntity) -> NewEntity:
        """The request's own faults, before anything is derived or loaded."""
        check_entity_name(new.name)
        if new.role in OWN_WALLET:
            if new.wallet is not None:
                raise InvalidValue(
                    f"a {new.role} gets a wallet of its own: id_wallet is for the roles "
                    "worker, provider and admin",
                    field="id_wallet",
                )
            if new.mnemonic is not None:
                checked = self._wallet_keys.check_mnemonic(new.mnemonic)
                return NewEntity(new.name, new.role, None, checked)
            return new
        if new.wallet is None:
            raise InvalidValue(f"required for the role {new.role}", field="id_wallet")
        if new.mnemonic is not None:
            raise InvalidValue(
                "an existing wallet keeps its own mnemonic: give id_wallet or mnemonic, not both",
                field="mnemonic",
            )
        return new

    async def create(self, new: NewEntity, cause: Cause) -> MadeEntity:
        new = self.check(new)
        entity_id = uuid4()
        key = secrets.token_hex(KEY_BYTES)
        lookup = key_lookup(self._blind, key)
        fresh = None if new.wallet else await asyncio.to_thread(self._fresh_wallet, new.mnemonic)
        ahead = {0: fresh.first_did} if fresh else await self._next_did(self._wallet(new.wallet))

        def command() -> tuple[MadeEntity, list[Aggregate]]:
            changed: list[Aggregate] = []
            if fresh is None:
                wallet = self._wallet(new.wallet)
            else:
                found = self._reader.get(wallet_seed_id(fresh.seed))
                existing = found if isinstance(found, WalletSeed) else None
                self._require_current(existing)
                seed = WalletSeed.claim(existing, fresh.seed, str(fresh.id), cause)
                wallet = Wallet.create(
                    fresh.id,
                    fresh.mnemonic,
                    fresh.address,
                    self._network,
                    fresh.generated,
                    seed.id,
                    seed.dids_made,
                    cause,
                )
                changed.append(seed)
            did_index = wallet.link(str(entity_id), cause)
            did_keys = ahead.get(did_index)
            if did_keys is None:
                assert wallet.mnemonic is not None
                did_keys = self._wallet_keys.did_keys(wallet.mnemonic, did_index)
            long_did = self._dids.long_form(did_keys)
            api_key = EntityKey.issue(str(entity_id), lookup, cause)
            entity = Entity.create(
                entity_id,
                new.name,
                new.role,
                str(wallet.id),
                did_index,
                long_did,
                api_key.id,
                cause,
            )
            made = MadeEntity(
                entity_id,
                wallet.id,
                new.name,
                new.role,
                entity.created_on,
                key,
                wallet.address,
                long_did,
            )
            return made, [*changed, wallet, entity, api_key]

        return await run_command(self._writer, self._sync, command)

    async def delete(self, entity_id: UUID, cause: Cause) -> None:
        """The entity, its API key, and its wallet's link to it; the wallet too once unused.
        Asked again, it erases the key of a wallet destroyed by a delete that stopped short."""
        self._complete(entity_id)

        def command() -> tuple[Wallet | None, list[Aggregate]]:
            entity = self._reader.get(entity_id)
            if not isinstance(entity, Entity) or entity.deleted:
                raise EntityGone("no such entity", field="id_entity")
            entity.delete(cause)
            changed: list[Aggregate] = [entity]
            api_key = self._reader.get(entity.key)
            if isinstance(api_key, EntityKey):
                api_key.revoke(cause)
                changed.append(api_key)
            wallet = self._reader.get(UUID(entity.wallet))
            if not isinstance(wallet, Wallet):
                return None, changed
            wallet.unlink(str(entity_id), cause)
            if wallet.entities:
                return None, [*changed, wallet]
            wallet.destroy(cause)
            seed = self._reader.get(wallet.seed)
            if isinstance(seed, WalletSeed):
                seed.release(wallet.dids_made, cause)
                changed.append(seed)
            return wallet, [*changed, wallet]

        destroyed = await run_command(self._writer, self._sync, command)
        if destroyed is not None:
            self._subject_keys.erase(str(destroyed.id))

    def _fresh_wallet(self, mnemonic: str | None) -> "FreshWallet":
        """A new wallet's derivations (some milliseconds of key stretching), off the event
        loop."""
        words = mnemonic or self._wallet_keys.new_mnemonic()
        return FreshWallet(
            uuid4(),
            words,
            self._blind.key(f"wallet-seed:{words}"),
            self._wallet_keys.address(words, self._network),
            mnemonic is None,
            self._wallet_keys.did_keys(words, 0),
        )

    async def _next_did(self, wallet: Wallet) -> dict[int, list[DidKey]]:
        """The keys of the wallet's next DID, derived off the event loop before the command
        (which derives again only if another entity took that number meanwhile)."""
        assert wallet.mnemonic is not None
        index = wallet.dids_made
        return {index: await asyncio.to_thread(self._wallet_keys.did_keys, wallet.mnemonic, index)}

    def _require_current(self, seed: WalletSeed | None) -> None:
        """A mnemonic's wallet that the read models show destroyed, held by the entry as this
        process last followed it: another process's release has not reached it yet."""
        if (
            seed is not None
            and seed.wallet is not None
            and self._wallets.get(UUID(seed.wallet)) is None
        ):
            raise StaleWrite("the destruction of this mnemonic's wallet has not reached us yet")

    def shred_destroyed(self) -> int:
        """Erase the keys of destroyed wallets a stopped process left; how many."""
        found = self._wallets.unshredded()
        for wallet in found:
            self._subject_keys.erase(str(wallet))
        return len(found)

    def _complete(self, entity_id: UUID) -> None:
        entity = self._reader.get(entity_id)
        if isinstance(entity, Entity) and entity.deleted:
            wallet = self._reader.get(UUID(entity.wallet))
            if isinstance(wallet, Wallet) and wallet.destroyed:
                self._subject_keys.erase(str(wallet.id))

    def _wallet(self, wallet_id: UUID | None) -> Wallet:
        found = None if wallet_id is None else self._reader.get(wallet_id)
        if not isinstance(found, Wallet) or found.destroyed or found.mnemonic is None:
            raise WalletGone("no such wallet", field="id_wallet")
        return found


RESOLUTION_CONTEXT = "https://w3id.org/did-resolution/v1"
DID_CONTEXT = "https://www.w3.org/ns/did/v1"
JWS_2020_CONTEXT = "https://w3id.org/security/suites/jws-2020/v1"
RELATIONSHIPS = {
    "authentication": "authentication",
    "issuing": "assertionMethod",
    "keyAgreement": "keyAgreement",
    "capabilityInvocation": "capabilityInvocation",
    "capabilityDelegation": "capabilityDelegation",
}
"""Each PRISM key usage a DID document lists, by the relationship it serves. Master and
revocation keys only sign updates of the DID itself: the method leaves them out."""
CONTENT_TYPE = 'application/ld+json; profile="https://w3id.org/did-resolution"'


def did_document(did: str, decoded: DecodedDid, keys: PublicKeys) -> dict[str, Any]:
    """As the PRISM method resolves an unpublished long-form DID: the document's ids are the
    DID as given, keys are JsonWebKey2020, and the version is the state's hash."""
    methods = []
    related: dict[str, list[str]] = {name: [] for name in RELATIONSHIPS.values()}
    for key in decoded.keys:
        relationship = RELATIONSHIPS.get(key.usage)
        if relationship is None or key.curve != "secp256k1":
            continue
        method_id = f"{did}#{key.id}"
        methods.append(
            {
                "id": method_id,
                "type": "JsonWebKey2020",
                "controller": did,
                "publicKeyJwk": keys.jwk("Secp256k1", key.public_key),
            }
        )
        related[relationship].append(method_id)
    contexts = [DID_CONTEXT, JWS_2020_CONTEXT] if methods else [DID_CONTEXT]
    document = {"@context": contexts, "id": did, "controller": did, "verificationMethod": methods}
    return {
        "@context": RESOLUTION_CONTEXT,
        "didDocument": {**document, **related, "service": []},
        "didDocumentMetadata": {"deactivated": False, "versionId": decoded.method_id},
        "didResolutionMetadata": {"contentType": CONTENT_TYPE},
    }


@dataclass(frozen=True)
class EntityQueries:
    views: EntityViews
    wallets: WalletViews
    dids: DidCodec
    keys: PublicKeys

    def get(self, entity_id: UUID) -> EntityView:
        found = self.views.get(entity_id)
        if found is None:
            raise EntityGone("no such entity", field="id_entity")
        return found

    def page(self, offset: int, limit: int) -> EntityPage:
        return self.views.page(offset, min(limit, MAX_PAGE))

    def resolution(self, entity_id: UUID) -> dict[str, Any]:
        """The entity's DID resolved from its own state (its hash checked), as a W3C DID
        resolution result."""
        did = self.get(entity_id).long_did
        return did_document(did, self.dids.decode(did), self.keys)
