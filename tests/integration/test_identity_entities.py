"""Identity entities through the admin API, on SQLite and PostgreSQL: the document's example
shapes, wallets made, supplied and shared, the roles' wallet rule, API keys, deletion and the
destruction of unused wallets, reads as of the past, and what the store never holds."""

import asyncio
import base64
import hashlib
import itertools
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from bip_utils import (
    Bech32Encoder,
    Bip32Slip10Secp256k1,
    Bip39SeedGenerator,
    Bip44Changes,
    CardanoIcarusSeedGenerator,
    Cip1852,
    Cip1852Coins,
)
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from litestar.testing import TestClient

from application.admin_access import entity_actor
from domain.causes import Cause, Interface
from infrastructure.prism_dids import PrismDids
from infrastructure.schema import subject_keys
from interfaces.aggregates import ENTITIES, MASS_OPERATIONS
from interfaces.bootstrap import (
    FleetID,
    build,
    ensure_first_admin,
    ensure_wallets_shredded,
    note_admin_key,
)
from interfaces.rest.app import create_app
from tests.api.support import assert_problem
from tests.conftest import ADMIN_API_KEY, make_settings
from tests.integration.test_issuance_secrets_and_watch import everything_stored
from tests.integration.test_twin_operations import run, submit
from tests.twin_keys import MASS, TWINS, create

ADMIN = "/api/v1/admin"
KEY = {"x-admin-api-key": ADMIN_API_KEY}
MNEMONIC = (
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
    "abandon art"
)
"""BIP39's all-zero 256-bit entropy: a valid checksum, known to every wallet."""
MADE_FIELDS = {
    "id_entity",
    "id_wallet",
    "name",
    "role",
    "created_at",
    "key",
    "public_addr",
    "longDid",
}
"""The creation answer's fields, as the document shows them."""
MICROS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
MILLIS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.fixture
def admin(fleet: FleetID) -> Iterator[TestClient[Any]]:
    ensure_first_admin(fleet, Interface.CLI)
    with TestClient(create_app(fleet)) as client:
        yield client


def make(client: TestClient[Any], **body: Any) -> dict[str, Any]:
    answer = client.post(f"{ADMIN}/entity", json=body, headers=KEY)
    assert answer.status_code == 201, answer.text
    made: dict[str, Any] = answer.json()["data"]
    assert answer.headers["location"] == f"{ADMIN}/entity/{made['id_entity']}"
    return made


def test_the_admin_status_names_this_server_and_its_agent(admin: TestClient[Any]) -> None:
    answer = admin.get(ADMIN, headers=KEY)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "data": {
            "isAdmin": True,
            "host": "http://127.0.0.1:8080/",
            "agent": "http://127.0.0.1:8080/",
        }
    }


def test_a_caller_is_made_with_a_wallet_a_key_and_a_did_shaped_as_the_document_shows(
    admin: TestClient[Any],
) -> None:
    made = make(admin, name="snet", role="caller")
    assert set(made) == MADE_FIELDS
    assert (made["name"], made["role"]) == ("snet", "caller")
    assert MILLIS.fullmatch(made["created_at"]), made["created_at"]
    assert re.fullmatch(r"[0-9a-f]{64}", made["key"])
    assert made["public_addr"].startswith("addr_test1")
    decoded = PrismDids().decode(made["longDid"])
    assert [(k.id, k.usage, k.curve) for k in decoded.keys] == [
        ("key-1", "authentication", "secp256k1"),
        ("master0", "master", "secp256k1"),
    ]
    one = admin.get(f"{ADMIN}/entity/{made['id_entity']}", headers=KEY)
    assert one.status_code == 200, one.text
    item = one.json()["data"]
    assert item == {
        "kind": "Entity",
        "self": f"/iam/entities/{made['id_entity']}",
        "id": made["id_entity"],
        "name": "snet",
        "walletId": made["id_wallet"],
        "createdAt": item["createdAt"],
        "updatedAt": item["createdAt"],
    }
    assert MICROS.fullmatch(item["createdAt"]), item
    listed = admin.get(f"{ADMIN}/entities", headers=KEY).json()["data"]
    assert listed == [{**item, "self": ""}]


