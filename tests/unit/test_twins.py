"""Twins and mass operations, pure: what creating again, adding services and recording chunks
allow; how an item's shape is read; which points each curve's reader refuses."""

from typing import Any

import pytest

from domain.causes import ActorKind, Cause, Interface
from domain.errors import InvalidValue
from domain.mass_operations import ChunkOutOfOrder, MassOperation, OperationStatus
from domain.twins import MAX_SERVICES, IdClash, TooManyServices, Twin, TwinContent
from infrastructure.public_keys import CryptographyKeys
from interfaces.rest.mass_operation_schemas import stored_item
from tests.twin_keys import create, key_entry, key_pair, service

OWNER = Cause(actor="user-1", kind=ActorKind.USER, via=Interface.PROCESS)


def _content(object_id: str = "dev", **given: Any) -> TwinContent:
    item = stored_item(create(object_id, **given))
    return TwinContent(item["objectId"], item["objectType"], item["services"], item["keys"])


def _twin(**given: Any) -> Twin:
    return Twin.create(_content(**given), "user-1", None, "op", 0, OWNER)


def test_a_twin_holds_what_created_it_whatever_its_order_and_whatever_it_gained() -> None:
    pair = key_pair()
    twin = _twin(services=[service("a"), service("b")], keys=[key_entry(pair)])
    assert twin.holds(_content(services=[service("b"), service("a")], keys=[key_entry(pair)]))
    assert twin.holds(_content(services=[service("a")], keys=[key_entry(pair)])), "a part"
    moved = [service("a", "https://elsewhere.example/")]
    assert not twin.holds(_content(services=moved, keys=[key_entry(pair)]))
    assert not twin.holds(_content(services=[service("a"), service("b")]))
    assert not twin.holds(_content(object_type="camera", services=[service("a"), service("b")]))


def test_services_are_added_replaced_in_place_or_left_unchanged() -> None:
    twin = _twin(services=[service("a"), service("b")])
    assert twin.add_services([service("a")], "op", 1, OWNER) == "unchanged"
    assert twin.add_services([service("c")], "op", 2, OWNER) == "added"
    moved = service("a", "https://a.example/")
    assert twin.add_services([moved, service("b")], "op", 3, OWNER) == "replaced"
    assert twin.services == [moved, service("b"), service("c")]
    events = twin.collect_events()
    assert [type(e).__name__ for e in events] == ["Created", "ServicesAdded", "ServicesAdded"]
    assert events[-1].services == [moved], "only what changes is recorded"  # type: ignore[attr-defined]
    assert events[-1].replaced == ["a"]  # type: ignore[attr-defined]


def test_a_twin_holds_at_most_its_services_and_no_service_named_as_a_key() -> None:
    many = [service(f"s{n}") for n in range(MAX_SERVICES)]
    twin = _twin(services=many)
    with pytest.raises(TooManyServices):
        twin.add_services([service("one-more")], "op", 1, OWNER)
    with pytest.raises(IdClash):
        _twin(services=[service("key-1")], keys=[key_entry(key_pair())])
    keyed = _twin(keys=[key_entry(key_pair())])
    with pytest.raises(IdClash) as raised:
        keyed.add_services([service("ok"), service("key-1")], "op", 1, OWNER)
    assert raised.value.field == "services[1].key"


