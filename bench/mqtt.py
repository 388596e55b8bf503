"""MQTT telemetry: stored per second at QoS 0 and 1 on the embedded broker, beside broker
pass-through rates (publisher -> subscriber, nothing stored) measured in the same run.

    .venv/bin/python -m bench.mqtt [--messages 40000] [--publishers 4] [--backend sqlite]

Brokers: `fleetid mqtt serve` (stores), the same broker with storage switched off
(`bench.mqtt_server`), and, when Mosquitto and its plugin headers are installed, Mosquitto set
up for FleetID (plugin, password and ACL files) alone (pass-through) and with `fleetid mqtt
serve` bridged to it (stored). Publishers and the subscriber are raw
sockets sending pre-encoded MQTT 3.1.1 packets, so the client side is not what is measured.
"""

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import sqlalchemy as sa

from bench import databases
from bench.mqtt_load import Login, publish, subscribe
from bench.servers import free_port
from infrastructure.settings import Settings
from interfaces.bootstrap import FleetID, build
from tests.integration.test_connections_store import channel
from tests.integration.test_mqtt_access import connect, thing

TARGET = 0.5
"""Stored rate over the embedded broker's pass-through rate."""


@dataclass(frozen=True)
class Seed:
    publishers: list[Login]
    subscriber: Login
    channel: UUID


@dataclass(frozen=True)
class Result:
    broker: str
    qos: int
    stored: float | None
    passthrough: float | None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mqtt", description=__doc__)
    parser.add_argument("--messages", type=int, default=40_000, help="per measurement")
    parser.add_argument("--publishers", type=int, default=4, help="publishing connections")
    databases.add_backend_options(parser)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fleetid-mqtt-bench-") as temp:
        directory = Path(temp)
        with databases.chosen_backend(options, directory) as database:
            env = fleet_env(directory, database.database_url)
            seed = seed_fleet(env, options.publishers)
            results = _measure(env, seed, options.messages, directory)
    _report(results, options)
    return 0


