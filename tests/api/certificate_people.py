"""The certificate manager's people for API tests: organizations, balances, and users with
privileges, each signed in through the certificate manager's own sign-in."""

from typing import Any

import httpx

from tests.api.test_organizations_api import CREATE as ORGANIZATION
from tests.helpers import bearer, register

USERS_PATH = "/api/v1/users"
PASSWORD = "secret123"
CREATE = {
    "userId": None,
    "firstName": "John",
    "lastName": "Smith",
    "phone": "+38 050 492 4110",
    "email": "j.smith@example.com",
    "organizationId": 1,
    "organizationName": "Sample Org",
    "credentials": {"login": "eeeeeeeeeeeeeeeffffff", "password": "admin123"},
    "userPrivileges": [
        {
            "id": 1,
            "userRole": "USER",
            "ecosystemId": 0,
            "organizationId": 1,
            "accessibleProfiles": [1],
        }
    ],
    "ecosystemId": 1,
    "isAdmin": True,
}


def cm_sign_in(client: httpx.Client, login: str, password: str) -> dict[str, str]:
    signed = client.post("/auth/pwd", json={"username": login, "password": password})
    assert signed.status_code == 200, signed.text
    return bearer(signed.json()["accessToken"])


def create_member(
    client: httpx.Client, token: dict[str, str], login: str, privileges: list[Any], **more: Any
) -> Any:
    body = {**CREATE, "credentials": {"login": login, "password": PASSWORD}}
    return client.put(
        USERS_PATH, json={**body, "userPrivileges": privileges, **more}, headers=token
    )


def privilege(role: str, organization: int = 1, profiles: list[int] | None = None) -> Any:
    ecosystem = 1 if role == "ECO_ADMIN" else 0
    return {
        "userRole": role,
        "ecosystemId": ecosystem,
        "organizationId": 0 if role == "ECO_ADMIN" else organization,
        "accessibleProfiles": [1] if profiles is None else profiles,
    }


def organizations(client: httpx.Client, admin: dict[str, str], *names: str) -> None:
    """Numbered from 1 in the order given."""
    for name in names:
        body = {**ORGANIZATION, "organizationName": name}
        created = client.post("/api/v1/organizations", json=body, headers=admin)
        assert created.status_code == 200, created.text


def balances(client: httpx.Client, admin: dict[str, str], *given: tuple[int, int, int]) -> None:
    """(organization, authority, balance): each granted and enabled."""
    for organization, authority, balance in given:
        path = f"/api/v1/organizations/{organization}"
        assert client.put(f"{path}/authority/{authority}", headers=admin).is_success
        change = {"balance": balance, "enabled": True}
        changed = client.put(f"{path}/authorities/{authority}", json=change, headers=admin)
        assert changed.status_code == 200, changed.text


def enroll(
    client: httpx.Client, admin: dict[str, str], made: dict[str, list[Any]]
) -> dict[str, dict[str, str]]:
    """Each login made a user with its privileges (numbered from 2 in the order given), and an
    outsider: a FleetID user outside the certificate manager. Their headers, and the admin's."""
    tokens = {"admin": admin}
    for login, privileges in made.items():
        created = create_member(client, admin, login, privileges, email=f"{login}@example.com")
        assert created.status_code == 200, created.text
        tokens[login] = cm_sign_in(client, login, PASSWORD)
    register(client, "outsider@example.com", PASSWORD)
    tokens["outsider"] = cm_sign_in(client, "outsider@example.com", PASSWORD)
    return tokens
