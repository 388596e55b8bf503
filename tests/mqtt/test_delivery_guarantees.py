"""QoS 1 as devices rely on it: a PUBACK means stored, a retransmission is stored once, and a
graceful stop of FleetID loses nothing it acknowledged."""

import asyncio
from uuid import UUID

import aiomqtt

from interfaces.bootstrap import build
from interfaces.mqtt.packets import Kind
from tests.mqtt.conftest import Deployment, Device, MqttService
from tests.mqtt.raw import RawClient
from tests.mqtt.test_sessions import version
from tests.mqtt.test_telemetry import receive


def connected_writer(deployment: Deployment) -> tuple[Device, UUID, RawClient]:
    """A thing with m_write on a fresh channel, connected over a raw socket."""
    writer = deployment.device("writer-secret-1")
    channel = deployment.channel((writer, "m_write"))
    raw = RawClient(deployment.port, version(deployment))
    assert raw.connect(writer.name, writer.name, writer.secret) == 0
    return writer, channel, raw


def pack(n: int) -> bytes:
    return f'[{{"n":"m{n}","v":{n}}}]'.encode()


def test_a_retransmitted_qos1_publish_is_stored_once(embedded: Deployment) -> None:
    _writer, c, raw = connected_writer(embedded)
    topic = f"channels/{c}/messages"
    raw.publish(topic, pack(1), packet_id=7)
    raw.publish(topic, pack(1), packet_id=7, dup=True)
    raw.publish(topic, pack(2), packet_id=7, dup=True)
    raw.publish(topic, pack(1), packet_id=7)
    acks = [raw.read() for _ in range(4)]
    assert [kind for kind, _ in acks] == [Kind.PUBACK] * 4
    assert [name for _, _, name in embedded.stored(c)] == ["m1", "m2", "m1"]


def test_every_acknowledged_publish_is_stored_though_the_publisher_leaves_at_once(
    embedded: Deployment,
) -> None:
    _writer, c, raw = connected_writer(embedded)
    for n in range(1, 201):
        raw.publish(f"channels/{c}/messages", pack(n), packet_id=n)
    acknowledged = 0
    while acknowledged < 50:
        kind, _ = raw.read()
        assert kind == Kind.PUBACK
        acknowledged += 1
    raw.close()
    restart_broker(embedded)
    stored = [name for _, _, name in embedded.stored(c)]
    assert len(stored) >= acknowledged
    assert stored == [f"m{n}" for n in range(1, len(stored) + 1)]


def restart_broker(embedded: Deployment) -> None:
    """A graceful stop returns once every connection has stored what it read."""
    embedded.service.stop()
    embedded.service = MqttService(embedded.fleet)


def test_a_restart_of_fleetid_loses_no_acknowledged_publish(embedded: Deployment) -> None:
    _writer, c, raw = connected_writer(embedded)
    for n in range(1, 101):
        raw.publish(f"channels/{c}/messages", pack(n), packet_id=n)
    embedded.service.stop()
    acknowledged = []
    while True:
        kind, body = raw.read()
        if kind != Kind.PUBACK:
            break
        acknowledged.append(int.from_bytes(body[:2], "big"))
    restart_fleetid(embedded)
    stored = [name for _, _, name in embedded.stored(c)]
    assert acknowledged == list(range(1, len(acknowledged) + 1))
    assert stored[: len(acknowledged)] == [f"m{n}" for n in acknowledged]


def test_a_will_is_published_as_its_owner_when_the_connection_drops(
    embedded: Deployment,
) -> None:
    device, reader = embedded.device("device-secret-1"), embedded.device("reader-secret-1")
    c = embedded.channel((device, "m_write"), (reader, "m_read"))
    topic = f"channels/{c}/messages"
    will = pack(99)

    async def scenario() -> bytes | None:
        async with embedded.client(reader) as sub:
            await sub.subscribe(topic, qos=1)
            dying = embedded.client(device, will=_will(topic, will))
            await dying.__aenter__()
            dying._client.socket().close()  # type: ignore[union-attr]
            got = await receive(sub, 5.0)
            return bytes(got.payload) if got else None  # type: ignore[arg-type]

    assert asyncio.run(scenario()) == will
    assert embedded.stored(c) == [(device.name, "mqtt", "m99")]


def _will(topic: str, payload: bytes) -> aiomqtt.Will:
    return aiomqtt.Will(topic, payload, qos=1)


def test_a_retransmission_after_a_restart_is_still_recognised(embedded: Deployment) -> None:
    """The PUBACK of a stored publish can be lost with the process that sent it: the device
    then sends the publish again (DUP) to the restarted FleetID."""
    writer, c, raw = connected_writer(embedded)
    topic = f"channels/{c}/messages"
    raw.publish(topic, pack(1), packet_id=9)
    assert raw.read()[0] == Kind.PUBACK
    raw.close()
    embedded.service.stop()
    restart_fleetid(embedded)

    again = RawClient(embedded.port, version(embedded))
    assert again.connect(writer.name, writer.name, writer.secret) == 0
    again.publish(topic, pack(1), packet_id=9, dup=True)
    again.publish(topic, pack(2), packet_id=9, dup=True)
    assert [again.read()[0] for _ in range(2)] == [Kind.PUBACK] * 2
    assert [name for _, _, name in embedded.stored(c)] == ["m1", "m2"]


