"""Telemetry over MQTT: stored as HTTP's is, with the connection's identity as publisher, and
delivered to the channel's subscribers; only where the thing holds m_write / m_read."""

import asyncio
import json

import aiomqtt
import paho.mqtt.properties as paho_properties
from litestar.testing import TestClient
from paho.mqtt.packettypes import PacketTypes

from interfaces.rest.app import create_app
from tests.mqtt.conftest import Deployment

PACK = b'[{"bn":"room1:","n":"temp","u":"Cel","v":21.5}]'


async def receive(client: aiomqtt.Client, timeout: float = 2.0) -> aiomqtt.Message | None:
    try:
        async with asyncio.timeout(timeout):
            async for message in client.messages:
                return message
    except TimeoutError:
        return None
    return None


def test_a_publish_is_stored_with_the_connection_as_publisher_and_delivered(
    deployment: Deployment,
) -> None:
    writer, reader = deployment.device("writer-secret-1"), deployment.device("reader-secret-1")
    c = deployment.channel((writer, "m_write"), (reader, "m_read"))

    async def scenario() -> aiomqtt.Message | None:
        async with deployment.client(reader) as sub, deployment.client(writer) as pub:
            await sub.subscribe(f"channels/{c}/messages/#", qos=1)
            await pub.publish(f"channels/{c}/messages/room1", PACK, qos=1)
            return await receive(sub)

    got = asyncio.run(scenario())
    assert got is not None
    assert got.payload == PACK
    assert str(got.topic) == f"channels/{c}/messages/room1"
    assert deployment.stored(c) == [(writer.name, "mqtt", "room1:temp")]


def test_nothing_in_payload_topic_or_properties_changes_the_publisher(
    deployment: Deployment,
) -> None:
    writer, victim = deployment.device("writer-secret-1"), deployment.device("victim-secret-1")
    c = deployment.channel((writer, "m_write"), (victim, "m_write"))
    forged = f'[{{"bn":"{victim.id}:","n":"x","v":1,"publisher":"{victim.id}"}}]'.encode()
    properties = None
    if deployment.v5:
        properties = paho_properties.Properties(PacketTypes.PUBLISH)
        properties.UserProperty = [("publisher", victim.name), ("thing", victim.name)]

    async def scenario() -> None:
        async with deployment.client(writer) as pub:
            topic = f"channels/{c}/messages/{victim.id}"
            await pub.publish(topic, forged, 1, properties=properties)

    asyncio.run(scenario())
    assert deployment.stored(c) == [(writer.name, "mqtt", f"{victim.id}:x")]


def test_publishing_needs_m_write_and_subscribing_m_read(deployment: Deployment) -> None:
    reader, writer = deployment.device("reader-secret-1"), deployment.device("writer-secret-1")
    outsider = deployment.device("outsider-secret-1")
    c = deployment.channel((reader, "m_read"), (writer, "m_write"))
    topic = f"channels/{c}/messages"

    async def scenario() -> tuple[object, object, aiomqtt.Message | None]:
        async with deployment.client(reader) as sub, deployment.client(outsider) as out:
            await sub.subscribe(topic, qos=1)
            await out.publish(topic, PACK, qos=1)
            await sub.publish(topic, PACK, qos=1)
            async with deployment.client(writer) as spy:
                denied = await spy.subscribe(topic, qos=1)
                denied_wildcard = await out.subscribe("channels/+/messages", qos=1)
            return denied, denied_wildcard, await receive(sub, 1.0)

    denied, denied_wildcard, got = asyncio.run(scenario())
    assert got is None
    assert deployment.stored(c) == []
    for answer in (denied, denied_wildcard):
        codes = [getattr(code, "value", code) for code in answer]  # type: ignore[attr-defined]
        assert all(code >= 0x80 for code in codes)


def test_a_module_publishes_and_reads_only_under_its_own_id(deployment: Deployment) -> None:
    module, other = deployment.device("module-secret-1"), deployment.device("other-secret-1")

    async def scenario() -> list[object]:
        async with deployment.client(module) as client:
            answers = []
            for topic_filter in (
                f"to/module/{other.id}/ack/#",
                f"from/module/{module.id}/#",
                "to/module/+/ack/#",
                "#",
            ):
                answers.extend(await client.subscribe(topic_filter, qos=1))
            own = await client.subscribe(f"to/module/{module.id}/ack/#", qos=1)
            return [*answers, *own]

    *refused, own = asyncio.run(scenario())
    assert all(getattr(code, "value", code) >= 0x80 for code in refused)
    assert getattr(own, "value", own) == 1


def test_a_pack_accepted_over_http_reaches_the_channels_mqtt_subscribers(
    deployment: Deployment,
) -> None:
    sender, reader = deployment.device("sender-secret-1"), deployment.device("reader-secret-1")
    c = deployment.channel((sender, "m_write"), (reader, "m_read"))
    pack = [{"bn": "dev:", "bt": 1.7e9, "n": "temp", "u": "Cel", "v": 20}, {"n": "on", "vb": True}]

    async def scenario() -> aiomqtt.Message | None:
        async with deployment.client(reader) as sub:
            await sub.subscribe(f"channels/{c}/messages/#", qos=1)
            with TestClient(create_app(deployment.fleet)) as http:
                answer = await asyncio.to_thread(
                    http.post,
                    f"/http/channels/{c}/messages",
                    content=json.dumps(pack),
                    headers={
                        "Authorization": f"Thing {sender.secret}",
                        "Content-Type": "application/senml+json",
                    },
                )
                assert answer.status_code == 202
            return await receive(sub, 5.0)

    got = asyncio.run(scenario())
    assert got is not None
    assert str(got.topic) == f"channels/{c}/messages"
    assert isinstance(got.payload, bytes)
    assert json.loads(got.payload) == [
        {"n": "dev:temp", "t": 1.7e9, "u": "Cel", "v": 20.0},
        {"n": "dev:on", "t": 1.7e9, "vb": True},
    ]
    assert deployment.stored(c) == [
        (sender.name, "http", "dev:temp"),
        (sender.name, "http", "dev:on"),
    ]