def test_chunks_are_recorded_in_order_each_once_and_the_last_completes() -> None:
    items = [stored_item(create(f"d{n}")) for n in range(5)]
    operation = MassOperation.submit("user-1", False, items, 2, OWNER)
    assert [len(e.items) for e in operation.collect_events()[1:]] == [2, 2, 1]  # type: ignore[attr-defined]

    def result(index: int, ok: bool = True) -> dict[str, Any]:
        return {"index": index, "ok": ok}

    with pytest.raises(ChunkOutOfOrder):
        operation.apply_chunk(0, [result(0)], OWNER)
    operation.start(OWNER)
    operation.apply_chunk(0, [result(0), result(1, False)], OWNER)
    for wrong in (0, 3):
        with pytest.raises(ChunkOutOfOrder):
            operation.apply_chunk(wrong, [result(wrong)], OWNER)
    with pytest.raises(ChunkOutOfOrder):
        operation.apply_chunk(2, [result(2), result(3), result(4), result(5)], OWNER)
    operation.apply_chunk(2, [result(2), result(3), result(4)], OWNER)
    assert operation.status is OperationStatus.COMPLETED_WITH_ERRORS
    assert (operation.succeeded, operation.failed, operation.items) == (4, 1, [])
    with pytest.raises(InvalidValue):
        MassOperation.submit("user-1", False, [], 2, OWNER)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"objectId": ""}, "objectId"),
        ({"objectId": "a/b"}, "objectId"),
        ({"objectId": "x" * 129}, "objectId"),
        ({"objectType": "\x00"}, "objectType"),
        ({"objectType": 7}, "objectType"),
        ({"services": [{"key": "k"}]}, "services[0].uri"),
        ({"services": [{"key": "k", "uri": "a b"}]}, "services[0].uri"),
        ({"services": [service("k"), service("k")]}, "services[1].key"),
        ({"keys": [{"kid": "k", "kms": "local"}]}, "keys[0].publicKeyHex"),
        (
            {"keys": [{"kid": "k", "kms": "local", "publicKeyHex": "0" * 65}]},
            "keys[0].publicKeyHex",
        ),
        ({"keys": "all"}, "keys"),
        ({"operationType": None}, "operationType"),
    ],
)
def test_an_item_of_the_wrong_shape_is_its_own_error_naming_the_field(
    change: dict[str, Any], field: str
) -> None:
    stored = stored_item({**create("dev"), **change})
    assert stored["error"]["field"] == field
    assert stored["error"]["code"] == "invalid_value"
    assert set(stored) <= {"error", "objectId", "operationType"}


def test_an_item_is_stored_without_its_private_keys_and_with_its_keys_typed() -> None:
    k1, ed = key_pair(), key_pair("Ed25519")
    given = create(
        "dev",
        keys=[
            key_entry(
                k1, "a", type=None, publicKeyHex=k1.public_hex.upper(), privateKeyHex=k1.private_hex
            ),
            key_entry(ed, "b", type="", meta=None),
        ],
    )
    stored = stored_item({**given, "extra": {"ignored": True}})
    assert stored["discarded"] == ["keys[0].privateKeyHex"]
    assert [(k["type"], k["publicKeyHex"]) for k in stored["keys"]] == [
        ("Secp256k1", k1.public_hex),
        ("Ed25519", ed.public_hex),
    ]
    assert all("privateKeyHex" not in key for key in stored["keys"])
    assert k1.private_hex not in str(stored)
    assert stored["keys"][1]["algorithms"] == []


@pytest.mark.parametrize("kind", ["Secp256k1", "P-256", "Ed25519"])
def test_each_curves_reader_takes_its_points_and_refuses_others(kind: str) -> None:
    keys = CryptographyKeys()
    pair = key_pair(kind)
    raw = bytes.fromhex(pair.public_hex)
    assert keys.fault(kind, raw) is None
    assert keys.fault(kind, raw[:-1]) is not None
    if kind == "Ed25519":
        small_order = bytes(32)  # the identity's encoding is (0, 1): y = 1 → 01 00…
        assert keys.fault(kind, bytes([1]) + small_order[1:]) is not None
        return
    assert keys.fault(kind, bytes([4]) + bytes([0x11]) * 64) is not None
    compressed = bytes([2 + (raw[-1] & 1)]) + raw[1:33]
    assert keys.fault(kind, compressed) is None
    assert keys.jwk(kind, compressed) == keys.jwk(kind, raw)
    other = "P-256" if kind == "Secp256k1" else "Secp256k1"
    assert keys.fault(other, raw) is not None, "a point of one curve is not one of the other"
