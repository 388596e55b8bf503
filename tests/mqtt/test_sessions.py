"""Who a connection is, and for how long: no client takes over another's id or session, and
revoking a thing (disable, new secret, disconnect from a channel) reaches its live connection."""

import asyncio

import aiomqtt
import pytest

from interfaces.mqtt import packets
from tests.helpers import blocking
from tests.integration.test_connections_store import ADMIN, CLI
from tests.mqtt.conftest import Deployment
from tests.mqtt.raw import BAD_CREDENTIALS, RawClient
from tests.mqtt.test_telemetry import PACK, receive

BAD_CLIENT_ID = {packets.V311: 2, packets.V5: 0x85}


def version(embedded: Deployment) -> int:
    return packets.V5 if embedded.v5 else packets.V311


def test_no_client_takes_a_live_client_id_without_its_credentials(embedded: Deployment) -> None:
    victim, attacker = embedded.device("victim-secret-1"), embedded.device("attack-secret-1")
    reader = embedded.device("reader-secret-1")
    c = embedded.channel((victim, "m_write"), (reader, "m_read"))
    topic = f"channels/{c}/messages"
    v = version(embedded)

    async def scenario() -> tuple[list[int], aiomqtt.Message | None]:
        async with embedded.client(victim) as live, embedded.client(reader) as sub:
            await sub.subscribe(topic, qos=1)
            codes = []
            for client_id, username, password in (
                (victim.name, victim.name, "wrong-secret-1"),
                (victim.name, victim.name, None),
                (victim.name, None, None),
                (victim.name, attacker.name, attacker.secret),
                (victim.name.upper(), victim.name.upper(), victim.secret),
            ):
                raw = RawClient(embedded.port, v)
                codes.append(raw.connect(client_id, username, password))
                assert raw.closed()
            await live.publish(topic, PACK, qos=1)
            return codes, await receive(sub)

    codes, got = asyncio.run(scenario())
    assert codes[:2] == [BAD_CREDENTIALS[v]] * 2
    assert codes[3] == BAD_CLIENT_ID[v]
    assert all(code != 0 for code in codes)
    assert got is not None
    assert embedded.stored(c) == [(victim.name, "mqtt", "room1:temp")]


def test_the_same_thing_connecting_again_takes_its_session_over(embedded: Deployment) -> None:
    device = embedded.device("device-secret-1")
    v = version(embedded)
    first = RawClient(embedded.port, v)
    assert first.connect(device.name, device.name, device.secret) == 0
    second = RawClient(embedded.port, v)
    assert second.connect(device.name, device.name, device.secret) == 0
    if embedded.v5:
        kind, body = first.read()
        assert (kind, body[0]) == (packets.Kind.DISCONNECT, packets.Reason.SESSION_TAKEN_OVER)
    assert first.closed()
    second.send(packets.frame(packets.Kind.PINGREQ, 0, b""))
    assert second.read()[0] == packets.Kind.PINGRESP


@pytest.mark.parametrize("revoke", ["disable", "change_secret"])
def test_revoking_a_thing_disconnects_its_live_connection(
    embedded: Deployment, revoke: str
) -> None:
    device = embedded.device("device-secret-1")
    v = version(embedded)
    raw = RawClient(embedded.port, v, timeout=10)
    assert raw.connect(device.name, device.name, device.secret) == 0
    things = blocking(embedded.fleet.things)
    if revoke == "disable":
        things.disable(ADMIN, device.id, CLI)
    else:
        things.change_secret(ADMIN, device.id, "device-secret-2", CLI)
    if embedded.v5:
        kind, body = raw.read()
        assert (kind, body[0]) == (packets.Kind.DISCONNECT, packets.Reason.NOT_AUTHORIZED)
    assert raw.closed()
    again = RawClient(embedded.port, v)
    assert again.connect(device.name, device.name, device.secret) == BAD_CREDENTIALS[v]


def test_a_disconnected_channel_stops_reaching_a_live_subscriber_and_publisher(
    embedded: Deployment,
) -> None:
    writer, reader = embedded.device("writer-secret-1"), embedded.device("reader-secret-1")
    other = embedded.device("other-secret-1")
    c = embedded.channel((writer, "m_write"), (reader, "m_read"), (other, "m_read"))
    topic = f"channels/{c}/messages"
    connections = blocking(embedded.fleet.connections)

    async def scenario() -> tuple[aiomqtt.Message | None, aiomqtt.Message | None]:
        async with (
            embedded.client(reader) as sub,
            embedded.client(other) as witness,
            embedded.client(writer) as pub,
        ):
            await sub.subscribe(topic, qos=1)
            await witness.subscribe(topic, qos=1)
            await asyncio.to_thread(connections.disconnect, ADMIN, [reader.id], [c], CLI)
            await asyncio.sleep(1.0)
            await pub.publish(topic, PACK, qos=1)
            assert await receive(witness) is not None
            late = await receive(sub, 1.0)
            await asyncio.to_thread(connections.disconnect, ADMIN, [writer.id], [c], CLI)
            await asyncio.sleep(1.0)
            await pub.publish(topic, PACK, qos=1)
            return late, await receive(witness, 1.0)

    late, after_revoke = asyncio.run(scenario())
    assert late is None
    assert after_revoke is None
    assert embedded.stored(c) == [(writer.name, "mqtt", "room1:temp")]
