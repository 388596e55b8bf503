"""Digital twins through mass operations, on SQLite and PostgreSQL: the document's example, each
item's own errors beside the items applied, idempotent creates, services added and replaced,
private keys dropped, who sees what, the link to a thing, DID documents, proof of possession
and reads as of the past."""

import asyncio
import base64
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from litestar.testing import TestClient

from application.mass_operations import MAX_UNFINISHED
from domain.causes import Interface
from interfaces.aggregates import MASS_OPERATIONS
from interfaces.bootstrap import FleetID, ensure_first_admin
from interfaces.rest.app import create_app
from tests.api.support import assert_problem
from tests.certificate_manager_document import SEEDS
from tests.helpers import admin_token, bearer, register, sign_in
from tests.integration.test_issuance_secrets_and_watch import everything_stored
from tests.twin_keys import (
    MASS,
    TWINS,
    add_service,
    create,
    key_entry,
    key_pair,
    service,
)

EXAMPLE = SEEDS / "digital-twin-mass-operations-api.txt"
People = dict[str, dict[str, str]]


@pytest.fixture
def twins(fleet: FleetID) -> Iterator[tuple[TestClient[Any], People]]:
    ensure_first_admin(fleet, Interface.CLI)
    with TestClient(create_app(fleet)) as client:
        admin = admin_token(client)
        people = {"admin": bearer(admin)}
        for name in ("alice", "bob"):
            register(client, f"{name}@twins.example", "secret123", token=admin)
            people[name] = bearer(sign_in(client, f"{name}@twins.example", "secret123"))
        yield client, people


def run(fleet: FleetID) -> None:
    """Until no operation has items left: each round applies one chunk of each."""
    operator = fleet[MASS_OPERATIONS].operator
    while asyncio.run(operator.run_once()):
        pass


def submit(client: TestClient[Any], user: dict[str, str], items: Any) -> str:
    answer = client.post(MASS, json=items, headers=user)
    assert answer.status_code == 201, answer.text
    assert set(answer.json()) == {"massOperationId"}
    operation: str = answer.json()["massOperationId"]
    assert answer.headers["location"] == f"{MASS}/{operation}"
    return operation


def results(
    client: TestClient[Any], user: dict[str, str], operation: str, **query: Any
) -> dict[str, Any]:
    answer = client.get(f"{MASS}/{operation}", params={"limit": 1000, **query}, headers=user)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def applied(
    fleet: FleetID, client: TestClient[Any], user: dict[str, str], items: list[Any]
) -> dict[str, Any]:
    operation = submit(client, user, items)
    run(fleet)
    return results(client, user, operation)


def errors(found: dict[str, Any]) -> dict[int, tuple[str, str]]:
    return {
        item["index"]: (item["error"]["code"], item["error"]["field"])
        for item in found["items"]
        if not item["ok"]
    }


def document_example() -> list[dict[str, Any]]:
    """The request body the document shows under its "Base URL", as a client sends it."""
    text = EXAMPLE.read_text()
    shown = text[text.index("Base URL") : text.index("ResponseClear")]
    example: list[dict[str, Any]] = json.loads(shown[shown.index("[\n{") :])
    return example


def test_the_documents_example_creates_its_twin(
    fleet: FleetID, twins: tuple[TestClient[Any], People]
) -> None:
    client, people = twins
    example = document_example()
    operation = submit(client, people["alice"], example)
    waiting = results(client, people["alice"], operation)
    assert (waiting["status"], waiting["total"], waiting["processed"]) == ("pending", 1, 0)
    run(fleet)
    done = results(client, people["alice"], operation)
    assert (done["status"], done["succeeded"], done["failed"]) == ("completed", 1, 0)
    assert done["items"] == [
        {
            "index": 0,
            "objectId": "string",
            "operationType": "createDigitalTwin",
            "ok": True,
            "outcome": "created",
        }
    ]
    twin = client.get(f"{TWINS}/string", headers=people["alice"]).json()
    given = example[0]
    assert (twin["objectId"], twin["objectType"]) == (given["objectId"], given["objectType"])
    assert twin["services"] == given["services"]
    assert twin["keys"] == given["keys"]
    assert twin["did"] == "did:web:127.0.0.1%3A8080:api:gemini:v1:digital-twins:string"


