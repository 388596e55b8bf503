"""The admin entities document's examples against `fleetid serve`, as `make run` starts it: each
request gets the documented status and shape; then `fleetid admin-key rotate`, run beside the
server, changes its key without a restart."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import ADMIN_API_KEY
from tests.helpers import admin_sign_in_when_up, free_port, server_env
from tests.integration.test_batch_resume import _kill, _serve
from tests.integration.test_identity_entities import MADE_FIELDS

ADMIN = "/api/v1/admin"
GRACE = 8
"""Seconds: the rotating command starts a process of its own, slow on a busy machine."""
ENTITY_FIELDS = {"kind", "self", "id", "name", "walletId", "createdAt", "updatedAt"}


def test_the_documents_examples_on_a_running_server(tmp_path: Path, database_url: str) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(tmp_path, database_url, port)
    key = {"x-admin-api-key": ADMIN_API_KEY}
    try:
        admin_sign_in_when_up(base)
        with httpx.Client(base_url=base, timeout=30) as client:
            status = client.get(ADMIN, headers=key)
            assert status.status_code == 200, status.text
            assert set(status.json()["data"]) == {"isAdmin", "host", "agent"}
            assert status.json()["data"]["isAdmin"] is True

            made = client.post(
                f"{ADMIN}/entity", json={"name": "snet", "role": "caller"}, headers=key
            )
            assert made.status_code == 201, made.text
            data = made.json()["data"]
            assert set(data) == MADE_FIELDS
            worker = client.post(
                f"{ADMIN}/entity",
                json={"name": "osais (admin)", "role": "admin", "id_wallet": data["id_wallet"]},
                headers=key,
            )
            assert worker.status_code == 201, worker.text

            listed = client.get(f"{ADMIN}/entities", headers=key).json()["data"]
            assert [set(e) for e in listed] == [ENTITY_FIELDS, ENTITY_FIELDS]
            assert [e["self"] for e in listed] == ["", ""]
            one = client.get(f"{ADMIN}/entity/{data['id_entity']}", headers=key).json()["data"]
            assert one["self"] == f"/iam/entities/{data['id_entity']}"

            gone = client.delete(f"{ADMIN}/entity/{data['id_entity']}", headers=key)
            assert (gone.status_code, gone.json()) == (200, {})
            assert client.get(f"{ADMIN}/entity/{data['id_entity']}", headers=key).status_code == 404

            rotated = _rotate(tmp_path, database_url)
            assert client.get(ADMIN, headers={"x-admin-api-key": rotated}).status_code == 200
            assert client.get(ADMIN, headers=key).status_code == 200, "the grace period"
            time.sleep(GRACE)
            assert client.get(ADMIN, headers=key).status_code == 401
    finally:
        _kill(server)


def _rotate(tmp_path: Path, database_url: str) -> str:
    env = {**os.environ, **server_env(tmp_path / "data", database_url)}
    done = subprocess.run(
        [sys.executable, "-m", "interfaces.cli", "admin-key", "rotate", "--grace", str(GRACE)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    key = done.stdout.strip()
    assert len(key) == 64, (done.stdout, done.stderr)
    return key