def fleet_env(directory: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLEETID_")}
    env.update(
        FLEETID_DATA_DIR=str(directory / "data"),
        FLEETID_DATABASE_URL=database_url,
        FLEETID_ARGON2_MEMORY_KIB="1024",
        FLEETID_ARGON2_ITERATIONS="1",
    )
    return env


def seed_fleet(env: dict[str, str], publishers: int) -> Seed:
    fleet = build(Settings.from_env(env))
    try:
        logins = [_thing(fleet, f"bench-publisher-{n}-secret") for n in range(publishers)]
        subscriber = _thing(fleet, "bench-subscriber-secret")
        made = channel(fleet)
        for login in logins:
            connect(fleet, UUID(login.client_id), made, "m_write")
        connect(fleet, UUID(subscriber.client_id), made, "m_read")
    finally:
        fleet.close()
    return Seed(logins, subscriber, made)


def _thing(fleet: FleetID, secret: str) -> Login:
    made = thing(fleet, secret)
    return Login(str(made), str(made), secret)


def _measure(env: dict[str, str], seed: Seed, count: int, directory: Path) -> list[Result]:
    topic = f"channels/{seed.channel}/messages"
    payloads = [f'[{{"n":"temp","v":{n}}}]'.encode() for n in range(count)]
    results = []
    engine = counting_engine(env["FLEETID_DATABASE_URL"])
    try:
        for qos in (0, 1):
            with _server(
                "embedded (no storage)", [sys.executable, "-m", "bench.mqtt_server"], env
            ) as port:
                passthrough = asyncio.run(_passthrough(port, seed, topic, payloads, qos))
            with _server("embedded", [fleetid_command(), "mqtt", "serve"], env) as port:
                stored = asyncio.run(_stored(port, seed, topic, payloads, qos, engine))
            results.append(Result("embedded", qos, stored, passthrough))
        mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        plugin = build_plugin(directory)
        if Path(mosquitto).exists() and plugin is not None:
            files = write_mosquitto_files(env, directory)
            for qos in (0, 1):
                with _mosquitto(mosquitto, directory, files, plugin) as port:
                    passthrough = asyncio.run(_passthrough(port, seed, topic, payloads, qos))
                with _mosquitto(mosquitto, directory, files, plugin) as port:
                    bridge_env = {**env, "FLEETID_MQTT_URL": service_url(port)}
                    with process([fleetid_command(), "mqtt", "serve"], bridge_env):
                        asyncio.run(wait_until_stored(port, seed, topic, engine))
                        stored = asyncio.run(_stored(port, seed, topic, payloads, qos, engine))
                results.append(Result("mosquitto", qos, stored, passthrough))
    finally:
        engine.dispose()
    return results


SERVICE_PASSWORD = "bench-service-password"


def service_url(port: int) -> str:
    return f"mqtt://fleetid:{SERVICE_PASSWORD}@127.0.0.1:{port}"


def build_plugin(directory: Path) -> Path | None:
    """FleetID's Mosquitto plugin, built here; None without a compiler or Mosquitto's headers."""
    compiler = shutil.which("gcc")
    if compiler is None or not Path("/usr/include/mosquitto_broker.h").exists():
        print("Mosquitto skipped: needs gcc and mosquitto-dev", file=sys.stderr)
        return None
    target = directory / "fleetid_publisher.so"
    source = Path(__file__).parents[1] / "infrastructure" / "mosquitto" / "fleetid_publisher.c"
    subprocess.run(
        [compiler, "-shared", "-fPIC", "-O2", "-o", str(target), str(source)], check=True
    )
    return target


def write_mosquitto_files(env: dict[str, str], directory: Path) -> Path:
    files = directory / "mosquitto-files"
    fleet = build(Settings.from_env({**env, "FLEETID_MQTT_URL": service_url(1883)}))
    try:
        fleet.mosquitto_files.write(files)
    finally:
        fleet.close()
    return files


async def wait_until_stored(port: int, seed: Seed, topic: str, engine: sa.Engine) -> None:
    """Wait until the bridge stores: one message, published until it arrives."""
    before = count_stored(engine, seed.channel)
    deadline = time.monotonic() + 60
    while count_stored(engine, seed.channel) == before:
        if time.monotonic() > deadline:
            raise RuntimeError("FleetID did not store through Mosquitto within 60 s")
        await publish(port, seed.publishers[0], topic, [b'[{"n":"probe","v":0}]'], 1)
        await asyncio.sleep(0.5)


async def _passthrough(port: int, seed: Seed, topic: str, payloads: list[bytes], qos: int) -> float:
    subscriber = await subscribe(port, seed.subscriber, topic, qos)
    started = time.monotonic()
    sending = asyncio.gather(
        *(publish(port, login, topic, share, qos) for login, share in _shares(seed, payloads))
    )
    try:
        finished = await subscriber.receive(len(payloads), timeout=300)
        await sending
    finally:
        subscriber.close()
    return len(payloads) / (finished - started)


async def _stored(
    port: int, seed: Seed, topic: str, payloads: list[bytes], qos: int, engine: sa.Engine
) -> float:
    before = count_stored(engine, seed.channel)
    started = time.monotonic()
    await asyncio.gather(
        *(publish(port, login, topic, share, qos) for login, share in _shares(seed, payloads))
    )
    while count_stored(engine, seed.channel) < before + len(payloads):
        if time.monotonic() - started > 300:
            raise RuntimeError("not every message was stored within 300 s")
        await asyncio.sleep(0.01)
    return len(payloads) / (time.monotonic() - started)


def _shares(seed: Seed, payloads: list[bytes]) -> Iterator[tuple[Login, list[bytes]]]:
    count = len(seed.publishers)
    for index, login in enumerate(seed.publishers):
        yield login, payloads[index::count]


def counting_engine(database_url: str) -> sa.Engine:
    """A connection of its own for each count. A pooled SQLite connection of this process was
    seen to keep counting the rows of an earlier moment after the second bridge started (the
    rows were stored, the count stayed put), and the bench then waited for nothing."""
    if database_url.startswith("sqlite:"):
        url = database_url.replace("sqlite:", "sqlite+pysqlite:", 1)
    else:
        url = "postgresql+psycopg://" + database_url.split("://", 1)[1]
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


def count_stored(engine: sa.Engine, channel: UUID) -> int:
    with engine.connect() as conn:
        query = sa.text("SELECT count(*) FROM messages WHERE channel = :c")
        return int(conn.execute(query, {"c": str(channel)}).scalar() or 0)


def fleetid_command() -> str:
    return str(Path(sys.executable).with_name("fleetid"))


@contextmanager
def _server(name: str, command: list[str], env: dict[str, str]) -> Iterator[int]:
    port = free_port()
    process = subprocess.Popen(
        command,
        env={**env, "FLEETID_MQTT_PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_listening(name, port, process)
        yield port
    finally:
        process.terminate()
        process.wait(60)


@contextmanager
def process(command: list[str], env: dict[str, str]) -> Iterator[None]:
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield
    finally:
        process.terminate()
        process.wait(60)


def mosquitto_config(
    directory: Path, port: int, files: Path, plugin: Path, saving: str = "persistence false\n"
) -> Path:
    """Mosquitto as docs/mqtt-brokers.md sets it up for FleetID (persistence off by default)."""
    config = directory / "mosquitto-bench.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous false\n"
        f"password_file {files / 'passwords'}\nacl_file {files / 'acl'}\nplugin {plugin}\n"
        f"plugin_opt_stamp_file {files / 'stamp'}\n"
        f"use_username_as_clientid true\n{saving}"
        "max_queued_messages 0\nmax_inflight_messages 0\n"
        + ("user root\n" if os.geteuid() == 0 else "")
    )
    return config


@contextmanager
def _mosquitto(binary: str, directory: Path, files: Path, plugin: Path) -> Iterator[int]:
    port = free_port()
    config = mosquitto_config(directory, port, files, plugin)
    process = subprocess.Popen(
        [binary, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_listening("mosquitto", port, process)
        yield port
    finally:
        process.terminate()
        process.wait(30)


def wait_listening(name: str, port: int, process: "subprocess.Popen[bytes]") -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not listen on {port} within 60 s")


def _report(results: list[Result], options: argparse.Namespace) -> None:
    print(
        f"\nMQTT telemetry, {options.messages} one-record SenML messages per measurement, "
        f"{options.publishers} publishers, {options.backend}, {os.cpu_count()} cores"
    )
    print(f"{'broker':<11} {'QoS':>3} {'stored/s':>10} {'pass-through/s':>15} {'ratio':>7}  target")
    for r in results:
        stored = f"{r.stored:,.0f}" if r.stored else "-"
        through = f"{r.passthrough:,.0f}" if r.passthrough else "-"
        ratio = f"{r.stored / r.passthrough:.0%}" if r.stored and r.passthrough else "-"
        verdict = ""
        if r.stored and r.passthrough:
            verdict = f">= {TARGET:.0%} " + (
                "met" if r.stored >= TARGET * r.passthrough else "MISSED"
            )
        print(f"{r.broker:<11} {r.qos:>3} {stored:>10} {through:>15} {ratio:>7}  {verdict}")


if __name__ == "__main__":
    sys.exit(main())