def test_a_supplied_mnemonic_gives_the_address_and_keys_wallets_derive_from_it(
    admin: TestClient[Any],
) -> None:
    made = make(admin, name="alice", role="caller", mnemonic=MNEMONIC.upper().replace(" ", "  "))
    seed = CardanoIcarusSeedGenerator(MNEMONIC).Generate()
    account = Cip1852.FromSeed(seed, Cip1852Coins.CARDANO_ICARUS_TESTNET).Purpose().Coin()
    payment = account.Account(0).Change(Bip44Changes.CHAIN_EXT).AddressIndex(0)
    stake = account.Account(0).Bip32Object().ChildKey(2).ChildKey(0)
    """CIP-1852's role 2, the stake key: no BIP44 change names it."""
    assert made["public_addr"].startswith("addr_test1")
    assert made["public_addr"] == _base_address(payment, stake)
    body = {"name": "alice again", "role": "caller", "mnemonic": MNEMONIC}
    again = admin.post(f"{ADMIN}/entity", json=body, headers=KEY)
    assert_problem(again, 409, field="mnemonic", error="wallet_exists")


def _base_address(payment: Any, stake: Any) -> str:
    """Cross-checks the library's address with CIP-19's definition, computed here."""

    def key_hash(public: bytes) -> bytes:
        return hashlib.blake2b(public, digest_size=28).digest()

    payment_key = payment.PublicKey().RawCompressed().ToBytes()[1:]
    stake_key = stake.PublicKey().RawCompressed().ToBytes()[1:]
    return str(
        Bech32Encoder.Encode("addr_test", b"\x00" + key_hash(payment_key) + key_hash(stake_key))
    )


@pytest.mark.parametrize(
    ("mnemonic", "why"),
    [
        ("abandon " * 23 + "abandon", "checksum"),
        ("abandon " * 11 + "about", "24 words"),
        ("abandon " * 23 + "zzzz", "words of the BIP39"),
    ],
)
def test_a_mnemonic_that_is_not_24_valid_words_is_refused_and_nothing_is_made(
    admin: TestClient[Any], mnemonic: str, why: str
) -> None:
    answer = admin.post(
        f"{ADMIN}/entity", json={"name": "x", "role": "caller", "mnemonic": mnemonic}, headers=KEY
    )
    problem = assert_problem(answer, 400, field="mnemonic")
    assert why in problem["message"]
    assert admin.get(f"{ADMIN}/entities", headers=KEY).json() == {"data": []}


def test_other_roles_share_a_named_wallet_and_get_dids_of_their_own(admin: TestClient[Any]) -> None:
    caller = make(admin, name="osais", role="caller")
    dids = {caller["longDid"]}
    for role in ("worker", "provider", "admin"):
        made = make(admin, name=f"osais ({role})", role=role, id_wallet=caller["id_wallet"])
        assert made["id_wallet"] == caller["id_wallet"]
        assert made["public_addr"] == caller["public_addr"]
        assert made["longDid"] not in dids
        dids.add(made["longDid"])
    listed = admin.get(f"{ADMIN}/entities", headers=KEY).json()["data"]
    assert [e["name"] for e in listed] == [
        "osais",
        "osais (worker)",
        "osais (provider)",
        "osais (admin)",
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "w", "role": "worker"}, "id_wallet"),
        ({"name": "w", "role": "worker", "id_wallet": ""}, "id_wallet"),
        ({"name": "w", "role": "admin", "id_wallet": "not-a-uuid"}, "id_wallet"),
        (
            {"name": "w", "role": "caller", "id_wallet": "5861593e-ce8d-4243-b4cd-610beb1bba94"},
            "id_wallet",
        ),
        ({"name": "w", "role": "owner"}, "role"),
        ({"name": "", "role": "caller"}, "name"),
        ({"role": "caller"}, "name"),
        ({"name": "w"}, "role"),
    ],
)
def test_a_request_that_breaks_the_roles_rule_is_refused(
    admin: TestClient[Any], body: dict[str, Any], field: str
) -> None:
    answer = admin.post(f"{ADMIN}/entity", json=body, headers=KEY)
    assert_problem(answer, 400, field=field)


def test_a_wallet_that_does_not_exist_is_not_found(admin: TestClient[Any]) -> None:
    body = {"name": "w", "role": "worker", "id_wallet": "5861593e-ce8d-4243-b4cd-610beb1bba94"}
    answer = admin.post(f"{ADMIN}/entity", json=body, headers=KEY)
    assert_problem(answer, 404, field="id_wallet", error="wallet_not_found")


