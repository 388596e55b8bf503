"""The rendered password and ACL files, loaded by a real Mosquitto started for the test: who
may connect, publish and subscribe is what MqttAccess decides."""

import asyncio
import base64
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from uuid import UUID

import aiomqtt
import pytest

from infrastructure.mosquitto_files import Grant, password_line, render_acl
from interfaces.aggregates import CONNECTIONS, THINGS
from interfaces.bootstrap import FleetID, build
from tests.conftest import make_settings
from tests.helpers import blocking, free_port
from tests.integration.test_connections_store import ADMIN, CLI, channel
from tests.integration.test_mqtt_access import connect, thing


def installed(tool: str) -> str:
    """The tool's path; a missing one skips the test, except under CI where it fails it."""
    found = shutil.which(tool) or next(
        (str(p) for p in (Path("/usr/sbin") / tool, Path("/usr/bin") / tool) if p.exists()), None
    )
    if found is None:
        message = f"{tool} is not installed (Debian package mosquitto)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def test_password_lines_are_what_mosquitto_passwd_writes(tmp_path: Path) -> None:
    """Same salt, same line: the format is mosquitto_passwd's own."""
    tool = installed("mosquitto_passwd")
    target = tmp_path / "pw"
    subprocess.run([tool, "-c", "-b", str(target), "user1", "secret-secret-1"], check=True)
    written = target.read_text().strip()
    salt = base64.b64decode(written.split("$")[3])

    assert password_line("user1", "secret-secret-1", salt) == written