def test_bad_items_fail_alone_and_the_others_are_applied(
    fleet: FleetID, twins: tuple[TestClient[Any], People]
) -> None:
    client, people = twins
    k1, r1, ed = key_pair(), key_pair("P-256"), key_pair("Ed25519")
    off_curve = "04" + "11" * 64
    items: list[Any] = [
        create("ok-0", keys=[key_entry(k1)]),
        create("bad-hex", keys=[key_entry(k1, publicKeyHex="zz" * 33)]),
        create("off-k1", keys=[key_entry(k1, publicKeyHex=off_curve)]),
        create("off-p256", keys=[key_entry(r1, publicKeyHex=off_curve)]),
        create("off-ed", keys=[key_entry(ed, publicKeyHex="02" + "00" * 31)]),
        {**create("unknown-op"), "operationType": "deleteDigitalTwin"},
        {"operationType": "createDigitalTwin", "objectId": "no-type"},
        create("ok-0"),
        add_service("nowhere", [service("http")]),
        {**add_service("ok-0", [service("http")]), "keys": [key_entry(k1)]},
        create("bad-type", keys=[key_entry(k1, type="RSA")]),
        create("ok-1", keys=[key_entry(r1, "a"), key_entry(ed, "b")]),
        create("two-kids", keys=[key_entry(k1), key_entry(r1)]),
        create("clash", services=[service("key-1")], keys=[key_entry(k1)]),
        create("bad/id"),
        create("many", services=[service(f"s{n}") for n in range(65)]),
        {**create("ok-2"), "somethingElse": [1, 2]},
    ]
    found = applied(fleet, client, people["alice"], items)
    assert (found["status"], found["succeeded"], found["failed"]) == (
        "completed_with_errors",
        3,
        len(items) - 3,
    )
    assert errors(found) == {
        1: ("invalid_value", "keys[0].publicKeyHex"),
        2: ("invalid_key", "keys[0].publicKeyHex"),
        3: ("invalid_key", "keys[0].publicKeyHex"),
        4: ("invalid_key", "keys[0].publicKeyHex"),
        5: ("invalid_value", "operationType"),
        6: ("invalid_value", "objectType"),
        7: ("duplicate_object_id", "objectId"),
        8: ("twin_not_found", "objectId"),
        9: ("invalid_value", "keys"),
        10: ("invalid_value", "keys[0].type"),
        12: ("invalid_value", "keys[1].kid"),
        13: ("id_clash", "services[0].key"),
        14: ("invalid_value", "objectId"),
        15: ("invalid_value", "services"),
    }
    assert [i["objectId"] for i in found["items"]][:9] == [
        "ok-0", "bad-hex", "off-k1", "off-p256", "off-ed", "unknown-op", "no-type", "ok-0",
        "nowhere",
    ]  # fmt: skip
    assert found["items"][14]["objectId"] is None, "an objectId that is not one is not echoed"
    listed = client.get(TWINS, params={"limit": 100}, headers=people["alice"]).json()
    assert sorted(t["objectId"] for t in listed["items"]) == ["ok-0", "ok-1", "ok-2"]
    only_errors = results(client, people["alice"], found["massOperationId"], outcome="error")
    assert only_errors["itemsTotal"] == len(items) - 3
    assert all(not item["ok"] for item in only_errors["items"])
    page = results(client, people["alice"], found["massOperationId"], offset=15, limit=1)
    assert [item["index"] for item in page["items"]] == [15]


@pytest.mark.parametrize(
    "body",
    [b"{}", b'"twins"', b"[1]", b"[[]]", b"[]", b"[null]", b"[{}", b'[{"objectId": "\xff"}]', b"7"],
)
def test_a_body_that_is_not_operations_is_refused_whole(
    twins: tuple[TestClient[Any], People], body: bytes
) -> None:
    client, people = twins
    headers = {**people["alice"], "Content-Type": "application/json"}
    assert_problem(client.post(MASS, content=body, headers=headers), 400)
    assert client.get(MASS, headers=people["alice"]).json()["total"] == 0


def test_too_many_items_and_too_many_running_operations_are_refused(
    twins: tuple[TestClient[Any], People],
) -> None:
    client, people = twins
    too_many = b"[" + b",".join([b"{}"] * 100_001) + b"]"
    headers = {**people["alice"], "Content-Type": "application/json"}
    assert_problem(client.post(MASS, content=too_many, headers=headers), 400)
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(
                lambda n: client.post(MASS, json=[create(f"w{n}")], headers=people["alice"]),
                range(MAX_UNFINISHED + 8),
            )
        )
    codes = sorted(answer.status_code for answer in answers)
    assert codes == [201] * MAX_UNFINISHED + [409] * 8, "submitted at once, counted in turn"
    refused = next(answer for answer in answers if answer.status_code == 409)
    assert_problem(refused, 409, error="too_many_operations")
    submit(client, people["bob"], [create("bobs")])


