"""What the certificate manager's users read of their organization: its answer with its
authorities, the authorities and profiles they may issue with, and its balances, down to what
each user used; and what they may not read of another organization's."""

import asyncio
from typing import Any

import pytest
from litestar.testing import TestClient

from domain.causes import Cause, Interface
from interfaces.aggregates import ALLOCATIONS, MEMBERS
from interfaces.bootstrap import FleetID, ensure_certificate_authorities, ensure_shipped_profiles
from tests.api.certificate_people import balances, enroll, organizations, privilege
from tests.api.support import assert_problem
from tests.helpers import admin_token, bearer

ECC = "ECC Device Certificate"


@pytest.fixture
def people(client: TestClient[Any], sqlite_fleet: FleetID) -> dict[str, dict[str, str]]:
    """Organization 1 may use authorities 1 (100) and 2 (50), organization 2 authority 1 (10).
    Its user may use profile 1, its admin profiles 1 and 2."""
    ensure_shipped_profiles(sqlite_fleet)
    ensure_certificate_authorities(sqlite_fleet)
    admin = bearer(admin_token(client))
    organizations(client, admin, "Domain", "Other")
    balances(client, admin, (1, 1, 100), (1, 2, 50), (2, 1, 10))
    made = {
        "org_user": [privilege("USER", 1, [1])],
        "org_admin": [privilege("ORG_ADMIN", 1, [1, 2])],
        "other_user": [privilege("USER", 2, [1])],
    }
    return enroll(client, admin, made)


def granted(authority: int, balance: int, profile: int, name: str) -> dict[str, Any]:
    return {
        "id": authority,
        "ecosystemId": 1,
        "signerCertificateId": authority,
        "ecosystemName": "FleetID",
        "balance": balance,
        "enabled": True,
        "profileId": profile,
        "profileName": name,
    }


def test_a_user_reads_its_organization_and_what_it_may_issue_with(
    client: TestClient[Any], people: dict[str, dict[str, str]]
) -> None:
    user = people["org_user"]
    profile_2 = client.get("/api/v1/profiles/2", headers=people["admin"]).json()["profileName"]

    allowed = client.get("/api/v1/authorities/allowed", headers=user)
    assert allowed.status_code == 200, allowed.text
    assert allowed.json() == [granted(1, 100, 1, ECC)]
    admins = client.get("/api/v1/authorities/allowed", headers=people["org_admin"]).json()
    assert admins == [granted(1, 100, 1, ECC), granted(2, 50, 2, profile_2)]

    mine = client.get("/api/v1/organizations/user", headers=user)
    assert mine.status_code == 200, mine.text
    assert mine.json()["organizationId"] == 1
    assert mine.json()["authorities"] == [granted(1, 100, 1, ECC), granted(2, 50, 2, profile_2)]
    assert client.get("/api/v1/organizations/1", headers=user).json() == mine.json()

    assert (
        client.get("/api/v1/authorities/1/balanceavailable?authorityId=1", headers=user).json()
        == 100
    )
    assert client.get("/api/v1/authorities/1/balanceavailable/1", headers=user).json() == 100
    assert client.get("/api/v1/authorities/1/balanceused/1", headers=user).json() == 0
    assert client.get("/api/v1/profiles/1/balance", headers=user).json() == 100

    profile = client.get("/api/v1/users/profiles?authorityId=1", headers=user)
    assert profile.json() == {"profileId": 1, "algorithms": ["EC:P-256"], "ca": ECC}
    assert [p["profileId"] for p in client.get("/api/v1/profiles", headers=user).json()] == [1]
    assert client.get("/api/v1/profiles/1/dn", headers=user).status_code == 200
    assert client.get("/api/v1/generators?profileId=1", headers=user).status_code == 200


