"""Property: whatever mass operations are submitted (items valid and not, objectIds colliding
within and across requests and owners, chunks cut anywhere, an owner's operations waiting
together), the twins' read model ends equal to a plain model that applies the valid items one
by one, in order. Owners' operations take turns by the chunk, so the test lets one owner's
operations finish before another's are submitted. A create of an objectId
that an earlier item of the same request creates is not valid (the document's duplicates)."""

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from application.twin_operator import MassOperator
from domain.causes import Interface
from infrastructure.public_keys import CryptographyKeys
from interfaces.aggregates import (
    ENTITY_VIEWS,
    MASS_OPERATION_VIEWS,
    THING_VIEWS,
    TWIN_VIEWS,
    USER_VIEWS,
)
from interfaces.bootstrap import FleetID, ensure_first_admin
from interfaces.rest.app import create_app
from tests.helpers import admin_token, bearer, register, sign_in
from tests.twin_keys import MASS, key_entry, key_pair

PAIRS = [key_pair(), key_pair("Ed25519")]
OFF_CURVE = "04" + "11" * 64
NAMES = ("a", "b", "c")
TYPES = ("meter", "meter", "camera")
SERVICE_KEYS = ("mqtt", "http", "coap")
URIS = ("mqtts://one.example", "https://two.example/")


@dataclass
class ModelTwin:
    owner: str
    object_type: str
    services: dict[str, str] = field(default_factory=dict)
    """key → uri, in the order added (a replaced one keeps its place)."""
    keys: list[str] = field(default_factory=list)


def apply_one(model: dict[str, ModelTwin], owner: str, item: dict[str, Any], valid: bool) -> None:
    """The rules, item by item: a create makes a twin unless its objectId has one; an
    addService of the twin's owner, with the twin's type, adds or replaces services."""
    if not valid:
        return
    name = item["objectId"]
    services = {s["key"]: s["uri"] for s in item["services"]}
    twin = model.get(name)
    if item["operationType"] == "createDigitalTwin":
        if twin is None:
            keys = [k["publicKeyHex"] for k in item["keys"]]
            model[name] = ModelTwin(owner, item["objectType"], services, keys)
    elif twin is not None and twin.owner == owner and twin.object_type == item["objectType"]:
        twin.services.update(services)


@st.composite
def items(draw: st.DrawFn, prefix: str) -> tuple[dict[str, Any], bool]:
    """An item and whether its content is valid (a second create of an objectId in one
    request, whatever became of the first, is the test's to find)."""
    kind = draw(st.sampled_from(["createDigitalTwin", "addService", "renameTwin"]))
    chosen = draw(st.lists(st.sampled_from(SERVICE_KEYS), min_size=0, max_size=3, unique=True))
    services = [{"key": k, "uri": draw(st.sampled_from(URIS))} for k in chosen]
    item: dict[str, Any] = {
        "operationType": kind,
        "objectId": prefix + draw(st.sampled_from(NAMES)),
        "objectType": draw(st.sampled_from(TYPES)),
        "services": services,
    }
    valid = kind != "renameTwin"
    if kind == "createDigitalTwin":
        broken = draw(st.booleans())
        pair = draw(st.sampled_from(PAIRS))
        key = key_entry(pair, publicKeyHex=OFF_CURVE) if broken else key_entry(pair)
        item["keys"] = [key]
        valid = not broken
    elif kind == "addService" and not services:
        valid = False
    return item, valid


@pytest.fixture
def world(fleet: FleetID) -> Iterator[tuple[TestClient[Any], dict[str, dict[str, str]]]]:
    ensure_first_admin(fleet, Interface.CLI)
    with TestClient(create_app(fleet)) as client:
        admin = admin_token(client)
        people = {}
        for name in ("ann", "ben"):
            register(client, f"{name}@model.example", "secret123", token=admin)
            people[name] = bearer(sign_in(client, f"{name}@model.example", "secret123"))
        yield client, people


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), chunk=st.integers(1, 4))
def test_the_twins_end_as_the_valid_items_applied_one_by_one(
    fleet: FleetID,
    world: tuple[TestClient[Any], dict[str, dict[str, str]]],
    data: st.DataObject,
    chunk: int,
) -> None:
    client, people = world
    prefix = f"{uuid.uuid4().hex[:8]}-"
    operator = MassOperator(
        fleet.log,
        fleet.writer,
        fleet.projections,
        fleet[MASS_OPERATION_VIEWS],
        fleet[TWIN_VIEWS],
        fleet[THING_VIEWS],
        fleet[USER_VIEWS],
        fleet[ENTITY_VIEWS],
        CryptographyKeys(),
        chunk=chunk,
    )
    model: dict[str, ModelTwin] = {}
    requests = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from(sorted(people)), st.lists(items(prefix), min_size=1, max_size=6)
            ),
            min_size=1,
            max_size=4,
        )
    )
    waiting = None
    for owner, request in requests:
        if owner != waiting:
            while asyncio.run(operator.run_once()):
                pass
        waiting = owner
        answer = client.post(MASS, json=[item for item, _ in request], headers=people[owner])
        assert answer.status_code == 201, answer.text
        created: set[str] = set()
        for item, valid in request:
            again = item["operationType"] == "createDigitalTwin" and item["objectId"] in created
            if item["operationType"] == "createDigitalTwin":
                created.add(item["objectId"])
            apply_one(model, owner, item, valid and not again)
    while asyncio.run(operator.run_once()):
        pass

    owners = {
        name: client.get("/users/profile", headers=headers).json()["id"]
        for name, headers in people.items()
    }
    views = fleet[TWIN_VIEWS]
    for name in NAMES:
        found = views.get(prefix + name)
        expected = model.get(prefix + name)
        if expected is None:
            assert found is None, name
            continue
        assert found is not None, name
        assert str(found.owner) == owners[expected.owner]
        assert found.object_type == expected.object_type
        assert [(s["key"], s["uri"]) for s in found.services] == list(expected.services.items())
        assert [k["publicKeyHex"] for k in found.keys] == expected.keys
