"""The embedded broker's CONNECT under the limits on guessing secrets: failed authentications
count against the client's address, which then waits, even with the right secret."""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from interfaces.bootstrap import FleetID, build
from interfaces.mqtt import packets
from tests.conftest import make_settings
from tests.integration.test_mqtt_access import thing
from tests.mqtt.conftest import MqttService
from tests.mqtt.raw import BAD_CREDENTIALS, RawClient

SECRET = "device-secret-4711"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[tuple[FleetID, MqttService]]:
    settings = make_settings(
        tmp_path / "data",
        f"sqlite:///{tmp_path / 'fleetid.db'}",
        mqtt_port=0,
        throttle_client_failures=2,
    )
    fleet = build(settings)
    service = MqttService(fleet)
    try:
        yield fleet, service
    finally:
        service.stop()
        fleet.close()


def connack(port: int, username: str, password: str) -> int:
    client = RawClient(port)
    try:
        return client.connect(username, username, password)
    finally:
        client.close()


def test_a_guessing_address_is_refused_until_its_wait_is_over(
    broker: tuple[FleetID, MqttService],
) -> None:
    fleet, service = broker
    me = str(thing(fleet, SECRET))
    refused = BAD_CREDENTIALS[packets.V311]

    assert connack(service.port, me, "guess-1") == refused
    assert connack(service.port, me, "guess-2") == refused
    assert connack(service.port, me, SECRET) == refused

    time.sleep(fleet.settings.throttle_first_delay)
    assert connack(service.port, me, SECRET) == 0