def test_a_mnemonic_beside_an_existing_wallet_is_refused(admin: TestClient[Any]) -> None:
    caller = make(admin, name="c", role="caller")
    body = {"name": "w", "role": "worker", "id_wallet": caller["id_wallet"], "mnemonic": MNEMONIC}
    assert_problem(admin.post(f"{ADMIN}/entity", json=body, headers=KEY), 400, field="mnemonic")


def test_what_clients_send_empty_and_extra_is_taken(admin: TestClient[Any]) -> None:
    made = make(admin, name="e", role="caller", mnemonic="", id_wallet="", age=42)
    assert made["role"] == "caller"


def test_the_entity_key_authenticates_the_entity_and_nothing_else(
    admin: TestClient[Any],
) -> None:
    made = make(admin, name="snet", role="caller")
    me = admin.get("/api/v1/entity/me", headers={"apikey": made["key"]})
    assert me.status_code == 200, me.text
    assert me.json()["data"]["id"] == made["id_entity"]
    assert me.json()["data"]["longDid"] == made["longDid"]
    assert_problem(admin.get("/api/v1/entity/me", headers={"apikey": "0" * 64}), 401)
    assert_problem(admin.get("/api/v1/entity/me"), 401)
    assert_problem(admin.get(ADMIN, headers={"x-admin-api-key": made["key"]}), 401)


def test_deleting_an_entity_ends_it_its_key_and_at_last_its_wallet(
    fleet: FleetID, admin: TestClient[Any]
) -> None:
    caller = make(admin, name="c", role="caller", mnemonic=MNEMONIC)
    worker = make(admin, name="w", role="worker", id_wallet=caller["id_wallet"])
    gone = admin.delete(f"{ADMIN}/entity/{caller['id_entity']}", headers=KEY)
    assert (gone.status_code, gone.json()) == (200, {})
    assert_problem(admin.get(f"{ADMIN}/entity/{caller['id_entity']}", headers=KEY), 404)
    assert_problem(admin.get("/api/v1/entity/me", headers={"apikey": caller["key"]}), 401)
    assert_problem(admin.delete(f"{ADMIN}/entity/{caller['id_entity']}", headers=KEY), 404)
    another = make(admin, name="p", role="provider", id_wallet=caller["id_wallet"])
    assert another["public_addr"] == caller["public_addr"], "the wallet stays while in use"
    for entity in (worker, another):
        assert admin.delete(f"{ADMIN}/entity/{entity['id_entity']}", headers=KEY).status_code == 200
    body = {"name": "late", "role": "worker", "id_wallet": caller["id_wallet"]}
    refused = admin.post(f"{ADMIN}/entity", json=body, headers=KEY)
    assert_problem(refused, 404, field="id_wallet", error="wallet_not_found")
    wallet_id = caller["id_wallet"]
    with fleet.engine.connect() as conn:
        kept = conn.execute(sa.select(subject_keys).where(subject_keys.c.subject == wallet_id))
        assert kept.first() is None, "the wallet's key is erased"
    fleet.keyring.forget(wallet_id)
    wallet = fleet.log.repository.get(UUID(wallet_id))  # the log, not the cache
    assert wallet.destroyed
    assert wallet.mnemonic is None, "read again from the log, the mnemonic is gone"
    brought_again = make(admin, name="back", role="caller", mnemonic=MNEMONIC)
    assert brought_again["public_addr"] == caller["public_addr"]
    made_before = {caller["longDid"], worker["longDid"], another["longDid"]}
    assert brought_again["longDid"] not in made_before, "DIDs are numbered on, never given again"


def test_reads_answer_as_of_a_position(fleet: FleetID, admin: TestClient[Any]) -> None:
    made = make(admin, name="then", role="caller")
    before = fleet.projections.position
    admin.delete(f"{ADMIN}/entity/{made['id_entity']}", headers=KEY)
    path = f"{ADMIN}/entity/{made['id_entity']}"
    assert_problem(admin.get(path, headers=KEY), 404)
    then = admin.get(path, params={"as_of": str(before)}, headers=KEY)
    assert then.status_code == 200, then.text
    assert then.json()["data"]["name"] == "then"
    listed = admin.get(f"{ADMIN}/entities", params={"as_of": str(before)}, headers=KEY)
    assert [e["id"] for e in listed.json()["data"]] == [made["id_entity"]]


