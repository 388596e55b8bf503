"""Issuing survives kill -9: every FleetID process killed in the middle of a batch, the server
started again, and the batch finishes with each certificate issued once, under a serial number
of its own, with its device and its key, and the balance used once."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

from infrastructure.database import create_engine
from tests.api.certificate_people import balances, cm_sign_in, enroll, organizations, privilege
from tests.api.test_batch_preview_api import DEVICE
from tests.conftest import ADMIN_IDENTITY, ADMIN_SECRET
from tests.helpers import admin_sign_in_when_up, free_port, server_env

SIZE = 6000
BALANCE = 10_000
DEADLINE_SECONDS = 300


def _serve(tmp_path: Path, database_url: str, port: int) -> "subprocess.Popen[bytes]":
    env = {
        **os.environ,
        **server_env(tmp_path / "data", database_url, FLEETID_ISSUE_WORKERS="2"),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "interfaces.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _kill(server: "subprocess.Popen[bytes]") -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=10)


def _progress(client: httpx.Client, user: dict[str, str], number: int) -> tuple[str, int]:
    """The counts, then the status: a status read first could be older than the counts."""
    counts = client.get(f"/api/v1/batches/{number}/processing_info", headers=user).json()
    info = client.get(f"/api/v1/batches/{number}", headers=user).json()
    return info["status"], counts["success"] + counts["failed"]


def test_a_batch_killed_mid_issue_finishes_once_after_a_restart(
    tmp_path: Path, database_url: str
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(tmp_path, database_url, port)
    try:
        admin_sign_in_when_up(base)
        with httpx.Client(base_url=base, timeout=30) as client:
            admin = cm_sign_in(client, ADMIN_IDENTITY, ADMIN_SECRET)
            organizations(client, admin, "Resumers")
            balances(client, admin, (1, 1, BALANCE))
            user = enroll(client, admin, {"issuer": [privilege("USER", 1, [1])]})["issuer"]
            generator = {"increment": "1", "startValue": "00:1A:00:00:00:00"}
            body = {**DEVICE, "batchSize": SIZE, "generatorParams": generator}
            ordered = client.put("/api/v1/batches", json=body, headers=user)
            assert ordered.status_code == 200, ordered.text
            number = ordered.json()["batchId"]
            while (progress := _progress(client, user, number))[1] < 500:
                time.sleep(0.02)
        _kill(server)
        assert progress[0] == "Pending Issue", f"killed too late: {progress}"
        done_at_kill = progress[1]

        server = _serve(tmp_path, database_url, port)
        admin_sign_in_when_up(base)
        with httpx.Client(base_url=base, timeout=30) as client:
            user = cm_sign_in(client, "issuer", "secret123")
            deadline = time.monotonic() + DEADLINE_SECONDS
            while (progress := _progress(client, user, number))[0] == "Pending Issue":
                assert time.monotonic() < deadline, progress
                time.sleep(0.2)
            assert progress == ("Ready For Download", SIZE), f"resumed from {done_at_kill}"
            available = client.get("/api/v1/authorities/1/balanceavailable/1", headers=admin)
            assert available.json() == BALANCE - SIZE
    finally:
        _kill(server)

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT serial, position, device FROM certificates "
                    "WHERE valid_to IS NULL AND batch = :b"
                ),
                {"b": number},
            ).all()
            keys = conn.execute(
                sa.text("SELECT serial FROM issued_keys WHERE batch = :b"), {"b": number}
            ).all()
            devices = conn.execute(
                sa.text("SELECT count(*) FROM things WHERE valid_to IS NULL")
            ).scalar_one()
            used = conn.execute(
                sa.text("SELECT used, reserved FROM allocations WHERE valid_to IS NULL")
            ).one()
    finally:
        engine.dispose()
    assert sorted(position for _, position, _ in rows) == list(range(SIZE))
    assert len({serial for serial, _, _ in rows}) == SIZE, "a serial number was issued twice"
    assert {serial for (serial,) in keys} == {serial for serial, _, _ in rows}
    assert len({device for _, _, device in rows}) == devices == SIZE
    assert tuple(used) == (SIZE, 0)
