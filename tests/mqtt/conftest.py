"""The MQTT conformance suite's deployments: each test runs against every broker FleetID
supports, over MQTT 3.1.1 and 5, with real clients over real sockets."""

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import aiomqtt
import pytest
import sqlalchemy as sa

from interfaces.bootstrap import FleetID, build
from interfaces.mqtt.service import serve_until
from tests.conftest import make_settings
from tests.integration.test_connections_store import channel
from tests.integration.test_mqtt_access import connect, thing

PROTOCOLS = {"mqtt311": aiomqtt.ProtocolVersion.V311, "mqtt5": aiomqtt.ProtocolVersion.V5}


@dataclass(frozen=True)
class Device:
    id: UUID
    secret: str

    @property
    def name(self) -> str:
        return str(self.id)


class EmbeddedBroker:
    """The embedded broker on a free port, in a thread with its own event loop, as
    `fleetid serve` runs it in its own process."""

    def __init__(self, fleet: FleetID) -> None:
        self.fleet = fleet
        self.port = 0
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, daemon=True)
        self._thread.start()
        assert self._ready.wait(30), "the broker did not start"

    def _main(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            await serve_until(self.fleet, self._stop, self._started)

        asyncio.run(main())

    def _started(self, port: int) -> None:
        self.port = port
        self._ready.set()

    def stop(self) -> None:
        """Graceful: what connections have read is stored and acknowledged first."""
        assert self._loop is not None
        assert self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(60)


@dataclass
class Deployment:
    fleet: FleetID
    broker: EmbeddedBroker
    protocol: aiomqtt.ProtocolVersion

    @property
    def port(self) -> int:
        return self.broker.port

    @property
    def v5(self) -> bool:
        return self.protocol == aiomqtt.ProtocolVersion.V5

    def device(self, secret: str) -> Device:
        return Device(thing(self.fleet, secret), secret)

    def channel(self, *grants: tuple[Device, str]) -> UUID:
        made = channel(self.fleet)
        for device, action in grants:
            connect(self.fleet, device.id, made, action)
        return made

    def client(self, who: Device, **options: Any) -> aiomqtt.Client:
        options.setdefault("identifier", who.name)
        options.setdefault("username", who.name)
        options.setdefault("password", who.secret)
        return aiomqtt.Client("127.0.0.1", self.port, protocol=self.protocol, **options)

    def stored(self, channel_id: UUID) -> list[tuple[str, str, str]]:
        """(publisher, protocol, name) of every record stored on the channel, in order."""
        query = sa.text(
            "SELECT publisher, protocol, name FROM messages WHERE channel = :c ORDER BY id"
        )
        with self.fleet.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(query, {"c": str(channel_id)})]


@pytest.fixture(params=list(PROTOCOLS), ids=list(PROTOCOLS))
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    """Tests may replace the broker or the whole FleetID (a restart); what is current at the
    end is stopped."""
    settings = make_settings(tmp_path / "data", f"sqlite:///{tmp_path / 'fleetid.db'}", mqtt_port=0)
    fleet = build(settings)
    running = Deployment(fleet, EmbeddedBroker(fleet), PROTOCOLS[request.param])
    try:
        yield running
    finally:
        running.broker.stop()
        running.fleet.close()