def test_the_list_is_paged(admin: TestClient[Any]) -> None:
    names = [f"e{n}" for n in range(5)]
    for name in names:
        make(admin, name=name, role="caller")
    page = admin.get(f"{ADMIN}/entities", params={"offset": 1, "limit": 2}, headers=KEY)
    assert [e["name"] for e in page.json()["data"]] == names[1:3]
    assert_problem(admin.get(f"{ADMIN}/entities", params={"limit": 0}, headers=KEY), 400)


def test_no_mnemonic_seed_or_private_key_is_stored(fleet: FleetID, admin: TestClient[Any]) -> None:
    supplied = make(admin, name="s", role="caller", mnemonic=MNEMONIC)
    make(admin, name="w", role="worker", id_wallet=supplied["id_wallet"])
    generated = make(admin, name="g", role="caller")
    made_here = fleet.log.repository.get(UUID(generated["id_wallet"])).mnemonic
    stored = everything_stored(fleet)
    for mnemonic in (MNEMONIC, made_here):
        for pair in itertools.pairwise(mnemonic.split()):
            assert " ".join(pair).encode() not in stored, "no two words of it in a row"
        for secret in _private_material(mnemonic):
            assert secret not in stored
            assert secret.hex().encode() not in stored
    assert generated["key"].encode() not in stored, "API keys are kept as hashes"


def _private_material(mnemonic: str) -> list[bytes]:
    seed = Bip39SeedGenerator(mnemonic).Generate()
    root = Bip32Slip10Secp256k1.FromSeed(seed)
    keys = [seed, root.PrivateKey().Raw().ToBytes()]
    for did in (0, 1):
        for usage in (1, 4):
            path = f"m/29'/29'/{did}'/{usage}'/0'"
            keys.append(root.DerivePath(path).PrivateKey().Raw().ToBytes())
    icarus = Cip1852.FromSeed(
        CardanoIcarusSeedGenerator(mnemonic).Generate(), Cip1852Coins.CARDANO_ICARUS
    )
    account = icarus.Purpose().Coin().Account(0)
    keys.append(account.Change(Bip44Changes.CHAIN_EXT).AddressIndex(0).PrivateKey().Raw().ToBytes())
    return keys


def test_a_wrong_or_missing_admin_key_does_nothing_and_guesses_are_throttled(
    admin: TestClient[Any],
) -> None:
    body = {"name": "x", "role": "caller"}
    assert_problem(admin.post(f"{ADMIN}/entity", json=body), 401)
    assert_problem(admin.post(f"{ADMIN}/entity", json=body, headers={"x-admin-api-key": "no"}), 401)
    assert admin.get(f"{ADMIN}/entities", headers=KEY).json() == {"data": []}
    statuses = [
        admin.get(ADMIN, headers={"x-admin-api-key": f"guess-{n}"}).status_code for n in range(60)
    ]
    assert statuses[0] == 401
    assert 429 in statuses, "guesses are throttled by client address, as sign-in is"


def test_with_no_admin_key_configured_the_admin_api_is_not_there(
    tmp_path: Any, database_url: str
) -> None:
    fleet = build(make_settings(tmp_path / "off", database_url, admin_api_key=""))
    try:
        with TestClient(create_app(fleet)) as client:
            assert_problem(client.get(ADMIN, headers=KEY), 404)
            assert_problem(client.post(f"{ADMIN}/entity", json={}, headers=KEY), 404)
            not_json = {**KEY, "content-type": "text/plain"}
            assert_problem(client.post(f"{ADMIN}/entity", content=b"{", headers=not_json), 404)
            assert_problem(client.get(f"{ADMIN}/entities", params={"as_of": "zzz"}), 404)
            assert_problem(client.delete(f"{ADMIN}/entity/{UUID(int=1)}", headers=KEY), 404)
            assert "/api/v1/admin" not in str(client.get("/schema/openapi.json").json()["paths"])
    finally:
        fleet.close()


