"""Identity entities, wallets and admin keys, pure: which keys are in force after rotations,
how wallets hand out DID indexes and when they may be destroyed, what names are taken."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.admin_keys import AdminKeys, Rotation, in_force
from domain.causes import ActorKind, Cause, Interface
from domain.entities import Entity, EntityGone, EntityRole
from domain.errors import InvalidValue
from domain.wallet_seeds import WalletExists, WalletSeed
from domain.wallets import Network, Wallet, WalletGone, WalletInUse

ADMIN = Cause(actor="admin-key", kind=ActorKind.ADMIN_KEY, via=Interface.REST)
SYSTEM = Cause.system(Interface.CLI)
T0 = datetime(2026, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _wallet() -> Wallet:
    return Wallet.create(
        uuid4(), "words " * 24, "addr_test1…", Network.TESTNET, True, uuid4(), 0, ADMIN
    )


def test_the_configured_key_alone_is_in_force_before_any_rotation() -> None:
    assert in_force("k0", None, [], T0) == ["k0"]
    assert in_force("k0", "k0", [], T0) == ["k0"]


def test_a_rotation_keeps_the_keys_it_replaces_until_its_grace_period_ends() -> None:
    rotations = [Rotation("k1", ("k0",), T0 + HOUR)]
    assert in_force("k0", "k0", rotations, T0) == ["k0", "k1"]
    assert in_force("k0", "k0", rotations, T0 + HOUR) == ["k1"], "the end of grace is exclusive"


def test_each_rotation_retires_every_key_in_force_when_it_was_made() -> None:
    record = _record("k0")
    record.rotate("k1", T0 + HOUR, T0, SYSTEM)
    record.rotate("k2", T0 + 2 * HOUR, T0 + HOUR / 2, SYSTEM)
    assert record.rotations[1].replaced == ("k0", "k1")
    assert in_force("k0", "k0", record.rotations, T0 + HOUR / 2) == ["k0", "k1", "k2"]
    assert in_force("k0", "k0", record.rotations, T0 + 3 * HOUR / 2) == ["k1", "k2"]
    assert in_force("k0", "k0", record.rotations, T0 + 2 * HOUR) == ["k2"]


def test_another_configured_key_retires_every_rotated_key_for_good() -> None:
    """After a leak, configuring a new key is enough; a later rotation does not bring a key
    rotated before it back, nor does going back to an earlier configured key."""
    record = _record("k0")
    record.rotate("r1", T0 + HOUR, T0, SYSTEM)
    assert in_force("k9", record.configured, record.rotations, T0) == ["k9"], "not noted yet"
    assert record.configure("k9", SYSTEM)
    assert not record.configure("k9", SYSTEM), "noted once"
    record.rotate("r2", T0, T0, SYSTEM)
    assert in_force("k9", record.configured, record.rotations, T0) == ["r2"]
    assert record.configure("k0", SYSTEM)
    assert in_force("k0", record.configured, record.rotations, T0) == ["k0"]


def test_a_shortened_grace_wins_over_a_longer_one() -> None:
    rotations = [Rotation("k1", ("k0",), T0 + 2 * HOUR), Rotation("k2", ("k0", "k1"), T0)]
    assert in_force("k0", "k0", rotations, T0 + HOUR) == ["k2"]


def _record(configured: str) -> AdminKeys:
    return AdminKeys.open(configured, SYSTEM)


def test_each_entity_linked_to_a_wallet_gets_a_did_index_never_given_before() -> None:
    wallet = _wallet()
    assert wallet.link("e1", ADMIN) == 0
    assert wallet.link("e2", ADMIN) == 1
    wallet.unlink("e2", ADMIN)
    assert wallet.link("e3", ADMIN) == 2, "a deleted entity's DID is not handed out again"
    assert wallet.entities == ("e1", "e3")


def test_a_wallet_in_use_is_not_destroyed_and_a_destroyed_one_takes_no_entity() -> None:
    wallet = _wallet()
    wallet.link("e1", ADMIN)
    with pytest.raises(WalletInUse):
        wallet.destroy(ADMIN)
    wallet.unlink("e1", ADMIN)
    wallet.destroy(ADMIN)
    assert wallet.destroyed
    assert wallet.mnemonic is None
    with pytest.raises(WalletGone):
        wallet.link("e2", ADMIN)


@pytest.mark.parametrize("name", ["", "   ", "a\x00b", "x" * 1025])
def test_an_entity_needs_a_name_of_printable_text(name: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        Entity.create(uuid4(), name, EntityRole.CALLER, "w", 0, "did:prism:x", uuid4(), ADMIN)
    assert refused.value.field == "name"


def test_an_entity_is_deleted_once() -> None:
    entity = Entity.create(uuid4(), "snet", EntityRole.CALLER, "w", 0, "did", uuid4(), ADMIN)
    entity.delete(ADMIN)
    with pytest.raises(EntityGone):
        entity.delete(ADMIN)


def test_a_mnemonic_has_one_wallet_at_a_time_and_its_dids_are_numbered_on() -> None:
    seed = WalletSeed.claim(None, "lookup", "w1", ADMIN)
    with pytest.raises(WalletExists):
        WalletSeed.claim(seed, "lookup", "w2", ADMIN)
    seed.release(3, ADMIN)
    again = WalletSeed.claim(seed, "lookup", "w2", ADMIN)
    assert (again.wallet, again.dids_made) == ("w2", 3)
    wallet = Wallet.create(uuid4(), "w", "a", Network.TESTNET, False, again.id, 3, ADMIN)
    assert wallet.link("e", ADMIN) == 3, "a DID of the destroyed wallet is not given again"