RULES = [
    ("org_user", "/api/v1/organizations/2", 404),
    ("other_user", "/api/v1/organizations/1", 404),
    ("outsider", "/api/v1/organizations/1", 404),
    ("outsider", "/api/v1/organizations/user", 404),
    ("admin", "/api/v1/organizations/user", 404),
    ("org_user", "/api/v1/organizations", 403),
    ("org_admin", "/api/v1/organizations", 403),
    ("other_user", "/api/v1/authorities/1/balanceavailable/1", 403),
    ("other_user", "/api/v1/authorities/1/balanceused/1", 403),
    ("other_user", "/api/v1/organizations/1/all_authorities", 403),
    ("org_admin", "/api/v1/organizations/1/all_authorities", 200),
    ("org_user", "/api/v1/authorities/2/balanceavailable", 404),
    ("org_user", "/api/v1/authorities/3/balanceavailable", 404),
    ("org_user", "/api/v1/profiles/2/balance", 404),
    ("org_admin", "/api/v1/profiles/2/balance", 200),
    ("admin", "/api/v1/profiles/2/balance", 404),
    ("org_user", "/api/v1/profiles/2", 404),
    ("org_user", "/api/v1/profiles/2/parameters", 404),
    ("org_user", "/api/v1/generators?profileId=2", 404),
    ("org_user", "/api/v1/users/profiles?authorityId=2", 404),
    ("org_admin", "/api/v1/users/profiles?authorityId=2", 200),
    ("other_user", "/api/v1/users/profiles?authorityId=2", 404),
    ("outsider", "/api/v1/profiles", 403),
    ("outsider", "/api/v1/authorities/allowed", 403),
    ("outsider", "/api/v1/profiles/1", 404),
]


@pytest.mark.parametrize(("who", "path", "status"), RULES)
def test_who_may_read_what(
    client: TestClient[Any], people: dict[str, dict[str, str]], who: str, path: str, status: int
) -> None:
    answer = client.get(path, headers=people[who])
    assert answer.status_code == status, answer.text


def test_an_admin_sees_every_issuing_authority(
    client: TestClient[Any], people: dict[str, dict[str, str]]
) -> None:
    allowed = client.get("/api/v1/authorities/allowed", headers=people["admin"]).json()
    assert [a["id"] for a in allowed] == [1, 2, 3, 4]
    assert (allowed[0]["balance"], allowed[1]["balance"], allowed[2]["balance"]) == (110, 50, 0)


def test_what_each_user_used(
    client: TestClient[Any], people: dict[str, dict[str, str]], sqlite_fleet: FleetID
) -> None:
    user = sqlite_fleet[MEMBERS].queries.views.by_number(2)
    assert user is not None
    commands = sqlite_fleet[ALLOCATIONS].commands
    cause = Cause.system(Interface.CLI)
    asyncio.run(commands.reserve(1, 1, "batch-1", str(user.user_id), 30, cause))
    asyncio.run(commands.commit(1, 1, "batch-1", 25, cause))

    balances = "/api/v1/authorities/1/balance"
    viewer = people["org_admin"]
    assert client.get(f"{balances}used/1?userId=2", headers=viewer).json() == 25
    assert client.get(f"{balances}used/1?userId=3", headers=viewer).json() == 0
    assert client.get(f"{balances}used/1", headers=viewer).json() == 25
    assert client.get(f"{balances}available/1", headers=viewer).json() == 75
    assert client.get("/api/v1/profiles/1/balance", headers=people["org_user"]).json() == 75
    assert client.get(f"{balances}used/1?userId=99", headers=viewer).json() == 0


def test_an_admin_adds_to_a_balance(
    client: TestClient[Any], people: dict[str, dict[str, str]]
) -> None:
    body = {
        "addedBalance": 1,
        "profileName": "Prof name",
        "balance": 1,
        "signerCertificateId": 1,
        "usedBalance": 1,
        "profileId": 1,
        "ecosystemName": "Ecosystem Name",
        "id": 1,
        "extId": 1,
        "totalEcosystemBalance": 1,
        "ecosystemId": 1,
        "enabled": True,
    }
    path = "/api/v1/organizations/1/authority"
    added = client.post(path, json=body, headers=people["admin"])
    assert added.status_code == 200, added.text
    assert added.json() == {
        "id": 1,
        "ecosystemId": 1,
        "signerCertificateId": 1,
        "ecosystemName": "FleetID",
        "balance": 101,
        "enabled": True,
        "usedBalance": 0,
        "profileId": 1,
        "profileName": ECC,
        "totalEcosystemBalance": 111,
    }
    fresh = client.post(
        "/api/v1/organizations/2/authority",
        json={**body, "id": 3, "addedBalance": 5},
        headers=people["admin"],
    )
    assert fresh.json()["balance"] == 5
    refused = {**body, "addedBalance": -102}
    assert_problem(
        client.post(path, json=refused, headers=people["admin"]), 409, field="addedBalance"
    )
    assert_problem(
        client.post(path, json={**body, "id": 0}, headers=people["admin"]), 404, field="id"
    )
    assert_problem(client.post(path, json=body, headers=people["org_admin"]), 403)
    total = client.get("/api/v1/organizations/1/all_authorities", headers=people["admin"]).json()
    assert total[0]["balance"] == 101
