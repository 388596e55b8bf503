"""Every example exchange of the certificate manager's sections that are built, replayed in the
document's order against a served FleetID (`fleetid serve`, as `make run` starts it): each gets
the documented status, and an answer of the documented shape (every documented field, with its
JSON type).

The document's examples come from a world the document does not show: user 1 is a USER of
organization 1, organization 3 has a balance, a reset code was mailed. The world is made first
through the API, and the few ids and secrets an example names are mapped onto it (WORLD_IDS):
FleetID's user 1 is its first admin, so the document's user 1 is user 2 here, and so on."""

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.certificate_manager_document import NO_BODY, Exchange, exchanges
from tests.conftest import ADMIN_IDENTITY, ADMIN_SECRET
from tests.helpers import admin_sign_in_when_up, bearer, free_port, server_env

SECTIONS = (
    "User Authentication API",
    "Authorities API",
    "Batch API",
    "Device API",
    "EcoSystem API",
    "Generator API",
    "Organization API",
    "Profile API",
    "User API",
)
AFTER_ISSUING = {"DELETE /api/v1/organizations/1/authority/1"}
"""The single-certificate batch of the Batch API's examples holds a reservation on this
authority until it is issued, and an authority cannot be taken away under a reservation (409,
docs/certificate-manager.md): this example is replayed once the issuer has done its work."""
ISSUING_SECONDS = 60
USERS_SECTIONS = ("Batch API", "Device API")
"""Sections whose every example is the document's USER's."""
TEXT = {"GET /api/v1/batches/1/status"}
"""Answers that are text, not JSON."""
USER_LOGIN, USER_PASSWORD, NEW_PASSWORD = "login1", "admin123", "qwerty123"
"""The document's USER: its password is the one its credentials example changes."""
AS_THE_USER = {
    "GET /api/v1/organizations/user",
    "GET /api/v1/authorities/1/balanceavailable?authorityId=1",
    "GET /api/v1/profiles/1/balance",
    "PUT /api/v1/users/credentials",
    "PUT /api/v1/users/current",
    "PUT /api/v1/users/update_email",
}
"""The examples the document gives to role USER; the others are an admin's."""
AUTHORITIES = {
    "PUT /api/v1/batches": 2,
    "PUT /api/v1/batches/preview": 2,
    "PUT /api/v1/batches/createSingleCertBatch": 1,
}
"""The document's authority 11 is, for a batch of its example's parameters, FleetID's issuing
authority of the shipped server profile (2) or of the device profile (1); its generator 11 is
the decimal sequence (1)."""
WORLD_IDS = {
    "GET /api/v1/users/1?organizationId=1": "/api/v1/users/2?organizationId=1",
    "PUT /api/v1/users/1": "/api/v1/users/2",
    "GET /api/v1/users/remove_user?userId=1": "/api/v1/users/remove_user?userId=2",
    "GET /api/v1/ecosystems/users/1": "/api/v1/ecosystems/users/3",
    "PUT /api/v1/ecosystems/users/1": "/api/v1/ecosystems/users/3",
}
MAPS = {"GET /api/v1/profiles/1/dn"}
"""Answers that are maps: the document's keys (`key1`) stand for whichever the profile fixes."""
FIRST_BATCH = {
    "authorityId": 2,
    "batchName": "Batch Name",
    "generatorId": 1,
    "generatorParams": {"increment": "1", "startValue": "100"},
    "batchSize": 5,
    "profileParams": {"commonName": "device", "dNSName": "device.example", "years": "1"},
}
"""Batch 1, which the document's batch examples read and reject."""
CODE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class World:
    """The served FleetID, the headers of its admin and of the document's USER, and what the
    exchanges hand on to later ones (a refresh token, a mailed code)."""

    def __init__(self, base: str, database: Path) -> None:
        self.base = base
        self.database = database
        self.admin = bearer(admin_sign_in_when_up(base).json()["access_token"])
        self.user: dict[str, str] = {}
        self.refresh = ""

    def call(self, method: str, target: str, body: Any = None, **headers: str) -> httpx.Response:
        content = body if isinstance(body, str) else None
        payload = None if isinstance(body, str) else body
        return httpx.request(
            method,
            f"{self.base}{target}",
            json=payload,
            content=content,
            headers=headers or self.admin,
            timeout=30,
        )

    def sign_in(self, login: str, password: str) -> dict[str, str]:
        signed = self.call("POST", "/auth/pwd", {"username": login, "password": password}, **{})
        assert signed.status_code == 200, signed.text
        return bearer(signed.json()["accessToken"])

    def mailed_code(self) -> str:
        with sqlite3.connect(self.database) as connection:
            bodies = [row[0] for row in connection.execute("SELECT body FROM mail_outbox")]
        found = CODE.search(bodies[-1])
        assert found is not None, bodies[-1]
        return found.group(0)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    port, database = free_port(), tmp_path / "served.db"
    env = server_env(tmp_path / "data", f"sqlite:///{database}")
    server = subprocess.Popen(
        [sys.executable, "-m", "interfaces.cli", "serve", "--port", str(port)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        world = World(f"http://127.0.0.1:{port}", database)
        _make(world)
        yield world
    finally:
        server.terminate()
        assert server.wait(timeout=30) == 0


def _make(world: World) -> None:
    """Organizations 1 to 3; balances of 1 with authorities 1 and 2, of 3 with authority 1; the
    document's USER (user 2) and an ecosystem admin (user 3); a login that asks for resets."""
    organization = {
        "address": "Street 1",
        "primaryContactName": "John",
        "primaryContactEmail": "j.smith@example.com",
        "primaryContactPhone": "+38 012 345 6789",
    }
    for name in ("Test org name", "Second", "Third"):
        created = world.call(
            "POST", "/api/v1/organizations", {**organization, "organizationName": name}
        )
        assert created.status_code == 200, created.text
    for number, authority in ((1, 1), (1, 2), (3, 1)):
        path = f"/api/v1/organizations/{number}"
        assert world.call("PUT", f"{path}/authority/{authority}").status_code == 200
        balance = {"balance": 100, "enabled": True}
        assert world.call("PUT", f"{path}/authorities/{authority}", balance).status_code == 200
    contact = {"firstName": "John", "lastName": "Smith", "phone": "+38 800 555 3535"}
    people = (
        (
            USER_LOGIN,
            USER_PASSWORD,
            {"userRole": "USER", "organizationId": 1, "accessibleProfiles": [1, 2]},
        ),
        (
            "ecoadmin",
            "secret123",
            {"userRole": "ECO_ADMIN", "ecosystemId": 1, "accessibleProfiles": [1]},
        ),
        ("test_login", "secret123", {"userRole": "USER", "organizationId": 2}),
    )
    for login, password, privilege in people:
        body = {
            **contact,
            "email": f"{login}@domain.dom",
            "credentials": {"login": login, "password": password},
            "userPrivileges": [privilege],
        }
        created = world.call("PUT", "/api/v1/users", body)
        assert created.status_code == 200, created.text
    world.user = world.sign_in(USER_LOGIN, USER_PASSWORD)
    ordered = world.call("PUT", "/api/v1/batches", FIRST_BATCH, **world.user)
    assert ordered.status_code == 200, ordered.text


def _request(world: World, exchange: Exchange) -> tuple[str, Any]:
    """The exchange's target and body, mapped onto the world."""
    target = WORLD_IDS.get(exchange.name, exchange.target)
    if exchange.body is None:
        return target, None
    if exchange.target == "/auth/refresh":
        return target, world.refresh
    if exchange.method == "DELETE":
        return target, exchange.body
    body = json.loads(exchange.body)
    if exchange.name in AUTHORITIES:
        body["authorityId"] = AUTHORITIES[exchange.name]
        if "generatorId" in body:
            body["generatorId"] = 1
    if exchange.target == "/auth/pwd":
        body = {"username": ADMIN_IDENTITY, "password": ADMIN_SECRET}
    if exchange.target == "/auth/update":
        body["code"] = world.mailed_code()
    return target, body


def _replay(world: World, exchange: Exchange) -> httpx.Response:
    target, body = _request(world, exchange)
    as_user = exchange.name in AS_THE_USER or exchange.section in USERS_SECTIONS
    headers = world.user if as_user else world.admin
    answer = world.call(exchange.method, target, body, **headers)
    if exchange.target == "/auth/pwd" and answer.status_code == 200:
        world.refresh = answer.json()["refreshToken"]
    if exchange.target == "/api/v1/users/credentials" and answer.json() is True:
        world.user = world.sign_in(USER_LOGIN, NEW_PASSWORD)
    return answer


def _wait_for_issuing(world: World) -> None:
    """Until no batch is still being issued."""
    deadline = time.monotonic() + ISSUING_SECONDS
    number = 1
    while (
        status := world.call("GET", f"/api/v1/batches/{number}/status", **world.admin)
    ).is_success:
        if status.text != "Processing":
            number += 1
        elif time.monotonic() > deadline:
            raise AssertionError(f"batch {number} is still being issued")
        else:
            time.sleep(0.1)


def shape_faults(documented: Any, actual: Any, where: str = "") -> list[str]:
    """Where `actual` lacks a documented field or holds another JSON type. Lists are compared
    by their first items, when both have one."""
    if isinstance(documented, dict):
        if not isinstance(actual, dict):
            return [f"{where or 'body'}: an object expected, got {actual!r}"]
        faults = [f"{where}.{key}: missing" for key in documented if key not in actual]
        for key, value in documented.items():
            if key in actual:
                faults += shape_faults(value, actual[key], f"{where}.{key}")
        return faults
    if isinstance(documented, list):
        if not isinstance(actual, list):
            return [f"{where or 'body'}: an array expected, got {actual!r}"]
        if documented and actual:
            return shape_faults(documented[0], actual[0], f"{where}[0]")
        return []
    if documented is None or actual is None:
        return []
    if _kind(documented) != _kind(actual):
        return [f"{where or 'body'}: {_kind(documented)} expected, got {actual!r}"]
    return []


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def test_every_example_of_the_administrative_sections(world: World) -> None:
    replayed = list(exchanges(*SECTIONS))
    assert len(replayed) == 58, [e.name for e in replayed]
    faults: list[str] = []
    for exchange in replayed:
        if exchange.name in AFTER_ISSUING:
            _wait_for_issuing(world)
        answer = _replay(world, exchange)
        if answer.status_code != exchange.status:
            faults.append(f"{exchange.name}: {answer.status_code} {answer.text[:200]}")
        elif exchange.name in TEXT:
            if not answer.headers["content-type"].startswith("text/plain") or not answer.text:
                faults.append(f"{exchange.name}: text expected, got {answer.text[:200]}")
        elif exchange.answer is NO_BODY:
            if answer.content not in (b"", b"null"):
                faults.append(f"{exchange.name}: no body documented, got {answer.text[:200]}")
        else:
            documented = exchange.answer
            if exchange.name in MAPS:
                documented = dict.fromkeys(answer.json(), next(iter(documented.values())))
            faults += [f"{exchange.name} {f}" for f in shape_faults(documented, answer.json())]
    assert not faults, "\n".join(faults)


def test_shapes_are_compared_field_by_field() -> None:
    """Guards the comparison the replay rests on."""
    documented = {"id": 1, "name": "x", "on": True, "items": [{"n": 1}], "none": None}
    assert shape_faults(documented, {**documented, "extra": 2}) == []
    assert shape_faults(documented, {**documented, "on": 1}) == [".on: boolean expected, got 1"]
    assert shape_faults(documented, {"id": 1, "name": "x", "on": True, "items": [{}]}) == [
        ".none: missing",
        ".items[0].n: missing",
    ]
    assert shape_faults(2000, "2000") == ["body: number expected, got '2000'"]
