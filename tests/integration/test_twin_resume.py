"""Mass operations survive kill -9: every FleetID process killed in the middle of one, the server
started again, and the operation finishes with each item applied once: one result per item and
one twin per create, none created twice, none lost."""

import time
from pathlib import Path

import httpx
import sqlalchemy as sa

from infrastructure.database import create_engine
from tests.conftest import ADMIN_IDENTITY, ADMIN_SECRET
from tests.helpers import admin_sign_in_when_up, bearer, free_port, sign_in
from tests.integration.test_batch_resume import _kill, _serve
from tests.twin_keys import MASS, create, key_entry, key_pair, service

SIZE = 20_000
DEADLINE_SECONDS = 300


def _progress(client: httpx.Client, user: dict[str, str], operation: str) -> tuple[str, int]:
    found = client.get(f"{MASS}/{operation}", params={"limit": 1}, headers=user).json()
    return found["status"], found["processed"]


def test_an_operation_killed_mid_way_finishes_once_after_a_restart(
    tmp_path: Path, database_url: str
) -> None:
    pairs = [key_pair() for _ in range(20)]
    items = [
        create(f"meter-{n}", services=[service("mqtt")], keys=[key_entry(pairs[n % 20])])
        for n in range(SIZE)
    ]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(tmp_path, database_url, port)
    try:
        admin_sign_in_when_up(base)
        with httpx.Client(base_url=base, timeout=60) as client:
            admin = bearer(sign_in(client, ADMIN_IDENTITY, ADMIN_SECRET))
            submitted = client.post(MASS, json=items, headers=admin)
            assert submitted.status_code == 201, submitted.text
            operation = submitted.json()["massOperationId"]
            while (progress := _progress(client, admin, operation))[1] < 2000:
                time.sleep(0.02)
        _kill(server)
        assert progress[0] == "running", f"killed too late: {progress}"
        done_at_kill = progress[1]

        server = _serve(tmp_path, database_url, port)
        admin_sign_in_when_up(base)
        with httpx.Client(base_url=base, timeout=60) as client:
            admin = bearer(sign_in(client, ADMIN_IDENTITY, ADMIN_SECRET))
            deadline = time.monotonic() + DEADLINE_SECONDS
            while (progress := _progress(client, admin, operation))[0] == "running":
                assert time.monotonic() < deadline, progress
                time.sleep(0.2)
            assert progress == ("completed", SIZE), f"resumed from {done_at_kill}"
    finally:
        _kill(server)

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            results = conn.execute(
                sa.text("SELECT position, ok FROM mass_operation_items WHERE operation = :o"),
                {"o": operation},
            ).all()
            twins = conn.execute(sa.text("SELECT object_id FROM twins")).scalars().all()
            keys = conn.execute(sa.text("SELECT count(*) FROM twin_keys")).scalar_one()
    finally:
        engine.dispose()
    assert sorted(position for position, _ in results) == list(range(SIZE)), "one result each"
    assert all(ok for _, ok in results)
    assert sorted(twins) == sorted(f"meter-{n}" for n in range(SIZE)), "one version each"
    assert keys == SIZE
