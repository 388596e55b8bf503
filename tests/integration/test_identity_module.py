"""The gateway identity commands through the application, the log and the read models, on
SQLite and PostgreSQL: every success and every error acknowledgement, and idempotency."""

import asyncio
import json
import logging
from typing import Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa

from application.identity_module import MAX_PAYLOAD, Ack
from domain.errors import NotFound
from domain.things import Thing
from infrastructure.schema import policies, things
from interfaces.aggregates import THINGS
from interfaces.bootstrap import FleetID
from tests.helpers import blocking
from tests.integration.test_connections_store import ADMIN, CLI, channel
from tests.integration.test_mqtt_access import connect, thing

KEY = "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE="


def send(fleet: FleetID, module: UUID, action: str, payload: Any, **properties: str) -> Ack:
    topic = f"from/module/{module}/action/identity/{action}"
    topic += "".join(f"&{key}={value}" for key, value in properties.items())
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return asyncio.run(fleet.services.identity_module.handle(module, topic, raw))


def logged(fleet: FleetID) -> int:
    return fleet.log.recorder.max_notification_id() or 0


def stored_thing(fleet: FleetID, thing_id: UUID) -> Thing:
    found = fleet.log.repository.get(thing_id)
    assert isinstance(found, Thing)
    return found


def row(fleet: FleetID, thing_id: UUID) -> dict[str, Any] | None:
    query = sa.select(things).where(things.c.id == str(thing_id), things.c.valid_to.is_(None))
    with fleet.engine.connect() as conn:
        found = conn.execute(query).mappings().first()
    return None if found is None else dict(found)


@pytest.fixture
def module(fleet: FleetID) -> UUID:
    return thing(fleet, "gateway-secret-1")


def test_create_answers_after_storing_and_echoes_the_properties(
    fleet: FleetID, module: UUID
) -> None:
    device = uuid4()

    ack = send(
        fleet,
        module,
        "create",
        {"identity": str(device), "publicKey": KEY},
        correlationId="c-1",
        context="ctx",
        target="t",
        ack="all",
    )

    assert ack.topic == f"to/module/{module}/ack/identity/create"
    assert ack.send
    assert ack.payload == {
        "correlationId": "c-1",
        "context": "ctx",
        "target": "t",
        "result": "success",
        "message": "identity created",
        "identity": str(device),
    }
    created = stored_thing(fleet, device)
    assert (created.parent, created.public_key) == (module, KEY)
    stored_row = row(fleet, device)
    assert stored_row is not None
    assert (stored_row["parent"], stored_row["public_key"]) == (str(module), KEY)
    assert fleet[THINGS].queries.get(ADMIN, device).owner == ADMIN.id


def test_a_repeated_correlation_id_changes_nothing_and_gets_the_same_ack(
    fleet: FleetID, module: UUID
) -> None:
    first = send(fleet, module, "create", {"publicKey": KEY}, correlationId="again")
    position = logged(fleet)

    second = send(fleet, module, "create", {"publicKey": KEY}, correlationId="again")
    failed = send(fleet, module, "delete", {"identity": str(module)}, correlationId="no")
    failed_again = send(fleet, module, "delete", {"identity": str(module)}, correlationId="no")

    assert second == first
    assert failed_again == failed
    assert failed.payload["reason"] == "not_behind_module"
    assert logged(fleet) == position + 1


def test_devices_nest_behind_the_module_and_update_and_delete_only_there(
    fleet: FleetID, module: UUID
) -> None:
    hub = UUID(send(fleet, module, "create", {}).payload["identity"])
    sensor = UUID(send(fleet, module, "create", {}, parent=str(hub)).payload["identity"])
    other_module = thing(fleet, "gateway-secret-2")
    foreign = UUID(send(fleet, other_module, "create", {}).payload["identity"])
    assert stored_thing(fleet, sensor).parent == hub

    updated = send(fleet, module, "update", {"identity": str(sensor), "publicKey": KEY})
    assert updated.payload["result"] == "success"
    assert stored_thing(fleet, sensor).public_key == KEY
    own_key = send(fleet, module, "update", {"identity": str(module), "publicKey": KEY})
    assert own_key.payload["result"] == "success"

    def reason(action: str, payload: Any, **properties: str) -> str:
        ack = send(fleet, module, action, payload, **properties)
        assert ack.payload["result"] == "error", ack.payload
        return str(ack.payload["reason"])

    position = logged(fleet)
    assert reason("update", {"identity": str(foreign), "publicKey": KEY}) == "not_behind_module"
    assert reason("update", {"identity": str(sensor)}) == "missing_field"
    assert reason("update", {"identity": str(uuid4()), "publicKey": KEY}) == "unknown_identity"
    assert reason("update", {"identity": str(sensor), "publicKey": ""}) == "invalid_value"
    assert reason("create", {}, parent=str(uuid4())) == "unknown_parent"
    assert reason("create", {}, parent=str(foreign)) == "not_behind_module"
    assert reason("create", {"identity": str(hub)}) == "duplicate_identity"
    assert reason("create", {"identity": "not-a-uuid"}) == "invalid_identity"
    assert reason("create", {}, parent="nope") == "invalid_parent"
    assert reason("delete", {"identity": str(hub)}) == "has_devices"
    assert reason("delete", {"identity": str(foreign)}) == "not_behind_module"
    assert reason("delete", {"identity": str(module)}) == "not_behind_module"
    assert reason("delete", {}) == "missing_field"
    assert logged(fleet) == position

    assert send(fleet, module, "delete", {"identity": str(sensor)}).payload["result"] == "success"
    assert send(fleet, module, "delete", {"identity": str(hub)}).payload["result"] == "success"
    assert stored_thing(fleet, hub).removed
    assert row(fleet, hub) is None
    with pytest.raises(NotFound):
        fleet[THINGS].queries.get(ADMIN, hub)
    assert reason("update", {"identity": str(hub), "publicKey": KEY}) == "unknown_identity"