def test_a_rotated_key_works_at_once_and_the_old_one_for_the_grace_period(
    fleet: FleetID, admin: TestClient[Any]
) -> None:
    commands = fleet[ENTITIES].admin_keys
    cause = Cause.system(Interface.CLI)
    new = asyncio.run(commands.rotate(timedelta(seconds=2), cause))
    assert new != ADMIN_API_KEY
    assert admin.get(ADMIN, headers={"x-admin-api-key": new}).status_code == 200
    assert admin.get(ADMIN, headers=KEY).status_code == 200, "within the grace period"
    time.sleep(2.1)
    assert_problem(admin.get(ADMIN, headers=KEY), 401)
    assert admin.get(ADMIN, headers={"x-admin-api-key": new}).status_code == 200
    newer = asyncio.run(commands.rotate(timedelta(0), cause))
    assert_problem(admin.get(ADMIN, headers={"x-admin-api-key": new}), 401)
    assert admin.get(ADMIN, headers={"x-admin-api-key": newer}).status_code == 200


def test_an_entity_owns_the_twins_it_makes_with_its_key(
    fleet: FleetID, admin: TestClient[Any]
) -> None:
    entity = make(admin, name="gateway", role="caller")
    key = {"apikey": entity["key"]}
    operation = submit(admin, key, [create("ent-dev-1"), create("ent-dev-2")])
    run(fleet)
    done = admin.get(f"{MASS}/{operation}", headers=key).json()
    assert done["status"] == "completed", done
    twin = admin.get(f"{TWINS}/ent-dev-1", headers=key)
    assert twin.status_code == 200, twin.text
    assert twin.json()["owner"] == entity["id_entity"]
    listed = admin.get(TWINS, headers=key).json()
    assert [t["objectId"] for t in listed["items"]] == ["ent-dev-1", "ent-dev-2"]
    other = make(admin, name="other", role="caller")
    assert_problem(admin.get(f"{TWINS}/ent-dev-1", headers={"apikey": other["key"]}), 404)
    late = submit(admin, key, [create("ent-dev-3")])
    admin.delete(f"{ADMIN}/entity/{entity['id_entity']}", headers=KEY)
    run(fleet)
    assert_problem(admin.get(TWINS, headers=key), 401)
    owner = make(admin, name="again", role="caller")
    assert_problem(admin.get(f"{MASS}/{late}", headers={"apikey": owner["key"]}), 404)
    results = fleet[MASS_OPERATIONS].queries.get(
        entity_actor(UUID(entity["id_entity"])), UUID(late), 0, 10, None
    )
    assert [item.error_code for item in results.items.items] == ["owner_disabled"]


def test_an_entitys_did_resolves_to_a_document_of_its_authentication_key(
    admin: TestClient[Any],
) -> None:
    made = make(admin, name="did", role="caller", mnemonic=MNEMONIC)
    answer = admin.get(f"{ADMIN}/entity/{made['id_entity']}/did", headers=KEY)
    assert answer.status_code == 200, answer.text
    resolved = answer.json()["data"]
    did = made["longDid"]
    document = resolved["didDocument"]
    assert document["id"] == did
    (method,) = document["verificationMethod"]
    assert method["id"] == document["authentication"][0] == f"{did}#key-1"
    jwk = method["publicKeyJwk"]
    point = b"\x04" + _unpadded(jwk["x"]) + _unpadded(jwk["y"])
    authentication = PrismDids().decode(did).keys[0]
    wanted = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), authentication.public_key)
    assert point == wanted.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    assert resolved["didDocumentMetadata"]["versionId"] == did.split(":")[2]
    assert_problem(admin.get(f"{ADMIN}/entity/{made['id_wallet']}/did", headers=KEY), 404)


