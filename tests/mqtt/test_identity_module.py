"""Gateways manage the devices behind them over MQTT: each command is answered on the module's
ack topic once its events are stored, errors included, and a repeat gets the same answer."""

import asyncio
import json
from typing import Any
from uuid import uuid4

import aiomqtt
import sqlalchemy as sa

from interfaces.aggregates import THINGS
from tests.integration.test_connections_store import ADMIN
from tests.mqtt.conftest import Deployment, Device
from tests.mqtt.test_telemetry import receive

KEY = "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE="


async def command(
    client: aiomqtt.Client,
    module: Device,
    action: str,
    payload: bytes,
    wait: float = 3.0,
    **properties: str,
) -> tuple[str, dict[str, Any]] | None:
    topic = f"from/module/{module.id}/action/identity/{action}"
    topic += "".join(f"&{key}={value}" for key, value in properties.items())
    await client.publish(topic, payload, qos=1)
    got = await receive(client, wait)
    if got is None:
        return None
    assert isinstance(got.payload, bytes)
    return str(got.topic), json.loads(got.payload)


def test_create_update_delete_are_answered_after_they_are_stored(deployment: Deployment) -> None:
    module = deployment.device("gateway-secret-1")
    device = uuid4()
    acks = f"to/module/{module.id}/ack"
    body = json.dumps({"identity": str(device), "publicKey": KEY}).encode()

    async def scenario() -> list[tuple[str, dict[str, Any]] | None]:
        async with deployment.client(module) as client:
            await client.subscribe(f"{acks}/#", qos=1)
            created = await command(
                client, module, "create", body, correlationId="c-1", context="ctx", target="t"
            )
            assert deployment.fleet[THINGS].queries.get(ADMIN, device).parent == module.id
            repeated = await command(
                client, module, "create", body, correlationId="c-1", context="ctx", target="t"
            )
            updated = await command(client, module, "update", body, correlationId="c-2")
            deleted = await command(
                client, module, "delete", json.dumps({"identity": str(device)}).encode()
            )
            return [created, repeated, updated, deleted]

    created, repeated, updated, deleted = asyncio.run(scenario())
    assert created == (
        f"{acks}/identity/create",
        {
            "correlationId": "c-1",
            "context": "ctx",
            "target": "t",
            "result": "success",
            "message": "identity created",
            "identity": str(device),
        },
    )
    assert repeated == created
    assert updated is not None
    assert updated[1]["result"] == "success"
    assert deleted is not None
    assert (deleted[0], deleted[1]["result"]) == (f"{acks}/identity/delete", "success")


def test_bad_commands_get_an_error_ack_with_a_reason(deployment: Deployment) -> None:
    module = deployment.device("gateway-secret-1")
    acks = f"to/module/{module.id}/ack/identity"
    cases: list[tuple[str, bytes, dict[str, str], str, str]] = [
        ("create", b"{not json", {}, "create", "malformed_payload"),
        ("create", b"{}", {"parent": str(uuid4())}, "create", "unknown_parent"),
        ("create", b"{}", {"parent": "not-a-uuid"}, "create", "invalid_parent"),
        (
            "update",
            json.dumps({"identity": str(uuid4()), "publicKey": KEY}).encode(),
            {},
            "update",
            "unknown_identity",
        ),
        (
            "delete",
            json.dumps({"identity": str(module.id)}).encode(),
            {},
            "delete",
            "not_behind_module",
        ),
        ("rename", b"{}", {}, "error", "unknown_action"),
        ("create", b"x" * 20_000, {}, "create", "payload_too_large"),
        ("create", b'{"identity":"\xff"}', {}, "create", "malformed_payload"),
    ]

    async def scenario() -> list[tuple[str, dict[str, Any]] | None]:
        async with deployment.client(module) as client:
            await client.subscribe(f"{acks}/#", qos=1)
            return [
                await command(client, module, action, payload, **properties)
                for action, payload, properties, _, _ in cases
            ]

    answers = asyncio.run(scenario())
    for (action, _, _, topic_action, reason), answer in zip(cases, answers, strict=True):
        assert answer is not None, action
        assert answer[0] == f"{acks}/{topic_action}"
        assert (answer[1]["result"], answer[1]["reason"]) == ("error", reason)
    assert deployment.fleet[THINGS].queries.get(ADMIN, module.id).parent is None


def test_ack_none_sends_nothing_and_ack_error_only_failures(deployment: Deployment) -> None:
    module = deployment.device("gateway-secret-1")

    async def scenario() -> list[object]:
        async with deployment.client(module) as client:
            await client.subscribe(f"to/module/{module.id}/ack/#", qos=1)
            return [
                await command(client, module, "create", b"{}", 1.0, ack="none"),
                await command(client, module, "create", b"{}", 1.0, ack="error"),
                await command(client, module, "create", b"{bad", ack="error"),
            ]

    quiet, quiet_success, failure = asyncio.run(scenario())
    assert quiet is None
    assert quiet_success is None
    assert isinstance(failure, tuple)
    assert failure[1]["result"] == "error"
    query = sa.text("SELECT count(*) FROM things WHERE parent = :p AND valid_to IS NULL")
    with deployment.fleet.engine.connect() as conn:
        assert conn.execute(query, {"p": str(module.id)}).scalar() == 2
