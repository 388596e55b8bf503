"""The MQTT conformance suite's deployments: each test runs against every broker FleetID
supports, over MQTT 3.1.1 and 5, with real clients over real sockets."""

import asyncio
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import aiomqtt
import pytest
import sqlalchemy as sa

from interfaces.bootstrap import FleetID, build
from interfaces.mqtt.service import serve_until
from tests.conftest import make_settings
from tests.helpers import free_port
from tests.integration.test_connections_store import channel
from tests.integration.test_mosquitto_files import installed
from tests.integration.test_mqtt_access import connect, thing

PLUGIN = Path(__file__).parents[2] / "infrastructure" / "mosquitto" / "fleetid_publisher.c"
PROTOCOLS = {"mqtt311": aiomqtt.ProtocolVersion.V311, "mqtt5": aiomqtt.ProtocolVersion.V5}


@dataclass(frozen=True)
class Device:
    id: UUID
    secret: str

    @property
    def name(self) -> str:
        return str(self.id)


class MqttService:
    """FleetID's MQTT side (the embedded broker on a free port, or the bridge to the broker
    FLEETID_MQTT_URL names) in a thread with its own event loop, as `fleetid serve` runs it
    in a process of its own."""

    def __init__(self, fleet: FleetID) -> None:
        self.fleet = fleet
        self.port = 0
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, daemon=True)
        self._thread.start()
        assert self._ready.wait(30), "the MQTT service did not start"

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


