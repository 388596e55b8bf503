"""Small HTTP helpers for API tests: register, sign in, and authorization headers."""

import asyncio
import hashlib
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from interfaces.bootstrap import FleetID
from tests.conftest import ADMIN_API_KEY, ADMIN_IDENTITY, ADMIN_SECRET


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sign_in(client: httpx.Client, identity: str, secret: str) -> str:
    response = client.post("/users/tokens/issue", json={"identity": identity, "secret": secret})
    assert response.status_code == 201, response.text
    token: str = response.json()["access_token"]
    return token


def admin_token(client: httpx.Client) -> str:
    return sign_in(client, ADMIN_IDENTITY, ADMIN_SECRET)


def register(
    client: httpx.Client,
    identity: str,
    secret: str = "12345678",
    token: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    body = {"credentials": {"identity": identity, "secret": secret}, **fields}
    response = client.post("/users", json=body, headers=bearer(token) if token else {})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


class Blocking:
    """Drives the async application commands to completion, for tests that call them directly
    from plain (or many concurrent) threads."""

    def __init__(self, commands: object) -> None:
        self._commands = commands

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._commands, name)

        def run(*args: Any, **kwargs: Any) -> Any:
            return asyncio.run(method(*args, **kwargs))

        return run


def blocking(commands: object) -> Blocking:
    return Blocking(commands)


def admin_sign_in_when_up(base_url: str, timeout: float = 30) -> httpx.Response:
    """The first admin's sign-in on a server process just started: retried until it listens."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.post(
                f"{base_url}/users/tokens/issue",
                json={"identity": ADMIN_IDENTITY, "secret": ADMIN_SECRET},
            )
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def server_env(data_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The FLEETID_* settings of a server process a test starts: its own data and database,
    the suite's first admin, cheap Argon2, a free MQTT port; `extra` adds or overrides."""
    return {
        "FLEETID_DATA_DIR": str(data_dir),
        "FLEETID_DATABASE_URL": database_url,
        "FLEETID_ADMIN_IDENTITY": ADMIN_IDENTITY,
        "FLEETID_ADMIN_SECRET": ADMIN_SECRET,
        "FLEETID_ADMIN_API_KEY": ADMIN_API_KEY,
        "FLEETID_ARGON2_MEMORY_KIB": "1024",
        "FLEETID_ARGON2_ITERATIONS": "1",
        "FLEETID_MQTT_PORT": str(free_port()),
        **extra,
    }


def free_port() -> int:
    """A port free on 127.0.0.1 now (for servers the tests start)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def incompressible_name(size: int) -> str:
    """A valid SenML name PostgreSQL cannot compress (hex digests), so an index row holding
    it really is `size` bytes: a repeated letter would compress to fit."""
    digests = (hashlib.sha256(str(n).encode()).hexdigest() for n in range(size // 64 + 1))
    return "".join(digests)[:size]


def refuse_name(fleet: FleetID, name: str) -> None:
    """Make the database refuse rows with this name, as it would a row no validation foresaw:
    a CHECK constraint on PostgreSQL, a trigger on SQLite (which cannot add constraints)."""
    if fleet.settings.is_sqlite:
        statement = (
            "CREATE TRIGGER refuse_name BEFORE INSERT ON messages "
            f"WHEN NEW.name = '{name}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    else:
        statement = f"ALTER TABLE messages ADD CONSTRAINT refuse_name CHECK (name <> '{name}')"
    with fleet.engine.begin() as conn:
        conn.exec_driver_sql(statement)


def metric_samples(text: str) -> list[Sample]:
    """Every sample of a scrape, parsed by prometheus_client's own parser."""
    return [s for family in text_string_to_metric_families(text) for s in family.samples]


def metric_total(samples: list[Sample], name: str, **labels: str) -> float:
    """The sum over the samples of `name` whose labels include `labels`."""
    return sum(
        s.value
        for s in samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )
