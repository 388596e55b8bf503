"""Property: whatever the order of publishes, grants and revocations, every stored record's
publisher is the thing its connection authenticated, and a publish is stored exactly when that
thing held m_write at that moment."""

from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interfaces.aggregates import CONNECTIONS
from interfaces.mqtt.packets import Kind, Reason
from tests.helpers import blocking
from tests.integration.test_connections_store import ADMIN, CLI
from tests.integration.test_mqtt_access import connect
from tests.mqtt.conftest import Deployment, Device
from tests.mqtt.raw import RawClient
from tests.mqtt.test_sessions import version

DEVICES = 3


@dataclass(frozen=True)
class Step:
    action: str
    device: int


steps = st.lists(
    st.builds(
        Step,
        st.sampled_from(["publish", "publish", "grant", "revoke"]),
        st.integers(0, DEVICES - 1),
    ),
    max_size=14,
)


@pytest.fixture
def devices(embedded: Deployment) -> list[Device]:
    """The same things for every example (each example gets a fresh channel)."""
    return [embedded.device(f"sequence-secret-{n}") for n in range(DEVICES)]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sequence=steps)
def test_stored_records_are_exactly_the_authorized_publishes_of_their_connection(
    embedded: Deployment, devices: list[Device], sequence: list[Step]
) -> None:
    channel = embedded.channel()
    clients = [_connected(embedded, device) for device in devices]
    granted: set[int] = set()
    expected: list[tuple[str, str, str]] = []
    try:
        for number, step in enumerate(sequence, start=1):
            device = devices[step.device]
            if step.action == "grant":
                connect(embedded.fleet, device.id, channel, "m_write")
                granted.add(step.device)
            elif step.action == "revoke":
                blocking(embedded.fleet[CONNECTIONS].commands).disconnect(
                    ADMIN, [device.id], [channel], CLI
                )
                granted.discard(step.device)
            else:
                client = clients[step.device]
                pack = f'[{{"n":"s{number}","v":{number}}}]'.encode()
                client.publish(f"channels/{channel}/messages", pack, packet_id=number)
                kind, body = client.read()
                assert kind == Kind.PUBACK
                allowed = step.device in granted
                if embedded.v5:
                    reason = body[2] if len(body) > 2 else Reason.SUCCESS
                    assert reason == (Reason.SUCCESS if allowed else Reason.NOT_AUTHORIZED)
                if allowed:
                    expected.append((device.name, "mqtt", f"s{number}"))
    finally:
        for client in clients:
            client.close()
    assert embedded.stored(channel) == expected


def _connected(deployment: Deployment, device: Device) -> RawClient:
    client = RawClient(deployment.port, version(deployment))
    assert client.connect(device.name, device.name, device.secret) == 0
    return client