def test_creating_again_changes_nothing_and_other_content_is_the_items_error(
    fleet: FleetID, twins: tuple[TestClient[Any], People]
) -> None:
    client, people = twins
    k1 = key_pair()
    first = create("dev-1", services=[service("a"), service("b")], keys=[key_entry(k1)])
    applied(fleet, client, people["alice"], [first])
    before = client.get(f"{TWINS}/dev-1", headers=people["alice"]).json()
    same = {**first, "services": [service("b"), service("a")]}
    other = create("dev-1", services=[service("a", "https://elsewhere.example/")], keys=[])
    found = applied(fleet, client, people["alice"], [same])
    assert found["items"][0]["outcome"] == "unchanged"
    assert errors(applied(fleet, client, people["alice"], [other])) == {
        0: ("twin_exists", "objectId")
    }
    assert client.get(f"{TWINS}/dev-1", headers=people["alice"]).json() == before
    theirs = applied(fleet, client, people["bob"], [first])
    assert errors(theirs) == {0: ("object_id_taken", "objectId")}
    assert_problem(client.get(f"{TWINS}/dev-1", headers=people["bob"]), 404)
    service_for_bob = applied(fleet, client, people["bob"], [add_service("dev-1", [service("c")])])
    assert errors(service_for_bob) == {0: ("twin_not_found", "objectId")}
    by_admin = applied(fleet, client, people["admin"], [first])
    assert by_admin["items"][0]["outcome"] == "unchanged"


def test_add_service_adds_replaces_or_changes_nothing(
    fleet: FleetID, twins: tuple[TestClient[Any], People]
) -> None:
    client, people = twins
    alice = people["alice"]
    applied(fleet, client, alice, [create("gw", services=[service("a"), service("b")])])
    found = applied(
        fleet,
        client,
        alice,
        [
            add_service("gw", [service("c", "https://c.example/")]),
            add_service("gw", [service("a", "https://a.example/", "moved")]),
            add_service("gw", [service("c", "https://c.example/")]),
            add_service("gw", [service("d")], object_type="gateway"),
        ],
    )
    outcomes = [item.get("outcome") for item in found["items"]]
    assert outcomes == ["added", "replaced", "unchanged", None]
    assert errors(found) == {3: ("object_type_mismatch", "objectType")}
    twin = client.get(f"{TWINS}/gw", headers=alice).json()
    assert twin["services"] == [
        service("a", "https://a.example/", "moved"),
        service("b"),
        service("c", "https://c.example/"),
    ]
    assert twin["updatedAt"] is not None


def test_private_keys_are_dropped_at_once_and_the_result_says_so(
    fleet: FleetID, twins: tuple[TestClient[Any], People]
) -> None:
    client, people = twins
    pairs = [key_pair(), key_pair("P-256"), key_pair("Ed25519")]
    keys = [
        key_entry(pair, f"k{n}", privateKeyHex=pair.private_hex) for n, pair in enumerate(pairs)
    ]
    bad = create("broken", keys=[key_entry(pairs[0], privateKeyHex=pairs[0].private_hex, kms="")])
    found = applied(fleet, client, people["alice"], [create("holder", keys=keys), bad])
    assert found["items"][0]["notes"] == [
        f"keys[{n}].privateKeyHex was discarded: FleetID never keeps a private key"
        for n in range(3)
    ]
    assert found["items"][1]["notes"] == [
        "keys[0].privateKeyHex was discarded: FleetID never keeps a private key"
    ]
    twin = client.get(f"{TWINS}/holder", headers=people["alice"]).json()
    assert all("privateKeyHex" not in key for key in twin["keys"])
    stored = everything_stored(fleet)
    for pair in pairs:
        secret = pair.private_hex
        for form in (secret, secret.upper()):
            assert form.encode() not in stored


