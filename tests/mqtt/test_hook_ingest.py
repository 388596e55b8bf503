"""FleetID behind a broker that posts its messages to FleetID's hooks (FLEETID_MQTT_INGEST=hooks),
as EMQX and VerneMQ do. Neither runs here, so Mosquitto stands in for the broker's MQTT side:
the gateway subscribes there, FleetID's bridge publishes there, and the hook calls go to the real
HTTP app in the shape docs/mqtt-brokers.md configures. What is checked is FleetID's half: a
command posted to the hook is answered on the gateway's ack topic, also when the bridge was away
when the command came."""

import asyncio
import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import aiomqtt
import pytest
from litestar.testing import TestClient

from interfaces.bootstrap import FleetID, build
from interfaces.rest.app import create_app
from tests.conftest import make_settings
from tests.integration.test_mqtt_access import thing
from tests.mqtt.conftest import Mosquitto, MqttService
from tests.mqtt.test_telemetry import receive

HOOK_SECRET = "hook-shared-secret-2"


@pytest.fixture
def hooked(tmp_path: Path, stamping_plugin: Path) -> Iterator[tuple[FleetID, Mosquitto]]:
    mosquitto = Mosquitto(tmp_path, stamping_plugin)
    settings = make_settings(
        tmp_path / "data",
        f"sqlite:///{tmp_path / 'fleetid.db'}",
        mqtt_url=f"mqtt://fleetid:{uuid4().hex}@127.0.0.1:{mosquitto.port}",
        mqtt_ingest="hooks",
        mqtt_hook_secret=HOOK_SECRET,
    )
    fleet = build(settings)
    fleet.mosquitto_files.write(mosquitto.files)
    mosquitto.start()
    try:
        yield fleet, mosquitto
    finally:
        mosquitto.stop()
        fleet.close()


def post_command(fleet: FleetID, module: str, correlation: str, payload: bytes = b"") -> None:
    topic = f"from/module/{module}/action/identity/create&correlationId={correlation}"
    payload = payload or json.dumps({"identity": str(uuid4())}).encode()
    event = {
        "id": uuid4().hex.upper(),
        "clientid": module,
        "username": module,
        "topic": topic,
        "qos": 1,
        "payload": base64.b64encode(payload).decode(),
    }
    with TestClient(create_app(fleet)) as client:
        response = client.post(
            "/mqtt/emqx/messages", json=event, headers={"Authorization": f"Bearer {HOOK_SECRET}"}
        )
    assert response.json() == {"result": "accepted"}, response.text


def gateway_login(fleet: FleetID, mosquitto: Mosquitto) -> tuple[str, dict[str, str]]:
    """A gateway thing Mosquitto knows, and the aiomqtt options it connects with."""
    secret = "gateway-secret-9"
    module = str(thing(fleet, secret))
    mosquitto.reload(fleet)
    return module, {"identifier": module, "username": module, "password": secret}


def test_acks_of_posted_commands_reach_the_gateway_through_the_broker(
    hooked: tuple[FleetID, Mosquitto],
) -> None:
    fleet, mosquitto = hooked
    module, login = gateway_login(fleet, mosquitto)

    async def gateway(service_running_before: bool) -> list[dict[str, Any]]:
        async with aiomqtt.Client("127.0.0.1", mosquitto.port, clean_session=False, **login) as c:
            await c.subscribe(f"to/module/{module}/ack/#", qos=1)
            service = MqttService(fleet) if service_running_before else None
            await asyncio.to_thread(post_command, fleet, module, "c-1")
            if service is None:
                service = MqttService(fleet)
            try:
                got = await receive(c, 10)
            finally:
                await asyncio.to_thread(service.stop)
        assert got is not None
        assert str(got.topic) == f"to/module/{module}/ack/identity/create"
        assert isinstance(got.payload, bytes)
        return [json.loads(got.payload)]

    for running in (True, False):
        (ack,) = asyncio.run(gateway(running))
        assert (ack["correlationId"], ack["result"]) == ("c-1", "success")
        assert fleet.mqtt_outbox.oldest(10) == []


def test_a_command_that_is_not_utf_8_gets_its_error_ack_through_the_broker(
    hooked: tuple[FleetID, Mosquitto],
) -> None:
    """It used to fail the hook (500), so the broker would post it again and again."""
    fleet, mosquitto = hooked
    module, login = gateway_login(fleet, mosquitto)

    async def gateway() -> list[dict[str, Any]]:
        async with aiomqtt.Client("127.0.0.1", mosquitto.port, **login) as client:
            await client.subscribe(f"to/module/{module}/ack/#", qos=1)
            service = MqttService(fleet)
            try:
                await asyncio.to_thread(post_command, fleet, module, "c-1", b'{"identity":"\xff"}')
                await asyncio.to_thread(post_command, fleet, module, "c-2")
                acks = [await receive(client, 10), await receive(client, 10)]
            finally:
                await asyncio.to_thread(service.stop)
        return [json.loads(ack.payload) for ack in acks if ack and isinstance(ack.payload, bytes)]

    refused, created = asyncio.run(gateway())
    assert (refused["correlationId"], refused["result"]) == ("c-1", "error")
    assert refused["reason"] == "malformed_payload"
    assert (created["correlationId"], created["result"]) == ("c-2", "success")