def test_acl_gives_each_thing_its_channels_and_modules_their_own_topics() -> None:
    thing_id, c1, c2 = (UUID(int=n) for n in (1, 2, 3))
    acl = render_acl(
        [
            Grant(thing_id, c2, frozenset({"m_read"})),
            Grant(thing_id, c1, frozenset({"m_write", "m_read"})),
        ]
    )

    assert acl.splitlines()[1:] == [
        "pattern write from/module/%u/#",
        "pattern read to/module/%u/#",
        "",
        f"user {thing_id}",
        f"topic write channels/{c1}/messages/#",
        f"topic read channels/{c1}/messages/#",
        f"topic read channels/{c2}/messages/#",
    ]


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[tuple[int, Path, "subprocess.Popen[bytes]"]]:
    """A Mosquitto of the test's own on a free port, reading the files from `tmp_path`. It
    keeps the test's user (`user root` when that is root): the files are 0600."""
    mosquitto = installed("mosquitto")
    port = free_port()
    files = tmp_path / "mqtt"
    files.mkdir()
    (files / "passwords").write_text("")
    (files / "acl").write_text("")
    config = tmp_path / "mosquitto.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\n"
        "allow_anonymous false\n"
        f"password_file {files / 'passwords'}\n"
        f"acl_file {files / 'acl'}\n"
        "use_username_as_clientid true\n"
        "persistence false\n"
        "user root\n"
        f"pid_file {tmp_path / 'mosquitto.pid'}\n"
    )
    process = subprocess.Popen(
        [mosquitto, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield port, files, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def reload(process: "subprocess.Popen[bytes]") -> None:
    process.send_signal(1)  # SIGHUP: Mosquitto rereads its password and ACL files
    time.sleep(0.5)


def client(port: int, who: tuple[UUID, str]) -> aiomqtt.Client:
    name = str(who[0])
    return aiomqtt.Client("127.0.0.1", port, identifier=name, username=name, password=who[1])


async def exchange(
    port: int, sender: tuple[UUID, str], reader: tuple[UUID, str], topic: str
) -> bool:
    """Whether a message `sender` publishes on `topic` reaches `reader` subscribed to it (no,
    too, when either is refused at connect)."""
    try:
        async with client(port, reader) as sub, client(port, sender) as pub:
            await sub.subscribe(topic, qos=1)
            await pub.publish(topic, b'[{"n":"x","v":1}]', qos=1)
            async with asyncio.timeout(1.5):
                async for _message in sub.messages:
                    return True
    except (TimeoutError, aiomqtt.MqttError):
        return False
    return False


async def connects(port: int, who: tuple[UUID, str]) -> bool:
    try:
        async with client(port, who):
            return True
    except aiomqtt.MqttError:
        return False


def test_mosquitto_enforces_the_registry(
    fleet: FleetID, broker: tuple[int, Path, "subprocess.Popen[bytes]"]
) -> None:
    port, files, process = broker
    writer, reader = thing(fleet, "writer-secret-1"), thing(fleet, "reader-secret-1")
    listener = thing(fleet, "listener-secret-1")
    c = channel(fleet)
    connect(fleet, writer, c, "m_write")
    connect(fleet, reader, c, "m_read")
    connect(fleet, listener, c, "m_read")
    fleet.mosquitto_files.write(files)
    reload(process)
    topic = f"channels/{c}/messages"
    w, r = (writer, "writer-secret-1"), (reader, "reader-secret-1")

    assert asyncio.run(connects(port, w))
    assert not asyncio.run(connects(port, (writer, "reader-secret-1")))
    assert asyncio.run(exchange(port, w, r, topic))
    assert asyncio.run(exchange(port, w, r, f"{topic}/room/7"))
    listening = (listener, "listener-secret-1")
    assert asyncio.run(exchange(port, w, listening, topic))
    assert not asyncio.run(exchange(port, r, listening, topic)), "the reader may not write"
    assert not asyncio.run(exchange(port, w, r, f"channels/{channel(fleet)}/messages"))

    blocking(fleet[CONNECTIONS].commands).disconnect(ADMIN, [writer], [c], CLI)
    fleet.mosquitto_files.write(files)
    reload(process)
    assert not asyncio.run(exchange(port, w, r, topic))

    blocking(fleet[THINGS].commands).disable(ADMIN, reader, CLI)
    fleet.mosquitto_files.write(files)
    reload(process)
    assert not asyncio.run(connects(port, r))


def eventually(check: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_the_files_follow_the_registry_and_mosquitto_reloads(
    tmp_path: Path, database_url: str, broker: tuple[int, Path, "subprocess.Popen[bytes]"]
) -> None:
    port, files, _process = broker
    settings = make_settings(
        tmp_path / "data",
        database_url,
        mosquitto_dir=str(files),
        mosquitto_pid_file=str(tmp_path / "mosquitto.pid"),
    )
    fleet = build(settings)
    try:
        writer, listener = thing(fleet, "writer-secret-1"), thing(fleet, "listener-secret-1")
        c = channel(fleet)
        connect(fleet, writer, c, "m_write")
        connect(fleet, listener, c, "m_read")
        w, listening = (writer, "writer-secret-1"), (listener, "listener-secret-1")
        topic = f"channels/{c}/messages"

        assert eventually(lambda: asyncio.run(exchange(port, w, listening, topic)))
        blocking(fleet[CONNECTIONS].commands).disconnect(ADMIN, [writer], [c], CLI)
        assert eventually(lambda: not asyncio.run(exchange(port, w, listening, topic)))
        blocking(fleet[THINGS].commands).change_secret(ADMIN, listener, "listener-secret-2", CLI)
        assert eventually(lambda: not asyncio.run(connects(port, listening)))
        assert asyncio.run(connects(port, (listener, "listener-secret-2")))
    finally:
        fleet.close()


def test_two_writers_at_once_leave_whole_files(fleet: FleetID, tmp_path: Path) -> None:
    """The sync thread and `fleetid mqtt mosquitto-files` may write at the same moment."""
    thing(fleet, "concurrent-secret-1")
    target = tmp_path / "mqtt"
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for _ in range(20):
                fleet.mosquitto_files.write(target)
        except BaseException as error:
            errors.append(error)

    writers = [threading.Thread(target=write) for _ in range(4)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert errors == []
    assert sorted(p.name for p in target.iterdir()) == ["acl", "passwords", "stamp"]
    assert (target / "passwords").stat().st_mode & 0o777 == 0o600
