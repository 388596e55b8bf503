"""Whatever a client sends, the broker answers with a refusal, logs it, stores nothing and
keeps serving everyone else."""

import asyncio
import struct
from collections.abc import Callable
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interfaces.mqtt import packets
from interfaces.mqtt.packets import Kind, Reason
from tests.helpers import incompressible_name, refuse_name
from tests.mqtt.conftest import Deployment, Device
from tests.mqtt.raw import RawClient, connect_packet
from tests.mqtt.test_sessions import version


def connected(embedded: Deployment, who: Device) -> RawClient:
    raw = RawClient(embedded.port, version(embedded))
    assert raw.connect(who.name, who.name, who.secret) == 0
    return raw


def puback_reason(raw: RawClient) -> int:
    kind, body = raw.read()
    assert kind == Kind.PUBACK
    return body[2] if len(body) > 2 else Reason.SUCCESS


def test_refused_publishes_are_answered_and_store_nothing(embedded: Deployment) -> None:
    writer = embedded.device("writer-secret-1")
    c = embedded.channel((writer, "m_write"))
    raw = connected(embedded, writer)
    cases = [
        ("channels/not-a-uuid/messages", b'[{"n":"x","v":1}]', Reason.NOT_AUTHORIZED),
        (f"channels/{c}/messages", b'[{"n":"x","v":', Reason.PAYLOAD_FORMAT_INVALID),
        (f"channels/{c}/messages", b'[{"n":"x"}]', Reason.PAYLOAD_FORMAT_INVALID),
        (f"channels/{c}/messages", b"\xff\xfe", Reason.PAYLOAD_FORMAT_INVALID),
        (f"channels/{c}/messages", b'{"n":"x","v":1}', Reason.PAYLOAD_FORMAT_INVALID),
        (f"channels/{c.hex}/messages", b'[{"n":"x","v":1}]', Reason.NOT_AUTHORIZED),
        (f"channels/{str(c).upper()}/messages", b'[{"n":"x","v":1}]', Reason.NOT_AUTHORIZED),
        ("things/anything", b"hello", Reason.NOT_AUTHORIZED),
        (f"from/module/{c}/action/identity/create", b"{}", Reason.NOT_AUTHORIZED),
    ]
    for packet_id, (topic, payload, reason) in enumerate(cases, start=1):
        raw.publish(topic, payload, packet_id=packet_id)
        expected = reason if embedded.v5 else Reason.SUCCESS
        assert puback_reason(raw) == expected, topic
    raw.publish(f"channels/{c}/messages", b'[{"n":"ok","v":1}]', packet_id=99)
    assert puback_reason(raw) == Reason.SUCCESS
    assert embedded.stored(c) == [(writer.name, "mqtt", "ok")]


NESTED = b"[" * 2000 + b"]" * 2000
POISON = [
    b'[{"n":"\xff","v":1}]',
    b'[{"n":"x","vs":"\xc3"}]',
    NESTED,
    b'[{"n":"x","v":1,"x_":' + NESTED + b"}]",
    b'[{"n":"' + incompressible_name(3000).encode() + b'","v":1}]',
    b'[{"bn":"' + b"a" * 200 + b'","n":"' + b"b" * 200 + b'","v":1}]',
    b'[{"n":"x","u":"' + b"u" * 3000 + b'","v":1}]',
    b'[{"n":"x","vs":"' + b"s" * 20_000 + b'"}]',
]
"""Payloads whose handling used to fail (invalid UTF-8, deep nesting) or whose records break a
database limit (a name too long for PostgreSQL's index rows): each must be refused, once."""


def test_poison_payloads_are_answered_once_and_the_connection_stays_up(
    embedded_on_each_database: Deployment,
) -> None:
    running = embedded_on_each_database
    writer = running.device("writer-secret-1")
    c = running.channel((writer, "m_write"))
    raw = connected(running, writer)
    for packet_id, payload in enumerate(POISON, start=1):
        raw.publish(f"channels/{c}/messages", payload, packet_id=packet_id)
        expected = Reason.PAYLOAD_FORMAT_INVALID if running.v5 else Reason.SUCCESS
        assert puback_reason(raw) == expected, payload[:40]
    command = f"from/module/{writer.name}/action/identity/create&correlationId=c-1"
    raw.publish(command, b'{"identity":"\xff"}', packet_id=90)
    assert puback_reason(raw) == Reason.SUCCESS
    raw.publish(f"channels/{c}/messages", b'[{"n":"ok","v":1}]', packet_id=99)
    assert puback_reason(raw) == Reason.SUCCESS
    assert running.stored(c) == [(writer.name, "mqtt", "ok")]


def test_a_pack_the_database_refuses_is_answered_and_the_connection_stays_up(
    embedded_on_each_database: Deployment,
) -> None:
    running = embedded_on_each_database
    refuse_name(running.fleet, "refused")
    writer = running.device("writer-secret-1")
    c = running.channel((writer, "m_write"))
    raw = connected(running, writer)
    raw.publish(f"channels/{c}/messages", b'[{"n":"refused","v":1}]', packet_id=1)
    assert puback_reason(raw) == (Reason.UNSPECIFIED if running.v5 else Reason.SUCCESS)
    raw.publish(f"channels/{c}/messages", b'[{"n":"ok","v":1}]', packet_id=2)
    assert puback_reason(raw) == Reason.SUCCESS
    assert running.stored(c) == [(writer.name, "mqtt", "ok")]