def test_deleting_a_device_revokes_its_connections_and_frees_its_secret(
    fleet: FleetID, module: UUID
) -> None:
    device = UUID(send(fleet, module, "create", {}).payload["identity"])
    secret = fleet[THINGS].queries.get(ADMIN, device).secret
    c = channel(fleet)
    connect(fleet, device, c, "m_write")
    assert fleet.services.mqtt_access.may_publish(device, f"channels/{c}/messages")

    assert send(fleet, module, "delete", {"identity": str(device)}).payload["result"] == "success"

    live = sa.select(policies).where(
        policies.c.subject == str(device), policies.c.valid_to.is_(None)
    )
    with fleet.engine.connect() as conn:
        assert conn.execute(live).first() is None
    assert not fleet.services.mqtt_access.may_publish(device, f"channels/{c}/messages")
    reused = blocking(fleet[THINGS].commands).change_secret(ADMIN, module, secret, CLI)
    assert reused.id == module


@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [
        ("from/module/{module}/action/identity/rename", b"{}", "unknown_action"),
        ("from/module/{other}/action/identity/create", b"{}", "not_own_module"),
        ("from/module/{module}/action/identity/create&ack", b"{}", "malformed_topic"),
        ("from/module/{module}/action/identity/create&colour=red", b"{}", "malformed_topic"),
        ("from/module/{module}/action/identity/create&ack=some", b"{}", "malformed_topic"),
        ("from/module/{module}/action/identity/create&ack=all&ack=all", b"{}", "malformed_topic"),
        ("from/module/{module}/action/identity", b"{}", "malformed_topic"),
        ("from/module/{module}/action/identity/create", b"{", "malformed_payload"),
        ("from/module/{module}/action/identity/create", b"[]", "malformed_payload"),
        ("from/module/{module}/action/identity/create", b'{"identity": 5}', "malformed_payload"),
        ("from/module/{module}/action/identity/create", b'{"owner": "x"}', "malformed_payload"),
        (
            "from/module/{module}/action/identity/create",
            b"x" * (MAX_PAYLOAD + 1),
            "payload_too_large",
        ),
    ],
)
def test_bad_commands_get_an_error_ack_and_store_nothing(
    fleet: FleetID,
    module: UUID,
    topic: str,
    payload: bytes,
    reason: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    position = logged(fleet)
    caplog.set_level(logging.INFO, logger="application.identity_module")

    ack = asyncio.run(
        fleet.services.identity_module.handle(
            module, topic.format(module=module, other=uuid4()), payload
        )
    )

    assert ack.send
    assert ack.topic.startswith(f"to/module/{module}/ack/identity/")
    assert (ack.payload["result"], ack.payload["reason"]) == ("error", reason)
    assert logged(fleet) == position
    assert f"module {module}: identity" in caplog.text
    assert f"({reason})" in caplog.text


def test_ack_modes_and_a_disabled_module(fleet: FleetID, module: UUID) -> None:
    assert not send(fleet, module, "create", {}, ack="none").send
    assert not send(fleet, module, "create", {}, ack="error").send
    assert send(fleet, module, "create", {"identity": "x"}, ack="error").send

    blocking(fleet[THINGS].commands).disable(ADMIN, module, CLI)
    refused = send(fleet, module, "create", {})
    assert refused.payload["reason"] == "module_disabled"


def test_the_same_command_delivered_twice_at_once_changes_once(
    fleet: FleetID, module: UUID
) -> None:
    """QoS 1 redelivery can overlap the first delivery: one of the two loses the commit race,
    runs again on fresh state, finds the record and answers the same."""
    device = uuid4()
    topic = f"from/module/{module}/action/identity/create&correlationId=twice"
    payload = json.dumps({"identity": str(device)}).encode()
    position = logged(fleet)

    async def both() -> list[Ack]:
        handle = fleet.services.identity_module.handle
        return list(await asyncio.gather(*(handle(module, topic, payload) for _ in range(2))))

    first, second = asyncio.run(both())

    assert first == second
    assert first.payload["result"] == "success"
    assert stored_thing(fleet, device).version == 1
    assert logged(fleet) == position + 3  # the thing, its secret index, the command record
