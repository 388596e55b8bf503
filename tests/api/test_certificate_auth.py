"""The certificate manager's authentication API (`/auth/...`): its examples in order, on FleetID's
own users, then what it refuses. Codes are mailed, expire, open once, and the answers to a reset
request do not tell registered logins apart."""

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import sqlalchemy as sa
from litestar.testing import TestClient

from domain.causes import Interface
from infrastructure.schema import mail_outbox
from interfaces.bootstrap import FleetID, build, ensure_first_admin
from interfaces.rest.app import create_app
from tests.api.support import assert_problem
from tests.conftest import ADMIN_IDENTITY, ADMIN_SECRET, make_settings
from tests.helpers import admin_token, bearer, register

AS_DOCUMENTED = {"Content-Type": "application/json;charset=utf-8", "Accept": "application/json"}
"""The headers of the document's reset examples, which send no body."""
CODE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", re.M)


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[FleetID]:
    fleet = build(make_settings(tmp_path / "data", f"sqlite:///{tmp_path / 'cm.db'}"))
    ensure_first_admin(fleet, Interface.CLI)
    try:
        yield fleet
    finally:
        fleet.close()


@pytest.fixture
def client(fleet: FleetID) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(fleet)) as client:
        yield client


def mailed_codes(fleet: FleetID, to: str) -> list[str]:
    with fleet.engine.connect() as conn:
        rows = conn.execute(
            sa.select(mail_outbox.c.body).where(mail_outbox.c.recipient == to)
        ).scalars()
        return [code for body in rows for code in CODE.findall(body)]


def sign_in(client: TestClient[Any], username: str, password: str) -> Any:
    return client.post("/auth/pwd", json={"username": username, "password": password})


def test_the_documents_examples_in_order(client: TestClient[Any], fleet: FleetID) -> None:
    register(client, "airone", "admin1-of-8", admin_token(client))

    signed_in = sign_in(client, "airone", "admin1-of-8")
    assert signed_in.status_code == 200, signed_in.text
    assert set(signed_in.json()) == {"accessToken", "refreshToken"}
    tokens = signed_in.json()

    refreshed = client.post("/auth/refresh", content=tokens["refreshToken"])
    assert refreshed.status_code == 200, refreshed.text
    assert set(refreshed.json()) == {"accessToken"}
    me = client.get("/users/profile", headers=bearer(refreshed.json()["accessToken"]))
    assert me.status_code == 200
    assert me.json()["credentials"]["identity"] == "airone"

    asked = client.post("/auth/reset?login=airone", headers=AS_DOCUMENTED)
    assert asked.status_code == 200
    assert asked.json() is True
    [code] = mailed_codes(fleet, "airone")

    valid = client.post(f"/auth/validate-code?code={code}", headers=AS_DOCUMENTED)
    assert valid.status_code == 200
    assert valid.json() is True

    update = {
        "updatedPassword": {"newPassword": "password1", "repeatedNewPassword": "password1"},
        "code": code,
    }
    updated = client.post("/auth/update", json=update)
    assert updated.status_code == 204, updated.text
    assert updated.content == b""

    assert sign_in(client, "airone", "password1").status_code == 200
    assert_problem(sign_in(client, "airone", "admin1-of-8"), 401)
    assert client.post(f"/auth/validate-code?code={code}").json() is False
    assert_problem(client.post("/auth/update", json=update), 401)


def test_the_first_admin_signs_in_here_too(client: TestClient[Any]) -> None:
    signed_in = sign_in(client, ADMIN_IDENTITY, ADMIN_SECRET)
    assert signed_in.status_code == 200
    me = client.get("/users/profile", headers=bearer(signed_in.json()["accessToken"]))
    assert me.json()["role"] == "admin"


def test_tokens_are_not_interchangeable(client: TestClient[Any]) -> None:
    tokens = sign_in(client, ADMIN_IDENTITY, ADMIN_SECRET).json()
    assert_problem(client.post("/auth/refresh", content=tokens["accessToken"]), 401)
    assert client.get("/users/profile", headers=bearer(tokens["refreshToken"])).status_code == 401
    access = jwt.decode(tokens["accessToken"], options={"verify_signature": False})
    assert access["exp"] - access["iat"] == 15 * 60


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not.a.token",
        b"\xff\xfe",
        b"x" * 10_000,
        b'{"refreshToken": "x"}',
    ],
)
def test_a_refresh_without_a_refresh_token_is_unauthenticated(
    client: TestClient[Any], body: bytes
) -> None:
    assert_problem(client.post("/auth/refresh", content=body), 401)