def _unpadded(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_a_key_configured_after_a_rotation_retires_the_rotated_keys_for_good(
    fleet: FleetID, admin: TestClient[Any], database_url: str
) -> None:
    """A leak's remedy: configure a new key and restart. A routine rotation later does not
    bring the leaked key back, and going back to the first key does not either."""
    leaked = _rotate(fleet, timedelta(hours=1))
    assert admin.get(ADMIN, headers={"x-admin-api-key": leaked}).status_code == 200
    new_key = "a-new-key-after-a-leak-0123456789"
    with _restarted(fleet, database_url, new_key) as (restarted, client):
        assert client.get(ADMIN, headers={"x-admin-api-key": new_key}).status_code == 200
        assert_problem(client.get(ADMIN, headers={"x-admin-api-key": leaked}), 401)
        assert_problem(client.get(ADMIN, headers=KEY), 401)
        routine = _rotate(restarted, timedelta(0))
        assert client.get(ADMIN, headers={"x-admin-api-key": routine}).status_code == 200
        assert_problem(client.get(ADMIN, headers={"x-admin-api-key": leaked}), 401)
    with _restarted(fleet, database_url, ADMIN_API_KEY) as (_, client):
        assert client.get(ADMIN, headers=KEY).status_code == 200, "the configuration wins"
        for rotated in (leaked, routine):
            assert_problem(client.get(ADMIN, headers={"x-admin-api-key": rotated}), 401)


def test_of_two_rotations_at_once_one_replaces_the_other(
    fleet: FleetID, admin: TestClient[Any]
) -> None:
    commands = fleet[ENTITIES].admin_keys
    cause = Cause.system(Interface.CLI)

    async def both() -> list[str]:
        return list(
            await asyncio.gather(
                commands.rotate(timedelta(0), cause), commands.rotate(timedelta(0), cause)
            )
        )

    keys = asyncio.run(both())
    working = [admin.get(ADMIN, headers={"x-admin-api-key": k}).status_code for k in keys]
    assert sorted(working) == [200, 401]


def _rotate(fleet: FleetID, grace: timedelta) -> str:
    return asyncio.run(fleet[ENTITIES].admin_keys.rotate(grace, Cause.system(Interface.CLI)))


@contextmanager
def _restarted(
    fleet: FleetID, database_url: str, key: str
) -> Iterator[tuple[FleetID, TestClient[Any]]]:
    """Another FleetID on the same database and keys, configured with `key`, as `fleetid
    serve` starts it (noting the key)."""
    settings = make_settings(fleet.settings.data_dir, database_url, admin_api_key=key)
    restarted = build(settings)
    try:
        note_admin_key(restarted)
        with TestClient(create_app(restarted)) as client:
            yield restarted, client
    finally:
        restarted.close()


def test_a_mnemonic_freed_by_another_process_is_taken_at_once(
    fleet: FleetID, admin: TestClient[Any], database_url: str
) -> None:
    """This process follows the other's release of the mnemonic late: the read models tell it
    to look again, rather than answer wallet_exists."""
    made = make(admin, name="first", role="caller", mnemonic=MNEMONIC)
    with _restarted(fleet, database_url, ADMIN_API_KEY) as (_, other):
        body = {"name": "second", "role": "caller", "mnemonic": MNEMONIC}
        refused = other.post(f"{ADMIN}/entity", json=body, headers=KEY)
        assert_problem(refused, 409, error="wallet_exists")
        assert admin.delete(f"{ADMIN}/entity/{made['id_entity']}", headers=KEY).status_code == 200
        again = other.post(f"{ADMIN}/entity", json=body, headers=KEY)
        assert again.status_code == 201, again.text
        assert again.json()["data"]["longDid"] != made["longDid"]


def test_the_admin_reads_document_their_key_and_as_of(admin: TestClient[Any]) -> None:
    assert admin.get(ADMIN, params={"as_of": "1"}, headers=KEY).status_code == 200
    paths = admin.get("/schema/openapi.json").json()["paths"]
    for path in (ADMIN, f"{ADMIN}/entities", f"{ADMIN}/entity/{{id_entity}}"):
        operation = paths[path]["get"]
        assert operation["security"] == [{"AdminApiKey": []}], path
        assert "as_of" in {p["name"] for p in operation["parameters"]}, path
    me = paths["/api/v1/entity/me"]["get"]
    assert me["security"] == [{"EntityApiKey": []}]
    twins = paths["/api/gemini/v1/digital-twins"]["get"]
    assert twins["security"] == [{"BearerToken": []}, {"EntityApiKey": []}]
    assert "as_of" in {p["name"] for p in twins["parameters"]}


def test_a_wallet_destroyed_by_a_process_that_stopped_is_shredded_at_the_next_start(
    fleet: FleetID, admin: TestClient[Any]
) -> None:
    made = make(admin, name="c", role="caller")
    wallet = made["id_wallet"]
    with fleet.engine.connect() as conn:
        wrapped = conn.execute(
            sa.select(subject_keys.c.wrapped_key).where(subject_keys.c.subject == wallet)
        ).scalar_one()
    admin.delete(f"{ADMIN}/entity/{made['id_entity']}", headers=KEY)
    with fleet.engine.begin() as conn:
        conn.execute(subject_keys.insert().values(subject=wallet, wrapped_key=wrapped))
    ensure_wallets_shredded(fleet)
    with fleet.engine.connect() as conn:
        kept = conn.execute(sa.select(subject_keys).where(subject_keys.c.subject == wallet))
        assert kept.first() is None
