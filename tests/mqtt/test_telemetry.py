"""Telemetry over MQTT: stored as HTTP's is, with the connection's identity as publisher, and
delivered to the channel's subscribers; only where the thing holds m_write / m_read."""

import asyncio
import contextlib
import json
import time

import aiomqtt
import paho.mqtt.properties as paho_properties
import sqlalchemy as sa
from litestar.testing import TestClient
from paho.mqtt.packettypes import PacketTypes

from interfaces.mqtt.packets import V5, Prop, Will
from interfaces.rest.app import create_app
from tests.mqtt.conftest import Deployment, Device
from tests.mqtt.raw import RawClient

PACK = b'[{"bn":"room1:","n":"temp","u":"Cel","v":21.5}]'


async def receive(client: aiomqtt.Client, timeout: float = 5.0) -> aiomqtt.Message | None:
    try:
        async with asyncio.timeout(timeout):
            async for message in client.messages:
                return message
    except TimeoutError:
        return None
    return None


async def refused_publish(deployment: Deployment, who: Device, topic: str) -> None:
    """On a connection of its own: 3.1.1 has no negative PUBACK, and Mosquitto closes the
    connection instead."""
    with contextlib.suppress(aiomqtt.MqttError):
        async with deployment.client(who) as client:
            await client.publish(topic, PACK, qos=1)


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
    assert deployment.stored(c, 1) == [(writer.name, "mqtt", "room1:temp")]


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
    assert deployment.stored(c, 1) == [(writer.name, "mqtt", f"{victim.id}:x")]


def test_a_burst_stores_every_valid_pack_and_nothing_of_the_others(
    deployment: Deployment,
) -> None:
    """Packs read from the socket together are carried out together: a bad pack among them
    is refused alone."""
    writer = deployment.device("writer-secret-1")
    c = deployment.channel((writer, "m_write"))
    packs = [
        b"not senml" if n % 7 == 3 else f'[{{"n":"m{n}","v":{n}}}]'.encode() for n in range(300)
    ]

    async def scenario() -> None:
        async with deployment.client(writer) as pub:
            await asyncio.gather(
                *(
                    pub.publish(f"channels/{c}/messages", pack, qos=n % 2)
                    for n, pack in enumerate(packs)
                )
            )

    asyncio.run(scenario())
    valid = {f"m{n}" for n in range(300) if n % 7 != 3}
    assert {name for _, _, name in deployment.stored(c, len(valid))} == valid
    time.sleep(0.2)
    assert len(deployment.stored(c)) == len(valid)


def test_publishing_needs_m_write_and_subscribing_m_read(deployment: Deployment) -> None:
    writer, witness = deployment.device("writer-secret-1"), deployment.device("witness-1")
    outsider, prowler = deployment.device("outsider-1"), deployment.device("prowler-1")
    intruder, lurker = deployment.device("intruder-1"), deployment.device("lurker-1")
    c = deployment.channel((writer, "m_write"), (witness, "m_read"), (lurker, "m_read"))
    topic = f"channels/{c}/messages"

    async def scenario() -> tuple[list[object], list[bool], aiomqtt.Message | None]:
        async with (
            deployment.client(witness) as sub,
            deployment.client(writer) as spy,
            deployment.client(outsider) as stranger,
            deployment.client(prowler) as wildcard,
        ):
            await sub.subscribe(topic, qos=1)
            granted = [
                *await spy.subscribe(topic, qos=1),
                *await stranger.subscribe(topic, qos=1),
                *await wildcard.subscribe("channels/+/messages", qos=1),
            ]
            await refused_publish(deployment, intruder, topic)
            await refused_publish(deployment, lurker, topic)
            got = await receive(sub, 1.0)
            await spy.publish(topic, PACK, qos=1)
            assert await receive(sub) is not None
            leaked = [await receive(c, 0.5) is not None for c in (spy, stranger, wildcard)]
            return granted, leaked, got

    granted, leaked, got = asyncio.run(scenario())
    assert got is None
    assert leaked == [False, False, False]
    assert [name for _, _, name in deployment.stored(c, 1)] == ["room1:temp"]
    if deployment.embedded:
        assert all(getattr(code, "value", code) >= 0x80 for code in granted)