def test_twins_and_operations_are_their_owners_and_admins(
    fleet: FleetID, twins: tuple[TestClient[Any], People]
) -> None:
    client, people = twins
    pair = key_pair()
    operation = applied(fleet, client, people["alice"], [create("mine", keys=[key_entry(pair)])])
    applied(fleet, client, people["bob"], [create("bobs", object_type="camera")])
    bob = people["bob"]
    for path in ("mine", "mine/did.json"):
        assert_problem(client.get(f"{TWINS}/{path}", headers=bob), 404)
    body = {"kid": "key-1", "message": "hi", "signature": pair.sign(b"hi").hex()}
    assert_problem(client.post(f"{TWINS}/mine/verify", json=body, headers=bob), 404)
    assert_problem(client.get(f"{MASS}/{operation['massOperationId']}", headers=bob), 404)
    assert [t["objectId"] for t in client.get(TWINS, headers=bob).json()["items"]] == ["bobs"]
    assert client.get(MASS, headers=bob).json()["total"] == 1
    every = client.get(TWINS, headers=people["admin"]).json()
    assert sorted(t["objectId"] for t in every["items"]) == ["bobs", "mine"]
    assert client.get(f"{TWINS}/mine", headers=people["admin"]).status_code == 200
    assert (
        client.get(f"{MASS}/{operation['massOperationId']}", headers=people["admin"]).status_code
        == 200
    )
    assert_problem(client.get(TWINS), 401)
    assert_problem(client.post(MASS, json=[create("anon")]), 401)


def test_an_objectid_that_is_a_uuid_is_kept_for_the_twins_of_the_owners_things(
    fleet: FleetID, twins: tuple[TestClient[Any], People]
) -> None:
    client, people = twins
    made = client.post("/things", json={"name": "meter"}, headers=people["alice"])
    assert made.status_code == 201, made.text
    thing = made.json()["id"]
    nobodys = "0b6f1b1e-8c1a-4a8e-9d55-8e1f0d3b7a21"
    by_bob = applied(fleet, client, people["bob"], [create(thing), create(nobodys)])
    assert errors(by_bob) == {
        0: ("object_id_reserved", "objectId"),
        1: ("object_id_reserved", "objectId"),
    }, "a thing of another's and no thing at all are answered alike"
    linked = applied(fleet, client, people["alice"], [create(thing)])
    assert linked["items"][0]["outcome"] == "created"
    twin = client.get(f"{TWINS}/{thing}", headers=people["alice"]).json()
    assert twin["thingId"] == thing
    spellings = [thing.upper(), thing.replace("-", ""), f"urn:uuid:{thing}"]
    other = applied(fleet, client, people["alice"], [create(name) for name in spellings])
    assert errors(other) == dict.fromkeys(range(3), ("object_id_reserved", "objectId"))
    moved = create(thing, services=[service("mqtt", "mqtts://elsewhere.example")])
    by_admin = applied(fleet, client, people["admin"], [moved, create(f"{thing}-copy")])
    assert errors(by_admin) == {0: ("twin_exists", "objectId")}
    again = applied(fleet, client, people["admin"], [create(thing, services=[])])
    assert again["items"][0]["outcome"] == "unchanged"


def test_a_disabled_owners_items_are_not_applied(
    fleet: FleetID, twins: tuple[TestClient[Any], People]
) -> None:
    client, people = twins
    alice = people["alice"]
    me = client.get("/users/profile", headers=alice).json()["id"]
    operation = submit(client, alice, [create("late-1"), create("late-2")])
    disabled = client.post(f"/users/{me}/disable", headers=people["admin"])
    assert disabled.status_code == 200, disabled.text
    run(fleet)
    found = results(client, people["admin"], operation)
    assert errors(found) == {0: ("owner_disabled", ""), 1: ("owner_disabled", "")}
    assert found["status"] == "completed_with_errors"
    assert_problem(client.get(f"{TWINS}/late-1", headers=people["admin"]), 404)