def publish(topic: str, qos: int) -> Callable[[int], bytes]:
    return lambda v: packets.publish(packets.Publish(topic, b"[]", qos, packet_id=1), v)


BROKEN: dict[str, tuple[Callable[[int], bytes], Reason]] = {
    "wildcard-topic": (publish("bad/+/topic", 1), Reason.TOPIC_NAME_INVALID),
    "empty-topic": (publish("", 0), Reason.TOPIC_NAME_INVALID),
    "qos2": (publish("a", 2), Reason.QOS_NOT_SUPPORTED),
    "qos3": (
        lambda v: packets.frame(Kind.PUBLISH, 0x06, b"\x00\x01a\x00\x01\x00"),
        Reason.MALFORMED_PACKET,
    ),
    "subscribe-flags": (
        lambda v: packets.frame(Kind.SUBSCRIBE, 0, b"\x00\x01\x00\x00\x01a\x00"),
        Reason.MALFORMED_PACKET,
    ),
    "second-connect": (lambda v: connect_packet("x", "x", "x", v), Reason.PROTOCOL_ERROR),
    "too-large": (lambda v: bytes([0x30]) + packets.varint(10_000_000), Reason.PACKET_TOO_LARGE),
    "long-length": (lambda v: b"\x30\xff\xff\xff\xff", Reason.MALFORMED_PACKET),
    "auth": (lambda v: bytes([0xF0, 0]), Reason.PROTOCOL_ERROR),
    "pubrel": (lambda v: packets.ack(Kind.PUBREL, 1, v), Reason.PROTOCOL_ERROR),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_packet_ends_that_connection_only(embedded: Deployment, case: str) -> None:
    data, reason = BROKEN[case]
    writer = embedded.device("writer-secret-1")
    raw = connected(embedded, writer)
    raw.send(data(version(embedded)))
    if embedded.v5:
        kind, body = raw.read()
        assert kind == Kind.DISCONNECT
        assert body[0] == reason
    assert raw.closed()
    connected(embedded, writer).close()


def test_connects_that_are_not_mqtt_3_1_1_or_5_are_refused(embedded: Deployment) -> None:
    device = embedded.device("device-secret-1")
    old = RawClient(embedded.port)
    body = struct.pack("!H", 6) + b"MQIsdp" + bytes([3, 0xC2]) + struct.pack("!H", 60)
    old.send(packets.frame(Kind.CONNECT, 0, body + b"\x00\x01x"))
    assert old.read() == (Kind.CONNACK, b"\x00\x01")
    assert old.closed()
    not_connect = RawClient(embedded.port)
    not_connect.send(packets.frame(Kind.PINGREQ, 0, b""))
    assert not_connect.closed()
    raw = RawClient(embedded.port, version(embedded))
    raw.send(connect_packet(device.name, device.name, device.secret, version(embedded))[:-3])
    raw.sock.shutdown(1)
    assert raw.closed()


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(garbage=st.binary(min_size=1, max_size=300))
def test_random_bytes_after_connect_never_take_the_broker_down(
    embedded: Deployment, garbage: bytes
) -> None:
    device = embedded.device(f"fuzz-{uuid4()}")
    raw = connected(embedded, device)
    raw.send(garbage)
    raw.sock.settimeout(0.1)
    raw.closed()
    raw.close()
    connected(embedded, device).close()


def test_a_session_holds_at_most_a_hundred_topic_filters(embedded: Deployment) -> None:
    reader = embedded.device("reader-secret-1")
    c = embedded.channel((reader, "m_read"))
    raw = connected(embedded, reader)
    codes = [raw.subscribe(f"channels/{c}/messages/{n}", packet_id=n + 1) for n in range(101)]
    assert codes[:100] == [1] * 100
    assert codes[100] == (Reason.QUOTA_EXCEEDED if embedded.v5 else 0x80)
    assert raw.subscribe(f"channels/{c}/messages/0", packet_id=200) == 1


def test_bad_payloads_through_mosquitto_are_dropped_and_ingest_goes_on(
    behind_mosquitto: Deployment,
) -> None:
    """Mosquitto acknowledges before FleetID sees the payload: FleetID drops what is not a
    SenML pack (with a log line), acknowledges it to Mosquitto so it is not delivered again,
    and keeps taking in what follows (more poison than the broker's in-flight window, 20)."""
    refuse_name(behind_mosquitto.fleet, "refused")
    writer = behind_mosquitto.device("writer-secret-1")
    c = behind_mosquitto.channel((writer, "m_write"))
    topic = f"channels/{c}/messages"

    async def scenario() -> None:
        async with behind_mosquitto.client(writer) as client:
            bad = (b'[{"n":"x","v":', b"\xff\xfe", b'[{"n":"x"}]', b"{}", b"x" * 70_000)
            for payload in (*bad, *POISON * 4, *[b'[{"n":"refused","v":1}]'] * 24):
                await client.publish(topic, payload, qos=1)
            await client.publish(topic, b'[{"n":"ok","v":1}]', qos=1)

    asyncio.run(scenario())
    assert behind_mosquitto.stored(c, 1) == [(writer.name, "mqtt", "ok")]
