"""The limits on guessing secrets, over HTTP through the real app on SQLite and PostgreSQL:
sign-in per identity and per client address, every thing-secret route per client address, and
the counts shared by every FleetID process on the database."""

import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from litestar.testing import TestClient

from domain.causes import Interface
from infrastructure.schema import failed_attempts
from interfaces.bootstrap import FleetID, build, ensure_first_admin
from interfaces.rest.app import create_app
from tests.api.support import assert_problem
from tests.conftest import ADMIN_IDENTITY, ADMIN_SECRET, make_settings
from tests.helpers import admin_token, bearer

HOOK_SECRET = "hook-caller-secret-1"
THING_SECRET = "thing-secret-4711"


class Apps:
    """FleetID processes on one database, each serving HTTP through its own app."""

    def __init__(self, stack: ExitStack, tmp_path: Path, database_url: str, **limits: Any) -> None:
        self._stack = stack
        self._settings = make_settings(
            tmp_path / "data", database_url, mqtt_hook_secret=HOOK_SECRET, **limits
        )
        self.fleets: list[FleetID] = []

    def start(self) -> TestClient[Any]:
        fleet = build(self._settings)
        self._stack.callback(fleet.close)
        ensure_first_admin(fleet, Interface.CLI)
        self.fleets.append(fleet)
        return self._stack.enter_context(TestClient(create_app(fleet)))


@pytest.fixture
def apps(tmp_path: Path, database_url: str, request: pytest.FixtureRequest) -> Iterator[Apps]:
    limits: dict[str, Any] = getattr(request, "param", {})
    with ExitStack() as stack:
        yield Apps(stack, tmp_path, database_url, **limits)


def sign_in(client: TestClient[Any], secret: str, identity: str = ADMIN_IDENTITY) -> httpx.Response:
    return client.post("/users/tokens/issue", json={"identity": identity, "secret": secret})


def wait_out(response: httpx.Response) -> None:
    """Sleep as long as the refusal says."""
    time.sleep(int(response.headers["retry-after"]))


def refused(response: httpx.Response, retry_after: int) -> None:
    assert_problem(response, 429, field=None, error="too_many_attempts")
    assert response.headers["retry-after"] == str(retry_after)


PER_IDENTITY = {"throttle_identity_failures": 3, "throttle_client_failures": 0}


@pytest.mark.parametrize("apps", [PER_IDENTITY], indirect=True)
def test_an_identity_waits_after_failed_sign_ins_even_with_the_right_secret(apps: Apps) -> None:
    client = apps.start()
    for _ in range(3):
        assert_problem(sign_in(client, "wrong-secret-1"), 401)

    locked = sign_in(client, ADMIN_SECRET)
    refused(locked, 1)
    refused(sign_in(client, "wrong-secret-1", ADMIN_IDENTITY.upper()), 1)
    wait_out(locked)
    assert_problem(sign_in(client, "wrong-secret-1"), 401)
    doubled = sign_in(client, ADMIN_SECRET)
    refused(doubled, 2)
    wait_out(doubled)

    assert sign_in(client, ADMIN_SECRET).status_code == 201
    for _ in range(3):
        assert_problem(sign_in(client, "wrong-secret-1"), 401)
    refused(sign_in(client, ADMIN_SECRET), 1)


@pytest.mark.parametrize("apps", [PER_IDENTITY], indirect=True)
def test_processes_on_one_database_share_the_counts(apps: Apps) -> None:
    first, second = apps.start(), apps.start()
    for client in (first, second, first):
        assert_problem(sign_in(client, "wrong-secret-1"), 401)

    refused(sign_in(second, ADMIN_SECRET), 1)
    refused(sign_in(first, ADMIN_SECRET), 1)


@pytest.mark.parametrize("apps", [PER_IDENTITY], indirect=True)
def test_counts_are_kept_by_keyed_hash_only(apps: Apps) -> None:
    client = apps.start()
    assert_problem(sign_in(client, "wrong-secret-1"), 401)
    with apps.fleets[0].engine.connect() as conn:
        rows = conn.execute(sa.select(failed_attempts)).all()
    assert len(rows) == 1
    assert ADMIN_IDENTITY not in str(rows)
    assert set(rows[0].key) <= set("0123456789abcdef")
    assert len(rows[0].key) == 64


def test_a_client_address_waits_after_failed_sign_ins_of_any_identity(apps: Apps) -> None:
    client = apps.start()
    identities = [f"nobody.{i}@fleet.example" for i in range(50)]
    for identity in identities:
        assert_problem(sign_in(client, "wrong-secret-1", identity), 401)

    refused(sign_in(client, ADMIN_SECRET), 1)


PER_CLIENT = {"throttle_identity_failures": 0, "throttle_client_failures": 2}