def test_a_module_publishes_and_reads_only_under_its_own_id(deployment: Deployment) -> None:
    module, other = deployment.device("module-secret-1"), deployment.device("other-secret-1")
    forger = deployment.device("forger-secret-1")
    create = f"from/module/{other.id}/action/identity/create&ack=all"

    async def scenario() -> tuple[list[object], aiomqtt.Message | None, list[object]]:
        async with deployment.client(module) as spy, deployment.client(other) as owner:
            await owner.subscribe(f"to/module/{other.id}/ack/#", qos=1)
            granted = []
            for topic_filter in (
                f"to/module/{other.id}/ack/#",
                f"from/module/{other.id}/#",
                "to/module/+/ack/#",
                "#",
            ):
                granted.extend(await spy.subscribe(topic_filter, qos=1))
            await refused_publish(deployment, forger, create)
            forged = await receive(owner, 1.0)
            await owner.publish(create, b"{}", qos=1)
            assert await receive(owner) is not None
            leaked = []
            while (message := await receive(spy, 0.5)) is not None:
                leaked.append(message.topic)
            return granted, forged, leaked

    granted, forged, leaked = asyncio.run(scenario())
    assert forged is None
    assert leaked == []
    if deployment.embedded:
        assert all(getattr(code, "value", code) >= 0x80 for code in granted)


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
    assert deployment.stored(c, 2) == [
        (sender.name, "http", "dev:temp"),
        (sender.name, "http", "dev:on"),
    ]


def test_subtopics_are_kept_alike_over_mqtt_and_http(deployment: Deployment) -> None:
    """A pack keeps its subtopic whichever way it comes, and one sent over HTTP reaches the
    subscribers of that subtopic's topic."""
    sender, reader = deployment.device("sender-secret-1"), deployment.device("reader-secret-1")
    c = deployment.channel((sender, "m_write"), (reader, "m_read"))
    auth = {"Authorization": f"Thing {sender.secret}", "Content-Type": "application/senml+json"}

    async def scenario() -> list[aiomqtt.Message | None]:
        async with deployment.client(reader) as sub, deployment.client(sender) as pub:
            await sub.subscribe(f"channels/{c}/messages/room1/#", qos=1)
            await pub.publish(f"channels/{c}/messages/room1/mqtt", PACK, qos=1)
            over_mqtt = await receive(sub)
            with TestClient(create_app(deployment.fleet)) as http:
                answer = await asyncio.to_thread(
                    http.post, f"/http/channels/{c}/messages/room1/http", content=PACK, headers=auth
                )
                assert answer.status_code == 202, answer.text
            return [over_mqtt, await receive(sub, 5.0)]

    got = asyncio.run(scenario())
    assert [str(m.topic) if m else None for m in got] == [
        f"channels/{c}/messages/room1/mqtt",
        f"channels/{c}/messages/room1/http",
    ]
    assert len(deployment.stored(c, 2)) == 2
    with deployment.fleet.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT protocol, subtopic FROM messages WHERE channel = :c ORDER BY id"),
            {"c": str(c)},
        ).all()
    assert [tuple(row) for row in rows] == [("mqtt", "room1/mqtt"), ("http", "room1/http")]


def test_a_will_cannot_carry_a_forged_publisher_stamp(behind_mosquitto: Deployment) -> None:
    """Mosquitto publishes a will without showing it to the plugin: a stamp forged in a will
    must not pass for the broker's."""
    deployment = behind_mosquitto
    forger, victim = deployment.device("forger-secret-1"), deployment.device("victim-secret-1")
    c = deployment.channel((forger, "m_write"), (victim, "m_write"))
    topic = f"channels/{c}/messages"
    stamp = {Prop.USER_PROPERTY: [("fleetid-publisher", victim.name)]}
    will = Will(topic, b'[{"n":"forged","v":1}]', 1, False, stamp)
    dying = RawClient(deployment.port, V5)
    assert dying.connect(forger.name, forger.name, forger.secret, will=will) == 0
    dying.sock.close()
    time.sleep(1.0)

    async def honest() -> None:
        async with deployment.client(forger) as client:
            await client.publish(topic, PACK, qos=1)

    asyncio.run(honest())
    assert deployment.stored(c, 1) == [(forger.name, "mqtt", "room1:temp")]