def restart_fleetid(embedded: Deployment) -> None:
    """After the broker has stopped: a new FleetID on the same data, as a new process has."""
    settings = embedded.fleet.settings
    embedded.fleet.close()
    embedded.fleet = build(settings)
    embedded.service = MqttService(embedded.fleet)


def test_what_mosquitto_acknowledged_while_fleetid_was_away_is_stored_after_its_restart(
    behind_mosquitto: Deployment,
) -> None:
    """Mosquitto acknowledges a device's publish before FleetID has it: it must keep it for
    FleetID's session, across a graceful restart of Mosquitto too."""
    mosquitto = behind_mosquitto.mosquitto
    assert mosquitto is not None
    writer = behind_mosquitto.device("writer-secret-1")
    c = behind_mosquitto.channel((writer, "m_write"))
    behind_mosquitto.service.stop()

    async def publish_all() -> None:
        async with behind_mosquitto.client(writer) as client:
            for n in range(1, 51):
                await client.publish(f"channels/{c}/messages", pack(n), qos=1)

    asyncio.run(publish_all())
    mosquitto.stop()
    mosquitto.start()
    behind_mosquitto.service = MqttService(behind_mosquitto.fleet)
    stored = behind_mosquitto.stored(c, 50)
    assert [name for _, _, name in stored] == [f"m{n}" for n in range(1, 51)]
    assert {publisher for publisher, _, _ in stored} == {writer.name}


def test_a_persistent_session_keeps_its_subscriptions_across_a_restart(
    embedded: Deployment,
) -> None:
    """A device that asked for a session outliving its connection need not subscribe again
    after FleetID restarts (MQTT 3.1.1 clients do not even look at `session present`)."""
    reader, writer = embedded.device("reader-secret-1"), embedded.device("writer-secret-1")
    c = embedded.channel((reader, "m_read"), (writer, "m_write"))
    topic = f"channels/{c}/messages"
    v = version(embedded)
    first = RawClient(embedded.port, v)
    assert first.connect(reader.name, reader.name, reader.secret, session_expiry=3600) == 0
    assert first.subscribe(f"{topic}/#") == 1
    first.close()
    embedded.service.stop()
    restart_fleetid(embedded)

    again = RawClient(embedded.port, v)
    assert again.connect(reader.name, reader.name, reader.secret, session_expiry=3600) == 0
    assert again.session_present
    sender = RawClient(embedded.port, v)
    assert sender.connect(writer.name, writer.name, writer.secret) == 0
    sender.publish(topic, pack(7), packet_id=3)
    assert sender.read()[0] == Kind.PUBACK
    kind, body = again.read()
    assert kind == Kind.PUBLISH
    assert body.endswith(pack(7))


def test_acks_keep_the_order_of_publishes_even_for_a_retransmission(embedded: Deployment) -> None:
    _writer, c, raw = connected_writer(embedded)
    topic = f"channels/{c}/messages"
    raw.publish(topic, pack(1), packet_id=1)
    assert raw.read()[0] == Kind.PUBACK
    raw.publish(topic, pack(2), packet_id=2)
    raw.publish(topic, pack(1), packet_id=1, dup=True)
    acks = [raw.read() for _ in range(2)]
    assert [(kind, int.from_bytes(body[:2], "big")) for kind, body in acks] == [
        (Kind.PUBACK, 2),
        (Kind.PUBACK, 1),
    ]
    assert [name for _, _, name in embedded.stored(c)] == ["m1", "m2"]


def test_a_taken_over_connection_answers_what_it_read_before_it_is_told_to_go(
    embedded: Deployment,
) -> None:
    writer = embedded.device("writer-secret-1")
    c = embedded.channel((writer, "m_write"))
    v = version(embedded)
    first = RawClient(embedded.port, v)
    assert first.connect(writer.name, writer.name, writer.secret) == 0
    for n in range(1, 201):
        first.publish(f"channels/{c}/messages", pack(n), packet_id=n)
    second = RawClient(embedded.port, v)
    assert second.connect(writer.name, writer.name, writer.secret) == 0
    kinds = []
    while (kind := first.read()[0]) != 0:
        kinds.append(kind)
    acknowledged = kinds.count(Kind.PUBACK)
    if embedded.v5:
        assert kinds[-1] == Kind.DISCONNECT
    assert kinds[:acknowledged] == [Kind.PUBACK] * acknowledged
    assert len(embedded.stored(c)) >= acknowledged


def test_a_retained_message_is_stored_once_however_often_fleetid_reconnects(
    behind_mosquitto: Deployment,
) -> None:
    writer = behind_mosquitto.device("writer-secret-1")
    c = behind_mosquitto.channel((writer, "m_write"))

    async def publish_retained() -> None:
        async with behind_mosquitto.client(writer) as client:
            await client.publish(f"channels/{c}/messages", pack(1), qos=1, retain=True)

    asyncio.run(publish_retained())
    assert len(behind_mosquitto.stored(c, 1)) == 1
    for _ in range(2):
        behind_mosquitto.service.stop()
        behind_mosquitto.service = MqttService(behind_mosquitto.fleet)
    publish_marker = pack(2)

    async def publish_after() -> None:
        async with behind_mosquitto.client(writer) as client:
            await client.publish(f"channels/{c}/messages", publish_marker, qos=1)

    asyncio.run(publish_after())
    assert [name for _, _, name in behind_mosquitto.stored(c, 2)] == ["m1", "m2"]