class Mosquitto:
    """A Mosquitto of the test's own on a free port, set up as docs/mqtt-brokers.md says: the
    password and ACL files FleetID writes, the stamping plugin, client id = username."""

    def __init__(self, directory: Path, plugin: Path) -> None:
        self.port = free_port()
        self.files = directory / "mqtt"
        self.files.mkdir()
        self.pid_file = directory / "mosquitto.pid"
        self.log = directory / "mosquitto.log"
        self._config = directory / "mosquitto.conf"
        self._config.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous false\n"
            f"password_file {self.files / 'passwords'}\n"
            f"acl_file {self.files / 'acl'}\n"
            f"plugin {plugin}\n"
            f"plugin_opt_kick_file {self.files / 'kick'}\n"
            f"plugin_opt_stamp_file {self.files / 'stamp'}\n"
            "use_username_as_clientid true\n"
            "max_queued_messages 0\n"
            "persistence true\n"
            f"persistence_location {directory}/\n"
            f"log_dest file {self.log}\n"
            "log_type all\n"
            f"pid_file {self.pid_file}\n" + ("user root\n" if os.geteuid() == 0 else "")
        )
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(
            [installed("mosquitto"), "-c", str(self._config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("mosquitto did not start")

    def reload(self, fleet: FleetID, kicks: bool = False) -> None:
        """Write the files now, signal Mosquitto, and wait until it has read them. FleetID's
        own sync writes them too, about 0.2 s after each change, but does not signal here:
        Mosquitto 2.0.11 can crash when a reload meets a client connecting, so reloads happen
        only when a test is ready for one. With `kicks`, first wait for the sync to list the
        revoked things in the kick file (only it writes that file)."""
        deadline = time.monotonic() + 5
        kick = self.files / "kick"
        while kicks and not (kick.exists() and kick.read_text()) and time.monotonic() < deadline:
            time.sleep(0.02)
        reloads = self._reloads()
        fleet.mosquitto_files.write(self.files)
        assert self._process is not None
        self._process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 5
        while self._reloads() == reloads and time.monotonic() < deadline:
            time.sleep(0.01)

    def _reloads(self) -> int:
        return self.log.read_text().count("Reloading config") if self.log.exists() else 0

    def stop(self) -> None:
        """Gracefully: Mosquitto saves its sessions and queued messages first."""
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
            self._process = None


@pytest.fixture(scope="session")
def stamping_plugin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The broker plugin, built as .ci/run and the Mosquitto image build it."""
    compiler = installed("gcc")
    if not Path("/usr/include/mosquitto_broker.h").exists():
        message = "Mosquitto's plugin headers are missing (Debian package mosquitto-dev)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    target = tmp_path_factory.mktemp("plugin") / "fleetid_publisher.so"
    subprocess.run(
        [compiler, "-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-o", str(target), str(PLUGIN)],
        check=True,
    )
    return target


@dataclass
class Deployment:
    fleet: FleetID
    service: MqttService
    protocol: aiomqtt.ProtocolVersion
    mosquitto: Mosquitto | None = None

    @property
    def port(self) -> int:
        return self.mosquitto.port if self.mosquitto else self.service.port

    @property
    def embedded(self) -> bool:
        return self.mosquitto is None

    def settle(self, kicks: bool = False) -> None:
        """Let the broker see the registry as it is now (with `kicks`, after a revocation that
        must close live connections)."""
        if self.mosquitto is not None:
            self.mosquitto.reload(self.fleet, kicks)

    @property
    def v5(self) -> bool:
        return self.protocol == aiomqtt.ProtocolVersion.V5

    def device(self, secret: str) -> Device:
        made = Device(thing(self.fleet, secret), secret)
        self.settle()
        return made

    def channel(self, *grants: tuple[Device, str]) -> UUID:
        made = channel(self.fleet)
        for device, action in grants:
            connect(self.fleet, device.id, made, action)
        self.settle()
        return made

    def client(self, who: Device, **options: Any) -> aiomqtt.Client:
        options.setdefault("identifier", who.name)
        options.setdefault("username", who.name)
        options.setdefault("password", who.secret)
        return aiomqtt.Client("127.0.0.1", self.port, protocol=self.protocol, **options)

    def stored(self, channel_id: UUID, expected: int = 0) -> list[tuple[str, str, str]]:
        """(publisher, protocol, name) of every record stored on the channel, in order. Through
        Mosquitto, storing follows the device's PUBACK: wait up to 5 s for `expected` rows."""
        query = sa.text(
            "SELECT publisher, protocol, name FROM messages WHERE channel = :c ORDER BY id"
        )
        deadline = time.monotonic() + 5
        while True:
            with self.fleet.engine.connect() as conn:
                rows = [tuple(row) for row in conn.execute(query, {"c": str(channel_id)})]
            if len(rows) >= expected or time.monotonic() > deadline:
                return rows  # type: ignore[return-value]
            time.sleep(0.02)


def _embedded(
    tmp_path: Path, protocol: aiomqtt.ProtocolVersion, database_url: str | None = None
) -> Deployment:
    url = database_url or f"sqlite:///{tmp_path / 'fleetid.db'}"
    settings = make_settings(tmp_path / "data", url, mqtt_port=0)
    fleet = build(settings)
    return Deployment(fleet, MqttService(fleet), protocol)


def _on_mosquitto(tmp_path: Path, protocol: aiomqtt.ProtocolVersion, plugin: Path) -> Deployment:
    mosquitto = Mosquitto(tmp_path, plugin)
    settings = make_settings(
        tmp_path / "data",
        f"sqlite:///{tmp_path / 'fleetid.db'}",
        mqtt_url=f"mqtt://fleetid:{uuid4().hex}@127.0.0.1:{mosquitto.port}",
        mosquitto_dir=str(mosquitto.files),
    )
    fleet = build(settings)
    fleet.mosquitto_files.write(mosquitto.files)
    mosquitto.start()
    return Deployment(fleet, MqttService(fleet), protocol, mosquitto)


def _stop(running: Deployment) -> None:
    running.service.stop()
    if running.mosquitto is not None:
        running.mosquitto.stop()
    running.fleet.close()


@pytest.fixture(params=list(PROTOCOLS), ids=list(PROTOCOLS))
def embedded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    """The embedded broker only, for what FleetID's own broker promises (Mosquitto's
    behaviour there is its maintainers'). Tests may replace the service or the whole FleetID
    (a restart); what is current at the end is stopped."""
    running = _embedded(tmp_path, PROTOCOLS[request.param])
    try:
        yield running
    finally:
        _stop(running)


@pytest.fixture(params=list(PROTOCOLS), ids=list(PROTOCOLS))
def embedded_on_each_database(
    request: pytest.FixtureRequest, tmp_path: Path, database_url: str
) -> Iterator[Deployment]:
    """The embedded broker on SQLite and on PostgreSQL, for what reaches storage limits."""
    running = _embedded(tmp_path, PROTOCOLS[request.param], database_url)
    try:
        yield running
    finally:
        _stop(running)


@pytest.fixture(
    params=[(kind, p) for kind in ("embedded", "mosquitto") for p in PROTOCOLS],
    ids=[f"{kind}-{p}" for kind in ("embedded", "mosquitto") for p in PROTOCOLS],
)
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    """Every deployment: the embedded broker, and Mosquitto with FleetID bridged to it."""
    kind, protocol = request.param
    if kind == "embedded":
        running = _embedded(tmp_path, PROTOCOLS[protocol])
    else:
        plugin = request.getfixturevalue("stamping_plugin")
        running = _on_mosquitto(tmp_path, PROTOCOLS[protocol], plugin)
    try:
        yield running
    finally:
        _stop(running)


@pytest.fixture(params=list(PROTOCOLS), ids=list(PROTOCOLS))
def behind_mosquitto(
    request: pytest.FixtureRequest, tmp_path: Path, stamping_plugin: Path
) -> Iterator[Deployment]:
    """FleetID behind Mosquitto only, for what Mosquitto must do for FleetID."""
    running = _on_mosquitto(tmp_path, PROTOCOLS[request.param], stamping_plugin)
    try:
        yield running
    finally:
        _stop(running)