def test_a_request_sent_again_changes_nothing(
    fleet: FleetID, twins: tuple[TestClient[Any], People]
) -> None:
    client, people = twins
    request = [
        create("again", services=[service("a")], keys=[key_entry(key_pair())]),
        add_service("again", [service("b", "https://b.example/")]),
    ]
    first = applied(fleet, client, people["alice"], request)
    second = applied(fleet, client, people["alice"], request)
    assert [i["outcome"] for i in first["items"]] == ["created", "added"]
    assert [i["outcome"] for i in second["items"]] == ["unchanged", "unchanged"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"objectId": "dev1\n"}, "objectId"),
        ({"objectId": "."}, "objectId"),
        ({"objectId": ".."}, "objectId"),
        ({"objectType": "sensor\n"}, "objectType"),
        ({"services": [service("k\n")]}, "services[0].key"),
        ({"services": [service("k", "https://x/\n")]}, "services[0].uri"),
    ],
)
def test_a_trailing_newline_or_a_dot_segment_is_no_name(
    fleet: FleetID, twins: tuple[TestClient[Any], People], change: dict[str, Any], field: str
) -> None:
    client, people = twins
    found = applied(fleet, client, people["alice"], [{**create("fine"), **change}])
    assert errors(found) == {0: ("invalid_value", field)}
    nul = client.get(TWINS, params={"objectType": "\x00"}, headers=people["alice"])
    assert_problem(nul, 400, field="objectType")


def test_twins_are_listed_in_pages_and_by_object_type(
    fleet: FleetID, twins: tuple[TestClient[Any], People]
) -> None:
    client, people = twins
    items = [create(f"t{n:02}", object_type="camera" if n % 3 else "meter") for n in range(12)]
    applied(fleet, client, people["alice"], items)
    first = client.get(TWINS, params={"limit": 5}, headers=people["alice"]).json()
    rest = client.get(TWINS, params={"offset": 5, "limit": 100}, headers=people["alice"]).json()
    assert (first["total"], len(first["items"]), len(rest["items"])) == (12, 5, 7)
    listed = [t["objectId"] for t in first["items"] + rest["items"]]
    assert listed == [f"t{n:02}" for n in range(12)]
    meters = client.get(TWINS, params={"objectType": "meter"}, headers=people["alice"]).json()
    assert [t["objectId"] for t in meters["items"]] == ["t00", "t03", "t06", "t09"]
    assert_problem(client.get(TWINS, params={"limit": 0}, headers=people["alice"]), 400)


def test_a_twin_is_a_did_document_of_its_keys_and_services(
    fleet: FleetID, twins: tuple[TestClient[Any], People]
) -> None:
    client, people = twins
    k1, r1, ed = key_pair(), key_pair("P-256"), key_pair("Ed25519")
    compressed = k1.private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
    )
    keys = [
        key_entry(k1, "k1"),
        key_entry(r1, "r1", type="Secp256r1"),
        key_entry(ed, "ed"),
        key_entry(k1, "k1c", publicKeyHex=compressed.hex(), type=None),
    ]
    services = [service("mqtt", "mqtts://b.example:8883", "telemetry")]
    applied(fleet, client, people["alice"], [create("dev:01", services=services, keys=keys)])
    document = client.get(f"{TWINS}/dev:01/did.json", headers=people["alice"]).json()
    did = document["id"]
    assert did == "did:web:127.0.0.1%3A8080:api:gemini:v1:digital-twins:dev%3A01"
    methods = {m["id"].split("#")[1]: m for m in document["verificationMethod"]}
    assert set(methods) == {"k1", "r1", "ed", "k1c"}
    assert all(m["controller"] == did and m["type"] == "JsonWebKey2020" for m in methods.values())
    for name, pair, curve in (("k1", k1, "secp256k1"), ("r1", r1, "P-256")):
        numbers = pair.private.public_key().public_numbers()
        jwk = methods[name]["publicKeyJwk"]
        assert (jwk["kty"], jwk["crv"]) == ("EC", curve)
        assert _b64(jwk["x"]) == numbers.x.to_bytes(32, "big")
        assert _b64(jwk["y"]) == numbers.y.to_bytes(32, "big")
    assert methods["k1c"]["publicKeyJwk"] == methods["k1"]["publicKeyJwk"]
    assert methods["ed"]["publicKeyJwk"] == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": base64.urlsafe_b64encode(bytes.fromhex(ed.public_hex)).rstrip(b"=").decode(),
    }
    assert (
        document["authentication"]
        == document["assertionMethod"]
        == [m["id"] for m in document["verificationMethod"]]
    )
    assert document["service"] == [
        {
            "id": f"{did}#mqtt",
            "type": "mqtt",
            "serviceEndpoint": "mqtts://b.example:8883",
            "description": "telemetry",
        }
    ]
    twin = client.get(f"{TWINS}/dev:01", headers=people["alice"]).json()
    assert twin["did"] == did
    assert twin["keys"][3]["type"] == "Secp256k1", "a key without a type is read as the example's"


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_a_signature_proves_who_holds_a_twins_key(
    fleet: FleetID, twins: tuple[TestClient[Any], People]
) -> None:
    client, people = twins
    pairs = {"k1": key_pair(), "r1": key_pair("P-256"), "ed": key_pair("Ed25519")}
    keys = [key_entry(pair, kid) for kid, pair in pairs.items()]
    applied(fleet, client, people["alice"], [create("prover", keys=keys)])
    url = f"{TWINS}/prover/verify"
    algorithms = {"k1": "ES256K", "r1": "ES256", "ed": "EdDSA"}
    for kid, pair in pairs.items():
        signature = pair.sign(b"challenge-42").hex()
        body = {"kid": kid, "message": "challenge-42", "signature": signature}
        answer = client.post(url, json=body, headers=people["alice"])
        assert answer.json() == {"valid": True, "kid": kid, "algorithm": algorithms[kid]}
        forged = {**body, "message": "challenge-43"}
        assert client.post(url, json=forged, headers=people["alice"]).json()["valid"] is False
        other = {**body, "kid": next(k for k in pairs if k != kid)}
        assert client.post(url, json=other, headers=people["alice"]).json()["valid"] is False
    der = pairs["k1"].sign(bytes([0, 255, 7]), der=True).hex()
    for encoding, message in (("hex", "00ff07"), ("base64url", "AP8H")):
        body = {"kid": "k1", "message": message, "signature": der, "encoding": encoding}
        assert client.post(url, json=body, headers=people["alice"]).json()["valid"] is True
    unknown = {"kid": "nope", "message": "x", "signature": "00" * 64}
    assert_problem(client.post(url, json=unknown, headers=people["alice"]), 404, field="kid")
    garbage = {"kid": "k1", "message": "zz", "signature": "00" * 64, "encoding": "hex"}
    assert_problem(client.post(url, json=garbage, headers=people["alice"]), 400, field="message")
    loose = {"kid": "k1", "message": "aGVsbG8!!!?", "signature": der, "encoding": "base64url"}
    assert_problem(client.post(url, json=loose, headers=people["alice"]), 400, field="message")
    odd = {"kid": "k1", "message": "x", "signature": "abc"}
    assert_problem(client.post(url, json=odd, headers=people["alice"]), 400)


