"""The certificate manager's EcoSystem API: the document's examples in order, who may call
(its admins only), the figures derived from the balances' events, and the operator's
`fleetid ecosystem set`."""

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from domain.causes import Cause, Interface
from interfaces.aggregates import ALLOCATIONS, AUTHORITIES, ECOSYSTEMS, MEMBERS
from interfaces.bootstrap import (
    FleetID,
    build,
    ensure_certificate_authorities,
    ensure_ecosystem,
    ensure_shipped_profiles,
)
from interfaces.cli import main
from tests.api.certificate_people import balances, enroll, organizations, privilege
from tests.api.support import assert_problem
from tests.api.test_members_api import CONTACT
from tests.conftest import make_settings
from tests.helpers import admin_token, bearer, server_env

E = "/api/v1/ecosystems"


@pytest.fixture
def people(client: TestClient[Any], sqlite_fleet: FleetID) -> dict[str, dict[str, str]]:
    """Organization 1 may use authority 1 (100) and organization 2 authority 2 (50); an
    ecosystem admin (user 2), an admin and a user of organization 1 (3, 4); and an outsider."""
    ensure_ecosystem(sqlite_fleet)
    ensure_shipped_profiles(sqlite_fleet)
    ensure_certificate_authorities(sqlite_fleet)
    admin = bearer(admin_token(client))
    organizations(client, admin, "Domain", "Other")
    balances(client, admin, (1, 1, 100), (2, 2, 50))
    made = {
        "eco_admin": [privilege("ECO_ADMIN", profiles=[1, 2])],
        "org_admin": [privilege("ORG_ADMIN", 1, [1])],
        "org_user": [privilege("USER", 1, [1])],
    }
    return enroll(client, admin, made)


def order(fleet: FleetID, organization: int, authority: int, batch: str, count: int) -> None:
    user = fleet[MEMBERS].queries.views.by_number(4)
    assert user is not None
    commands, cause = fleet[ALLOCATIONS].commands, Cause.system(Interface.CLI)
    asyncio.run(commands.reserve(organization, authority, batch, str(user.user_id), count, cause))


def test_the_documents_examples_in_order(
    client: TestClient[Any], people: dict[str, dict[str, str]], sqlite_fleet: FleetID
) -> None:
    order(sqlite_fleet, 1, 1, "first", 5)
    order(sqlite_fleet, 1, 1, "second", 3)
    order(sqlite_fleet, 2, 2, "third", 10)
    commands, cause = sqlite_fleet[ALLOCATIONS].commands, Cause.system(Interface.CLI)
    asyncio.run(commands.commit(1, 1, "first", 4, cause))
    asyncio.run(commands.release(1, 1, "second", cause))
    today = datetime.now(UTC).date().isoformat()
    admin = people["admin"]

    statistics = client.get(f"{E}/statistics", headers=admin)
    assert statistics.status_code == 200, statistics.text
    assert statistics.json() == {
        "capacity": 0,
        "balance": 150,
        "used": 4,
        "ordered": [{"dt": f"{today}T00:00:00", "total": 3, "devices": 18}],
        "issued": [{"dt": f"{today}T00:00:00", "total": 1, "devices": 4}],
    }

    found = client.post(f"{E}/users", json={"searchLine": "test@email.test"}, headers=admin)
    assert found.status_code == 200, found.text
    assert found.json() == []
    every = client.post(f"{E}/users", json={"searchLine": ""}, headers=admin).json()
    assert [(user["userId"], user["isAdmin"]) for user in every] == [(1, True), (2, False)]
    by_email = client.post(f"{E}/users", json={"searchLine": "eco_admin@"}, headers=admin)
    assert [user["userId"] for user in by_email.json()] == [2]

    ecosystem = client.get(f"{E}/ecosystem", headers=admin)
    assert ecosystem.status_code == 200, ecosystem.text
    issuing = [a.name for a in sqlite_fleet[AUTHORITIES].queries.views.all() if a.profile]
    assert len(issuing) == 4
    assert ecosystem.json() == {
        "id": 1,
        "name": "FleetID",
        "description": "",
        "authorities": ", ".join(issuing),
        "capacity": 0,
    }
    assert client.get(f"{E}/ecosystem/balance", headers=admin).json() == 150 - 4 - 10

    one = client.get(f"{E}/users/2", headers=admin)
    assert one.status_code == 200, one.text
    assert one.json()["userPrivileges"][0]["userRole"] == "ECO_ADMIN"
    assert_problem(client.get(f"{E}/users/4", headers=admin), 404, field="userId")

    body = {
        **CONTACT,
        "userPrivileges": [
            {
                "id": 1,
                "userRole": "ECO_ADMIN",
                "ecosystemId": 1,
                "organizationId": 0,
                "accessibleProfiles": [1],
            }
        ],
    }
    changed = client.put(f"{E}/users/2", json=body, headers=admin)
    assert changed.status_code == 200, changed.text
    assert client.get(f"{E}/users/2", headers=admin).json()["firstName"] == CONTACT["firstName"]
    assert_problem(client.put(f"{E}/users/4", json=body, headers=admin), 404, field="userId")


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("eco_admin", 200), ("org_admin", 403), ("org_user", 403), ("outsider", 403)],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"{E}/statistics"),
        ("POST", f"{E}/users"),
        ("GET", f"{E}/ecosystem"),
        ("GET", f"{E}/ecosystem/balance"),
        ("GET", f"{E}/users/2"),
    ],
)
def test_only_the_ecosystems_admins_may_call(
    client: TestClient[Any],
    people: dict[str, dict[str, str]],
    who: str,
    status: int,
    method: str,
    path: str,
) -> None:
    body = {"searchLine": ""} if method == "POST" else None
    answer = client.request(method, path, json=body, headers=people[who])
    assert answer.status_code == status, answer.text


def test_the_operator_names_and_sizes_the_ecosystem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in server_env(tmp_path / "data", f"sqlite:///{tmp_path / 'e.db'}").items():
        monkeypatch.setenv(name, value)
    assert main(["ecosystem", "set", "--name", "Acme Fleet", "--capacity", "5000"]) == 0
    assert main(["ecosystem", "set", "--description", "Acme's devices"]) == 0
    assert main(["ecosystem", "set", "--capacity", "5000"]) == 0
    assert "as asked already" in capsys.readouterr().out
    assert main(["ecosystem", "set", "--capacity", "-1"]) == 2
    assert "capacity" in capsys.readouterr().err

    fleet = build(make_settings(tmp_path / "data", f"sqlite:///{tmp_path / 'e.db'}"))
    try:
        ecosystem = fleet[ECOSYSTEMS].queries.views.get(1)
    finally:
        fleet.close()
    assert ecosystem is not None
    assert (ecosystem.name, ecosystem.description, ecosystem.capacity) == (
        "Acme Fleet",
        "Acme's devices",
        5000,
    )
