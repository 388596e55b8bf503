"""Who a connection is, and for how long: no client takes over another's id or session, and
revoking a thing (disable, new secret, disconnect from a channel) reaches its live connection."""

import asyncio

import aiomqtt
import pytest

from interfaces.aggregates import CONNECTIONS, THINGS
from interfaces.mqtt import packets
from tests.helpers import blocking
from tests.integration.test_connections_store import ADMIN, CLI
from tests.mqtt.conftest import Deployment
from tests.mqtt.raw import BAD_CREDENTIALS, RawClient
from tests.mqtt.test_telemetry import PACK, receive

BAD_CLIENT_ID = {packets.V311: 2, packets.V5: 0x85}


def version(deployment: Deployment) -> int:
    return packets.V5 if deployment.v5 else packets.V311


def test_no_client_takes_a_live_client_id_without_its_credentials(deployment: Deployment) -> None:
    victim, attacker = deployment.device("victim-secret-1"), deployment.device("attack-secret-1")
    reader = deployment.device("reader-secret-1")
    c = deployment.channel((victim, "m_write"), (reader, "m_read"))
    topic = f"channels/{c}/messages"
    v = version(deployment)

    async def scenario() -> tuple[list[int], aiomqtt.Message | None]:
        async with deployment.client(victim) as live, deployment.client(reader) as sub:
            await sub.subscribe(topic, qos=1)
            codes = []
            for client_id, username, password in (
                (victim.name, victim.name, "wrong-secret-1"),
                (victim.name, victim.name, None),
                (victim.name, None, None),
                (victim.name, attacker.name, attacker.secret),
                (victim.name.upper(), victim.name.upper(), victim.secret),
            ):
                raw = RawClient(deployment.port, v)
                codes.append(raw.connect(client_id, username, password))
                if codes[-1]:
                    assert raw.closed()
                raw.close()
            await live.publish(topic, PACK, qos=1)
            return codes, await receive(sub, 5.0)

    codes, got = asyncio.run(scenario())
    assert codes[:3] != [0, 0, 0]
    assert codes[3:] != [0, 0]
    if deployment.embedded:
        assert codes[:2] == [BAD_CREDENTIALS[v]] * 2
        assert codes[3] == BAD_CLIENT_ID[v]
        assert all(code != 0 for code in codes)
    else:
        assert codes[3] == 0, "Mosquitto takes the client id to be the username: the attacker's"
    assert got is not None
    assert deployment.stored(c) == [(victim.name, "mqtt", "room1:temp")]


def test_the_same_thing_connecting_again_takes_its_session_over(deployment: Deployment) -> None:
    device = deployment.device("device-secret-1")
    v = version(deployment)
    first = RawClient(deployment.port, v)
    assert first.connect(device.name, device.name, device.secret) == 0
    second = RawClient(deployment.port, v)
    assert second.connect(device.name, device.name, device.secret) == 0
    if deployment.v5 and deployment.embedded:
        kind, body = first.read()
        assert (kind, body[0]) == (packets.Kind.DISCONNECT, packets.Reason.SESSION_TAKEN_OVER)
    assert first.closed()
    second.send(packets.frame(packets.Kind.PINGREQ, 0, b""))
    assert second.read()[0] == packets.Kind.PINGRESP


@pytest.mark.parametrize("revoke", ["disable", "change_secret"])
def test_revoking_a_thing_disconnects_its_live_connection(
    deployment: Deployment, revoke: str
) -> None:
    device = deployment.device("device-secret-1")
    v = version(deployment)
    raw = RawClient(deployment.port, v, timeout=10)
    assert raw.connect(device.name, device.name, device.secret) == 0
    things = blocking(deployment.fleet[THINGS].commands)
    if revoke == "disable":
        things.disable(ADMIN, device.id, CLI)
    else:
        things.change_secret(ADMIN, device.id, "device-secret-2", CLI)
    deployment.settle(kicks=True)
    if deployment.v5:
        kind, body = raw.read()
        assert kind == packets.Kind.DISCONNECT
        assert body[0] >= 0x80
    assert raw.closed()
    again = RawClient(deployment.port, v)
    refused = again.connect(device.name, device.name, device.secret)
    assert refused == BAD_CREDENTIALS[v] if deployment.embedded else refused != 0


def test_a_disconnected_channel_stops_reaching_a_live_subscriber_and_publisher(
    deployment: Deployment,
) -> None:
    writer, reader = deployment.device("writer-secret-1"), deployment.device("reader-secret-1")
    other = deployment.device("other-secret-1")
    c = deployment.channel((writer, "m_write"), (reader, "m_read"), (other, "m_read"))
    topic = f"channels/{c}/messages"
    connections = blocking(deployment.fleet[CONNECTIONS].commands)

    async def scenario() -> tuple[aiomqtt.Message | None, aiomqtt.Message | None]:
        async with (
            deployment.client(reader) as sub,
            deployment.client(other) as witness,
            deployment.client(writer) as pub,
        ):
            await sub.subscribe(topic, qos=1)
            await witness.subscribe(topic, qos=1)
            await asyncio.to_thread(connections.disconnect, ADMIN, [reader.id], [c], CLI)
            await asyncio.to_thread(deployment.settle)
            await asyncio.sleep(0.5)
            await pub.publish(topic, PACK, qos=1)
            assert await receive(witness) is not None
            late = await receive(sub, 1.0)
            await asyncio.to_thread(connections.disconnect, ADMIN, [writer.id], [c], CLI)
            await asyncio.to_thread(deployment.settle)
            await asyncio.sleep(0.5)
            await pub.publish(topic, PACK, qos=1)
            return late, await receive(witness, 1.0)

    late, after_revoke = asyncio.run(scenario())
    assert late is None
    assert after_revoke is None
    assert deployment.stored(c) == [(writer.name, "mqtt", "room1:temp")]
