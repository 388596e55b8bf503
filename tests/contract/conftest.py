"""A FleetID server process on a fresh SQLite database, and schemathesis run against it."""

import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ADMIN_API_KEY
from tests.helpers import admin_sign_in_when_up, free_port, server_env

HOOK_SECRET = "contract-hook-secret"
THING_SECRET = "contract-thing-secret"
ST = Path(sys.executable).with_name("st")
HOOKS = "tests.contract.schemathesis_hooks"
PROJECT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Served:
    """The server, its admin's token and id, and a thing connected to a channel."""

    base: str
    token: str
    refresh_token: str
    admin_id: str
    channel_id: str
    entity_key: str
    """An identity entity's API key."""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    port = free_port()
    env = {
        **os.environ,
        **server_env(tmp_path / "data", f"sqlite:///{tmp_path / 'contract.db'}"),
        "FLEETID_MQTT_HOOK_SECRET": HOOK_SECRET,
        # Generated requests fail sign-ins by the thousand; throttling is tested elsewhere.
        "FLEETID_THROTTLE_IDENTITY_FAILURES": "1000000",
        "FLEETID_THROTTLE_CLIENT_FAILURES": "1000000",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "interfaces.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        tokens = admin_sign_in_when_up(base).json()
        token = tokens["access_token"]
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as admin:
            admin_id = admin.get("/users/profile").json()["id"]
            credentials = {"secret": THING_SECRET}
            thing = admin.post("/things", json={"credentials": credentials}).json()["id"]
            channel = admin.post("/channels", json={"name": "contract"}).json()["id"]
            connect = {"subjects": [thing], "objects": [channel]}
            assert admin.post("/connect", json=connect).status_code == 201
        entity = httpx.post(
            f"{base}/api/v1/admin/entity",
            json={"name": "contract", "role": "caller"},
            headers={"x-admin-api-key": ADMIN_API_KEY},
        )
        assert entity.status_code == 201, entity.text
        key = entity.json()["data"]["key"]
        yield Served(base, token, tokens["refresh_token"], admin_id, channel, key)
    finally:
        server.terminate()
        server.wait(timeout=30)


def toml(config: dict[str, Any]) -> str:
    """The few TOML shapes a schemathesis config needs: tables of strings, numbers, booleans."""
    lines: list[str] = []
    tables = {key: value for key, value in config.items() if isinstance(value, dict)}
    for key, value in config.items():
        if not isinstance(value, dict):
            lines.append(f"{key} = {_value(value)}")
    for name, table in tables.items():
        lines.extend(_table(name, table))
    text = "\n".join(lines) + "\n"
    tomllib.loads(text)
    return text


def _table(name: str, table: dict[str, Any]) -> list[str]:
    lines = [f"[{name}]"]
    nested = {key: value for key, value in table.items() if isinstance(value, dict)}
    lines += [f"{k} = {_value(v)}" for k, v in table.items() if not isinstance(v, dict)]
    for key, value in nested.items():
        lines += _table(f"{name}.{key}", value)
    return lines


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


@dataclass(frozen=True)
class Outcome:
    returncode: int
    output: str

    @property
    def operations(self) -> tuple[int, int, int]:
        """(tested, selected, in the document) from the run's summary."""
        selected = re.search(r"Selected: (\d+)/(\d+)", self.output)
        tested = re.search(r"Tested: (\d+)", self.output)
        assert selected, self.output[-3000:]
        assert tested, self.output[-3000:]
        return int(tested.group(1)), int(selected.group(1)), int(selected.group(2))


def run_schemathesis(
    tmp_path: Path,
    location: str,
    config: dict[str, Any],
    served: Served,
    *extra: str,
    hooks: str = HOOKS,
) -> Outcome:
    """`st run` with `config` and the hooks above; the output is kept for the assertion."""
    path = tmp_path / "schemathesis.toml"
    path.write_text(toml(config))
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": hooks,
        "FLEETID_FUZZ_ADMIN_ID": served.admin_id,
        "PYTHONPATH": str(PROJECT),
    }
    command = [str(ST), "--config-file", str(path), "run", location, *extra]
    done = subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=900
    )
    output = done.stdout + done.stderr
    (tmp_path / "schemathesis.log").write_text(output)
    return Outcome(done.returncode, output)
