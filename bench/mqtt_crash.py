"""What a Mosquitto crash loses: QoS 1 messages Mosquitto acknowledged to a device and then
lost to `kill -9`, with persistence saved every second (`autosave_interval 1`, as
docs/mqtt-brokers.md sets it) and saved on every change (`autosave_on_changes true`).

    .venv/bin/python -m bench.mqtt_crash [--messages 5000] [--runs 3]

Each run: a device publishes at QoS 1 while FleetID is stopped (so every message waits in
Mosquitto for FleetID's session); Mosquitto is killed right after the last PUBACK, started
again, and FleetID (`fleetid mqtt serve`, bridged) stores what Mosquitto still has. Lost =
acknowledged - stored. (The embedded broker acknowledges only what is stored: none lost,
tests/integration/test_message_durability.py.)
"""

import argparse
import asyncio
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from uuid import UUID

import sqlalchemy as sa

from bench import databases
from bench.mqtt import (
    build_plugin,
    count_stored,
    counting_engine,
    fleet_env,
    fleetid_command,
    mosquitto_config,
    process,
    seed_fleet,
    service_url,
    wait_listening,
    wait_until_stored,
    write_mosquitto_files,
)
from bench.mqtt_load import publish
from bench.servers import free_port


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mqtt_crash", description=__doc__)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args(argv)
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    for name, saving in SAVING.items():
        for run in range(1, options.runs + 1):
            with tempfile.TemporaryDirectory(prefix="fleetid-crash-") as temp:
                acknowledged, stored = _run(Path(temp), binary, options.messages, saving)
            print(
                f"{name}, run {run}: {acknowledged} acknowledged by Mosquitto, {stored} stored "
                f"after kill -9 and restart, {acknowledged - stored} lost"
            )
    return 0


SAVING = {
    "saved every second": "persistence true\nautosave_interval 1\n",
    "saved on every change": "persistence true\nautosave_on_changes true\nautosave_interval 1\n",
}


def _run(directory: Path, binary: str, messages: int, saving: str) -> tuple[int, int]:
    plugin = build_plugin(directory)
    if plugin is None:
        raise SystemExit("needs gcc and mosquitto-dev")
    with databases.sqlite_backend(directory) as database:
        env = fleet_env(directory, database.database_url)
        seed = seed_fleet(env, 1)
        files = write_mosquitto_files(env, directory)
        port = free_port()
        location = f"persistence_location {directory}/\n"
        config = mosquitto_config(directory, port, files, plugin, saving + location)
        topic = f"channels/{seed.channel}/messages"
        engine = counting_engine(database.database_url)
        bridged = {**env, "FLEETID_MQTT_URL": service_url(port)}
        try:
            broker = _start(binary, config, port)
            with process([fleetid_command(), "mqtt", "serve"], bridged):
                asyncio.run(wait_until_stored(port, seed, topic, engine))
            time.sleep(1.5)  # FleetID's session, now created, reaches Mosquitto's next save
            payloads = [f'[{{"n":"m{n}","v":{n}}}]'.encode() for n in range(messages)]
            asyncio.run(publish(port, seed.publishers[0], topic, payloads, 1))
            broker.send_signal(signal.SIGKILL)
            broker.wait()
            broker = _start(binary, config, port)
            with process([fleetid_command(), "mqtt", "serve"], bridged):
                stored = _settled(engine, seed.channel)
            broker.terminate()
            broker.wait(30)
        finally:
            engine.dispose()
    return messages, stored - 1


def _start(binary: str, config: Path, port: int) -> "subprocess.Popen[bytes]":
    broker = subprocess.Popen(
        [binary, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_listening("mosquitto", port, broker)
    return broker


def _settled(engine: sa.Engine, channel: UUID) -> int:
    """The stored count once it has not moved for 3 s."""
    last, since = -1, time.monotonic()
    while time.monotonic() - since < 3:
        now = count_stored(engine, channel)
        if now != last:
            last, since = now, time.monotonic()
        time.sleep(0.2)
    return last


if __name__ == "__main__":
    sys.exit(main())
