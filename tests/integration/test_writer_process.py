"""Workers that commit through the writer process: each reads the others' writes at once, races
on one aggregate lose nothing, and a writer that is gone is a clear 503, not a lost write.

The workers here are FleetIDs built as `fleetid serve` builds its HTTP workers (the writer's
socket in their settings), each behind its own real HTTP app, and the writer is the real
`WriterService` on a real Unix socket; `test_serve_*` run the real processes.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from litestar.testing import TestClient

from domain.causes import Interface
from infrastructure.event_store import GroupCommitWriter
from infrastructure.settings import Settings
from infrastructure.writer_service import WriterService
from interfaces.bootstrap import FleetID, build, ensure_first_admin
from interfaces.rest.app import create_app
from tests.conftest import ADMIN_IDENTITY, ADMIN_SECRET
from tests.helpers import admin_sign_in_when_up, bearer, free_port, server_env

ROUND_TRIPS = 2000


@pytest.fixture
def socket_path() -> Iterator[Path]:
    """Short enough for a Unix socket wherever pytest puts its temporary directories."""
    with tempfile.TemporaryDirectory(prefix="fleetid-") as directory:
        yield Path(directory) / "writer.sock"


@pytest.fixture
def writer(settings: Settings, socket_path: Path) -> Iterator[FleetID]:
    leader = build(settings)
    ensure_first_admin(leader, Interface.CLI)
    assert isinstance(leader.writer, GroupCommitWriter)
    service = WriterService(leader.writer, socket_path, lambda: leader.projections.position)
    service.start()
    try:
        yield leader
    finally:
        service.close()
        leader.close()


def _worker(settings: Settings, socket_path: Path) -> FleetID:
    return build(replace(settings, writer_socket=str(socket_path)))


@pytest.fixture
def workers(
    writer: FleetID, settings: Settings, socket_path: Path
) -> Iterator[tuple[TestClient[Any], TestClient[Any]]]:
    first, second = _worker(settings, socket_path), _worker(settings, socket_path)
    try:
        with TestClient(create_app(first)) as a, TestClient(create_app(second)) as b:
            yield a, b
    finally:
        first.close()
        second.close()


def _admin(client: TestClient[Any]) -> tuple[dict[str, str], str]:
    issued = client.post(
        "/users/tokens/issue", json={"identity": ADMIN_IDENTITY, "secret": ADMIN_SECRET}
    )
    auth = bearer(issued.json()["access_token"])
    return auth, client.get("/users/profile", headers=auth).json()["id"]


def test_a_write_through_one_worker_is_read_through_the_other_every_time(
    workers: tuple[TestClient[Any], TestClient[Any]],
) -> None:
    """Half the round trips update an entity, half create one; the worker that did not write
    reads it right after the writing worker answered."""
    a, b = workers
    auth, admin = _admin(a)
    for i in range(ROUND_TRIPS):
        writing, reading = (a, b) if i % 2 == 0 else (b, a)
        if i % 4 < 2:
            written = writing.patch(f"/users/{admin}/tags", json={"tags": [f"t{i}"]}, headers=auth)
            assert written.status_code == 200, written.text
            read = reading.get(f"/users/{admin}", headers=auth)
            assert read.json()["tags"] == [f"t{i}"], f"round trip {i}"
        else:
            created = writing.post("/things", json={"name": f"thing-{i}"}, headers=auth)
            assert created.status_code == 201, created.text
            read = reading.get(f"/things/{created.json()['id']}", headers=auth)
            assert read.status_code == 200, f"round trip {i}: {read.text}"
            assert read.json()["name"] == f"thing-{i}"


def test_workers_racing_on_one_entity_lose_no_change(
    writer: FleetID, workers: tuple[TestClient[Any], TestClient[Any]]
) -> None:
    """Each worker's cache goes stale under the other's writes: the writer refuses the stale
    save, the command reruns on fresh state, and every change lands once."""
    a, b = workers
    auth, admin = _admin(a)
    before = writer.log.repository.get(UUID(admin)).version
    statuses: list[int] = []

    def change(client: TestClient[Any], prefix: str) -> None:
        for i in range(50):
            tags = {"tags": [f"{prefix}{i}"]}
            statuses.append(
                client.patch(f"/users/{admin}/tags", json=tags, headers=auth).status_code
            )

    threads = [threading.Thread(target=change, args=(c, p)) for c, p in ((a, "a"), (b, "b"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 100
    assert writer.log.repository.get(UUID(admin)).version == before + 100


def test_a_worker_refuses_a_disabled_user_as_soon_as_it_disabled_it(
    workers: tuple[TestClient[Any], TestClient[Any]],
) -> None:
    """The session cache of the worker that wrote the change reacts before the answer."""
    a, _ = workers
    auth, _ = _admin(a)
    user = a.post(
        "/users",
        json={"credentials": {"identity": "soon.off@fleet.example", "secret": "s3cret-4711"}},
        headers=auth,
    ).json()
    issued = a.post(
        "/users/tokens/issue", json={"identity": "soon.off@fleet.example", "secret": "s3cret-4711"}
    ).json()
    own = bearer(issued["access_token"])
    assert a.get("/users/profile", headers=own).status_code == 200
    assert a.post(f"/users/{user['id']}/disable", headers=auth).status_code == 200
    assert a.get("/users/profile", headers=own).status_code in (401, 403)


def test_a_worker_whose_writer_is_gone_answers_503_and_stores_nothing(
    writer: FleetID, settings: Settings, tmp_path: Path
) -> None:
    orphan = _worker(settings, tmp_path / "nobody-listens.sock")
    try:
        with TestClient(create_app(orphan)) as client:
            auth, admin = _admin(client)
            refused = client.patch(f"/users/{admin}/tags", json={"tags": ["lost"]}, headers=auth)
            assert refused.status_code == 503
            assert refused.json()["error"] == "unavailable"
            assert client.get(f"/users/{admin}", headers=auth).json().get("tags") != ["lost"]
    finally:
        orphan.close()


def test_serve_stops_when_its_writer_is_killed_and_loses_no_answered_write(
    tmp_path: Path, database_url: str
) -> None:
    """kill -9 of the writer under a stream of creations: the server stops (its supervisor
    would restart it); after a restart every creation answered 201 is there."""
    env = {**os.environ, **server_env(tmp_path / "data", database_url, FLEETID_HTTP_WORKERS="2")}
    log_path = tmp_path / "serve.log"
    port = free_port()
    server = _serve(port, env, log_path)
    base = f"http://127.0.0.1:{port}"
    created: list[str] = []
    try:
        auth = bearer(admin_sign_in_when_up(base).json()["access_token"])
        writer_pid = _writer_pid(log_path)
        with httpx.Client(base_url=base, headers=auth, timeout=10) as http:
            for i in range(400):
                if i == 200:
                    os.kill(writer_pid, signal.SIGKILL)
                try:
                    answer = http.post("/things", json={"name": f"kept-{i}"})
                except httpx.TransportError:
                    break
                if answer.status_code == 201:
                    created.append(answer.json()["id"])
        assert server.wait(timeout=60) != 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert len(created) >= 200
    restarted = _serve(port, env, log_path)
    try:
        auth = bearer(admin_sign_in_when_up(base).json()["access_token"])
        with httpx.Client(base_url=base, headers=auth, timeout=10) as http:
            missing = [t for t in created if http.get(f"/things/{t}").status_code != 200]
        assert missing == []
    finally:
        restarted.terminate()
        assert restarted.wait(timeout=60) == 0


def _serve(port: int, env: dict[str, str], log_path: Path) -> "subprocess.Popen[bytes]":
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "interfaces.cli", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _writer_pid(log_path: Path, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in log_path.read_text(errors="replace").splitlines():
            if "writer process" in line and "listening" in line:
                return int(line.split("writer process ", 1)[1].split()[0])
        time.sleep(0.1)
    raise AssertionError(f"no writer in the log:\n{log_path.read_text(errors='replace')}")


def test_a_worker_s_cached_aggregate_takes_the_other_worker_s_change(
    writer: FleetID, settings: Settings, socket_path: Path
) -> None:
    """Followed events advance the cached copy: the next command there needs no reload."""
    first, second = _worker(settings, socket_path), _worker(settings, socket_path)
    try:
        with TestClient(create_app(first)) as a, TestClient(create_app(second)) as b:
            auth, admin = _admin(a)
            assert (
                a.patch(f"/users/{admin}/tags", json={"tags": ["a"]}, headers=auth).status_code
                == 200
            )
            held = first.log.cache.get(UUID(admin))
            assert held is not None
            assert held.tags == ["a"]
            assert (
                b.patch(f"/users/{admin}/tags", json={"tags": ["b"]}, headers=auth).status_code
                == 200
            )
            deadline = time.monotonic() + 5
            while (
                copy := first.log.cache.get(UUID(admin))
            ) is not None and copy.version == held.version:
                assert time.monotonic() < deadline, "the follower never saw the change"
                time.sleep(0.01)
            assert copy is not None, "evicted instead of advanced"
            assert (copy.version, copy.tags) == (held.version + 1, ["b"])
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x00\x00\x00\x05\xff\xfe\xfd\xfc\xfb",
        b"\xff\xff\xff\xff",
        b"\x00\x00\x00\x0e\x92\x01\x91\x94\xc4\x03abc\x01\xa1t\xc4\x00",
    ],
    ids=["not-msgpack", "huge-length", "short-uuid"],
)
def test_a_malformed_frame_costs_its_connection_only(
    writer: FleetID,
    socket_path: Path,
    workers: tuple[TestClient[Any], TestClient[Any]],
    garbage: bytes,
) -> None:
    """Whatever reaches the socket, the writer answers or drops that connection and goes on
    committing for the others; nothing of the frame is stored."""
    before = writer.raw_log.last_position()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as intruder:
        intruder.connect(str(socket_path))
        intruder.sendall(garbage)
        intruder.settimeout(5)
        with contextlib.suppress(OSError):
            intruder.recv(1024)
    assert writer.raw_log.last_position() == before
    a, _ = workers
    auth, admin = _admin(a)
    assert (
        a.patch(f"/users/{admin}/tags", json={"tags": ["after"]}, headers=auth).status_code == 200
    )
