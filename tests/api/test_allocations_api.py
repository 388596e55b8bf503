"""An organization's balances per authority through the API: the document's examples in order,
who may call, and what is refused."""

from typing import Any

import pytest
from litestar.testing import TestClient

from domain.causes import Interface
from interfaces.bootstrap import FleetID, ensure_certificate_authorities, ensure_shipped_profiles
from tests.api.support import assert_problem
from tests.api.test_organizations_api import CREATE
from tests.helpers import admin_token, bearer, register

ORG = "/api/v1/organizations/1"


@pytest.fixture
def admin(client: TestClient[Any], sqlite_fleet: FleetID) -> dict[str, str]:
    ensure_shipped_profiles(sqlite_fleet)
    ensure_certificate_authorities(sqlite_fleet)
    headers = bearer(admin_token(client))
    assert client.post("/api/v1/organizations", json=CREATE, headers=headers).json() == 1
    return headers


def test_the_documents_examples_in_order(client: TestClient[Any], admin: dict[str, str]) -> None:
    granted = client.put(f"{ORG}/authority/1", headers=admin)
    assert granted.status_code == 200
    assert granted.content == b""

    changed = client.put(
        f"{ORG}/authorities/1", json={"balance": 100, "enabled": True}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    assert changed.json() == {
        "id": 1,
        "enabled": True,
        "balance": 100,
        "usedBalance": 0,
        "availableBalance": 100,
        "profileId": 1,
        "profileName": "ECC Device Certificate",
        "totalEcosystemBalance": 100,
    }
    listed = client.get(f"{ORG}/all_authorities", headers=admin).json()
    assert listed == [changed.json()]
    used = client.get("/api/v1/authorities/1/balanceused/1?userId=1", headers=admin)
    assert used.json() == 0
    available = client.get("/api/v1/authorities/1/balanceavailable/1", headers=admin)
    assert available.json() == 100

    second = CREATE | {"organizationName": "Second"}
    assert client.post("/api/v1/organizations", json=second, headers=admin).json() == 2
    client.put("/api/v1/organizations/2/authority/1", headers=admin)
    client.put(
        "/api/v1/organizations/2/authorities/1",
        json={"balance": 40, "enabled": False},
        headers=admin,
    )
    total = client.get(f"{ORG}/all_authorities", headers=admin).json()[0]
    assert total["totalEcosystemBalance"] == 140

    removed = client.delete(f"{ORG}/authority/1", headers=admin)
    assert removed.status_code == 200
    assert client.get(f"{ORG}/all_authorities", headers=admin).json() == []
    assert_problem(client.get("/api/v1/authorities/1/balanceavailable/1", headers=admin), 404)
    assert client.put(f"{ORG}/authority/1", headers=admin).status_code == 200
    back = client.get(f"{ORG}/all_authorities", headers=admin).json()
    assert back[0]["balance"] == 100


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", f"{ORG}/authority/1", None),
        ("PUT", f"{ORG}/authorities/1", {"balance": 5, "enabled": True}),
        ("DELETE", f"{ORG}/authority/1", None),
        ("GET", f"{ORG}/all_authorities", None),
        ("GET", "/api/v1/authorities/1/balanceused/1", None),
        ("GET", "/api/v1/authorities/1/balanceavailable/1", None),
    ],
)
def test_only_admins_may_call(
    client: TestClient[Any], admin: dict[str, str], method: str, path: str, body: Any
) -> None:
    client.put(f"{ORG}/authority/1", headers=admin)
    register(client, "balance_user", "a-password-1", admin_token(client))
    signed = client.post("/auth/pwd", json={"username": "balance_user", "password": "a-password-1"})
    user = bearer(signed.json()["accessToken"])
    assert_problem(client.request(method, path, json=body), 401)
    assert_problem(client.request(method, path, json=body, headers=user), 403)
    assert client.request(method, path, json=body, headers=admin).status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        (f"{ORG}/authorities/1", {"balance": -1, "enabled": True}, 400, "balance"),
        (f"{ORG}/authorities/1", {"balance": 10**13, "enabled": True}, 400, "balance"),
        (f"{ORG}/authorities/1", {"balance": "ten", "enabled": True}, 400, "balance"),
        (f"{ORG}/authorities/1", {"balance": 1}, 400, "enabled"),
        (f"{ORG}/authorities/9", {"balance": 1, "enabled": True}, 404, "authorityId"),
        (
            "/api/v1/organizations/7/authorities/1",
            {"balance": 1, "enabled": True},
            404,
            "authorityId",
        ),
    ],
)
def test_bad_changes_are_refused_and_change_nothing(
    client: TestClient[Any], admin: dict[str, str], path: str, body: Any, status: int, field: str
) -> None:
    client.put(f"{ORG}/authority/1", headers=admin)
    client.put(f"{ORG}/authorities/1", json={"balance": 3, "enabled": True}, headers=admin)
    assert_problem(client.put(path, json=body, headers=admin), status, field=field)
    assert client.get(f"{ORG}/all_authorities", headers=admin).json()[0]["balance"] == 3


def test_granting_needs_an_organization_and_an_issuing_authority(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    assert_problem(
        client.put("/api/v1/organizations/5/authority/1", headers=admin),
        404,
        field="organizationId",
    )
    assert_problem(client.put(f"{ORG}/authority/0", headers=admin), 404, field="authorityId")
    assert_problem(client.put(f"{ORG}/authority/99", headers=admin), 404, field="authorityId")


def test_a_balance_cannot_drop_below_what_is_used_and_reserved(
    client: TestClient[Any], admin: dict[str, str], sqlite_fleet: FleetID
) -> None:
    import asyncio

    from domain.causes import Cause
    from interfaces.aggregates import ALLOCATIONS

    client.put(f"{ORG}/authority/1", headers=admin)
    client.put(f"{ORG}/authorities/1", json={"balance": 10, "enabled": True}, headers=admin)
    commands = sqlite_fleet[ALLOCATIONS].commands
    cause = Cause.system(Interface.CLI)
    asyncio.run(commands.reserve(1, 1, "batch-a", "someone", 6, cause))
    asyncio.run(commands.commit(1, 1, "batch-a", 4, cause))
    asyncio.run(commands.reserve(1, 1, "batch-b", "someone", 3, cause))
    item = client.get(f"{ORG}/all_authorities", headers=admin).json()[0]
    assert (item["usedBalance"], item["availableBalance"]) == (4, 3)
    low = client.put(f"{ORG}/authorities/1", json={"balance": 6, "enabled": True}, headers=admin)
    assert_problem(low, 400, field="balance")
    assert (
        client.put(
            f"{ORG}/authorities/1", json={"balance": 7, "enabled": True}, headers=admin
        ).json()["availableBalance"]
        == 0
    )
    assert_problem(client.delete(f"{ORG}/authority/1", headers=admin), 409)