def test_reads_answer_as_of_the_past(fleet: FleetID, twins: tuple[TestClient[Any], People]) -> None:
    client, people = twins
    alice = people["alice"]
    before = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    created = applied(fleet, client, alice, [create("old", services=[service("a")])])
    between = str(fleet.projections.position)
    applied(fleet, client, alice, [add_service("old", [service("a", "https://new.example/")])])
    answer = client.get(f"{TWINS}/old", params={"as_of": between}, headers=alice)
    assert answer.status_code == 200, answer.text
    past = answer.json()
    assert past["services"] == [service("a")]
    now = client.get(f"{TWINS}/old", headers=alice).json()
    assert now["services"] == [service("a", "https://new.example/")]
    assert_problem(client.get(f"{TWINS}/old", params={"as_of": before}, headers=alice), 404)
    document = client.get(f"{TWINS}/old/did.json", params={"as_of": between}, headers=alice)
    assert document.json()["service"][0]["serviceEndpoint"] == "mqtts://broker.example:8883"
    listed = client.get(TWINS, params={"as_of": before}, headers=alice).json()
    assert listed["total"] == 0
    operation = created["massOperationId"]
    then = client.get(f"{MASS}/{operation}", params={"as_of": before}, headers=alice)
    assert_problem(then, 404)
    assert client.get(MASS, params={"as_of": between}, headers=alice).json()["total"] == 1
    verify = client.post(f"{TWINS}/old/verify?as_of=1", json={}, headers=alice)
    assert_problem(verify, 400, field="as_of")


def test_an_operation_run_again_applies_nothing_twice(
    fleet: FleetID, twins: tuple[TestClient[Any], People]
) -> None:
    client, people = twins
    operation = submit(client, people["alice"], [create(f"r{n}") for n in range(5)])
    run(fleet)
    position = fleet.projections.position
    run(fleet)
    assert fleet.projections.position == position, "a finished operation records nothing more"
    found = results(client, people["alice"], operation)
    assert [i["index"] for i in found["items"]] == list(range(5))
    assert (found["succeeded"], found["status"]) == (5, "completed")