@pytest.fixture
def device(apps: Apps) -> dict[str, Any]:
    """A thing that may write and read one channel."""
    client = apps.start()
    auth = bearer(admin_token(client))
    thing = client.post("/things", json={"credentials": {"secret": THING_SECRET}}, headers=auth)
    channel = client.post("/channels", json={"name": "throttled"}, headers=auth).json()["id"]
    connect = {"subject": thing.json()["id"], "object": channel, "actions": ["m_write", "m_read"]}
    assert client.post("/things/policies", json=connect, headers=auth).status_code == 201
    return {"client": client, "auth": auth, "thing": thing.json()["id"], "channel": channel}


def thing(secret: str) -> dict[str, str]:
    return {"Authorization": f"Thing {secret}"}


@pytest.mark.parametrize("apps", [PER_CLIENT], indirect=True)
def test_every_thing_secret_route_refuses_a_guessing_client(
    apps: Apps, device: dict[str, Any]
) -> None:
    client, channel = device["client"], device["channel"]
    access = f"/channels/{channel}/access"
    messages = f"/http/channels/{channel}/messages"
    pack = b'[{"n": "temp", "v": 1}]'
    senml = {"Content-Type": "application/senml+json"}

    right = {"subject": THING_SECRET, "action": "m_write"}
    for _ in range(20):
        assert client.post(access, json=right, headers=device["auth"]).status_code == 200
        assert client.post("/identify", headers=thing(THING_SECRET)).status_code == 200
    with apps.fleets[0].engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(failed_attempts)).scalar() == 0

    assert_problem(client.post("/identify", headers=thing("guess-1")), 401)
    wrong = {"subject": "guess-2", "action": "m_write"}
    assert_problem(client.post(access, json=wrong, headers=device["auth"]), 403)

    refused(client.post("/identify", headers=thing(THING_SECRET)), 1)
    refused(client.post(access, json=right, headers=device["auth"]), 1)
    refused(client.post(messages, content=pack, headers={**thing(THING_SECRET), **senml}), 1)
    refused(client.get(f"/channels/{channel}/messages", headers=thing(THING_SECRET)), 1)
    authn = {"clientid": device["thing"], "username": device["thing"], "password": THING_SECRET}
    hook = {"Authorization": f"Bearer {HOOK_SECRET}"}
    emqx = client.post("/mqtt/emqx/authn", json=authn, headers=hook)
    assert emqx.json()["result"] == "deny"


@pytest.mark.parametrize("apps", [PER_CLIENT], indirect=True)
def test_broker_hooks_count_failures_by_the_device_address(
    apps: Apps, device: dict[str, Any]
) -> None:
    client, me = device["client"], device["thing"]
    hook = {"Authorization": f"Bearer {HOOK_SECRET}", "vernemq-hook": "auth_on_register"}

    def register(address: str, secret: str) -> Any:
        body = {"peer_addr": address, "client_id": me, "username": me, "password": secret}
        response = client.post("/mqtt/vernemq", json=body, headers=hook)
        assert response.status_code == 200, response.text
        return response.json()

    denied = {"result": {"error": "not_allowed"}}
    assert register("10.0.0.2", "guess-1") == denied
    assert register("10.0.0.2", "guess-2") == denied
    assert register("10.0.0.2", THING_SECRET) == denied
    assert register("10.0.0.3", THING_SECRET) == {"result": "ok"}
    assert client.post("/identify", headers=thing(THING_SECRET)).status_code == 200


@pytest.mark.parametrize("apps", [PER_CLIENT], indirect=True)
def test_a_forwarded_for_header_from_an_untrusted_peer_is_ignored(apps: Apps) -> None:
    client = apps.start()
    for n, forged in enumerate(("198.51.100.1", "198.51.100.2")):
        headers = {**thing(f"guess-{n}"), "X-Forwarded-For": forged}
        assert_problem(client.post("/identify", headers=headers), 401)

    forged = {**thing("guess-3"), "X-Forwarded-For": "198.51.100.3"}
    refused(client.post("/identify", headers=forged), 1)


PROXIED = {**PER_CLIENT, "trusted_proxies": "10.0.0.1, testclient"}


@pytest.mark.parametrize("apps", [PROXIED], indirect=True)
def test_behind_a_trusted_proxy_each_forwarded_client_is_counted_apart(apps: Apps) -> None:
    client = apps.start()
    one = {"X-Forwarded-For": "203.0.113.9, 198.51.100.1, 10.0.0.1"}
    other = {"X-Forwarded-For": "198.51.100.2"}
    for n in range(2):
        assert_problem(client.post("/identify", headers={**thing(f"guess-{n}"), **one}), 401)

    refused(client.post("/identify", headers={**thing("guess-2"), **one}), 1)
    assert_problem(client.post("/identify", headers={**thing("guess-3"), **other}), 401)
