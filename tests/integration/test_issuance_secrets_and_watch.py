"""What issuing leaves behind: no private key it made, nor its PKCS#12 password, in the log or
any table in a form that opens without FleetID's keys; and `fleetid batches watch` following a
batch to its end."""

import asyncio
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from litestar.testing import TestClient

from interfaces.aggregates import BATCHES
from interfaces.bootstrap import FleetID
from tests.api.test_batch_preview_api import DEVICE
from tests.integration.test_batch_issuance import download, issue, order, world

__all__ = ["world"]
PASSWORD = "pw-that-must-not-leak-7"


def everything_stored(fleet: FleetID) -> bytes:
    """Every value of every table, the log's included, as bytes."""
    found = bytearray()
    with fleet.engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')):
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        found += bytes(value)
                    elif value is not None:
                        found += str(value).encode()
    return bytes(found)


def test_no_key_made_here_nor_a_password_is_stored_in_the_clear(
    fleet: FleetID, world: tuple[TestClient[Any], dict[str, dict[str, str]]]
) -> None:
    client, people = world
    user = people["device_user"]
    without = {**DEVICE, "profileParams": {"deviceClass": "Aircraft", "years": "1"}}
    plain = order(client, user, without)
    sealed = order(
        client,
        user,
        {**DEVICE, "profileParams": {**without["profileParams"], "pkcs12Password": PASSWORD}},
    )  # type: ignore[dict-item]
    issue(fleet)
    archive = download(client, user, plain)
    keys = [
        serialization.load_pem_private_key(archive.read(name), None)
        for name in archive.namelist()
        if name.endswith(".key.pem")
    ]
    assert len(keys) == 3
    download(client, user, sealed)
    stored = everything_stored(fleet)
    assert len(stored) > 10_000
    for key in keys:
        der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        scalar = key.private_numbers().private_value.to_bytes(32, "big")  # type: ignore[union-attr]
        for form in (der, scalar, scalar.hex().encode(), scalar.hex().upper().encode()):
            assert form not in stored
    assert PASSWORD.encode() not in stored


def test_watch_follows_a_batch_to_its_end(
    fleet: FleetID, world: tuple[TestClient[Any], dict[str, dict[str, str]]], tmp_path: Path
) -> None:
    client, people = world
    number = order(client, people["device_user"], DEVICE)
    settings = fleet.settings
    env = {
        **os.environ,
        "FLEETID_DATA_DIR": str(settings.data_dir),
        "FLEETID_DATABASE_URL": settings.effective_database_url,
    }
    command = [sys.executable, "-m", "interfaces.cli", "batches", "watch"]
    watching = subprocess.Popen([*command, str(number)], env=env, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    assert watching.poll() is None, "still watching: nothing is issued yet"
    worker = threading.Thread(target=lambda: asyncio.run(fleet[BATCHES].issuer.run_once()))
    worker.start()
    worker.join()
    _, shown = watching.communicate(timeout=60)
    assert watching.returncode == 0, shown
    assert f"batch {number}: Ready For Download" in shown
    missing = subprocess.run([*command, "999"], env=env, capture_output=True, text=True)
    assert missing.returncode == 2
    assert "no batch 999" in missing.stderr