def test_a_second_request_within_the_window_answers_false_for_any_login(
    client: TestClient[Any], fleet: FleetID
) -> None:
    register(client, "known_login", "a-password-1", admin_token(client))
    answers = [client.post(f"/auth/reset?login={login}").json() for login in ("known_login",) * 2]
    unknown = [client.post("/auth/reset?login=nobody_here").json() for _ in range(2)]
    assert answers == unknown == [True, False]
    assert len(mailed_codes(fleet, "known_login")) == 1
    assert mailed_codes(fleet, "nobody_here") == []


def test_a_code_expires(tmp_path: Path) -> None:
    fleet = build(
        make_settings(tmp_path / "data", f"sqlite:///{tmp_path / 'x.db'}", password_reset_ttl=1)
    )
    ensure_first_admin(fleet, Interface.CLI)
    try:
        with TestClient(create_app(fleet)) as client:
            register(client, "short_lived", "a-password-1", admin_token(client))
            assert client.post("/auth/reset?login=short_lived").json() is True
            [code] = mailed_codes(fleet, "short_lived")
            assert client.post(f"/auth/validate-code?code={code}").json() is True
            time.sleep(1.1)
            assert client.post(f"/auth/validate-code?code={code}").json() is False
            assert client.post("/auth/reset?login=short_lived").json() is True
            assert len(mailed_codes(fleet, "short_lived")) == 2
    finally:
        fleet.close()


def test_the_log_holds_no_code(client: TestClient[Any], fleet: FleetID) -> None:
    register(client, "secretive", "a-password-1", admin_token(client))
    client.post("/auth/reset?login=secretive")
    [code] = mailed_codes(fleet, "secretive")
    with fleet.engine.connect() as conn:
        stored = b"".join(
            bytes(state)
            for state in conn.exec_driver_sql("SELECT state FROM stored_events").scalars()
        )
    assert code.encode() not in stored
    assert code.replace("-", "").encode() not in stored


@pytest.mark.parametrize(
    ("passwords", "field"),
    [
        (("password1", "password2"), "updatedPassword.repeatedNewPassword"),
        (("no-digits-here", "no-digits-here"), "updatedPassword.newPassword"),
        (("", ""), "updatedPassword.newPassword"),
        (("1" * 51, "1" * 51), "updatedPassword.newPassword"),
        (("short1", "short1"), "updatedPassword.newPassword"),
    ],
)
def test_a_new_password_breaking_a_rule_changes_nothing(
    client: TestClient[Any], fleet: FleetID, passwords: tuple[str, str], field: str
) -> None:
    register(client, "careful", "a-password-1", admin_token(client))
    client.post("/auth/reset?login=careful")
    [code] = mailed_codes(fleet, "careful")
    new, repeated = passwords
    body = {"updatedPassword": {"newPassword": new, "repeatedNewPassword": repeated}, "code": code}
    assert_problem(client.post("/auth/update", json=body), 400, field=field)
    assert sign_in(client, "careful", "a-password-1").status_code == 200
    assert client.post(f"/auth/validate-code?code={code}").json() is True


@pytest.mark.parametrize("query", ["", "code=", "code=" + "a" * 65, "code=%FF", "code=not-a-code"])
def test_validating_nonsense_answers_false_or_400(client: TestClient[Any], query: str) -> None:
    answer = client.post(f"/auth/validate-code?{query}")
    if answer.status_code == 200:
        assert answer.json() is False
    else:
        assert_problem(answer, 400)


def test_a_missing_query_parameter_is_named(client: TestClient[Any]) -> None:
    assert_problem(client.post("/auth/reset"), 400, field="login")
    assert_problem(client.post("/auth/validate-code"), 400, field="code")


def test_a_disabled_users_code_opens_nothing(client: TestClient[Any], fleet: FleetID) -> None:
    token = admin_token(client)
    user = register(client, "leaving", "a-password-1", token)
    client.post("/auth/reset?login=leaving")
    [code] = mailed_codes(fleet, "leaving")
    assert client.post(f"/users/{user['id']}/disable", headers=bearer(token)).status_code == 200
    assert client.post(f"/auth/validate-code?code={code}").json() is False
