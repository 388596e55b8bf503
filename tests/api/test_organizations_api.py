"""The certificate manager's Organization API: the document's examples in order, who may call
each route, and what it refuses (changing nothing)."""

from typing import Any

import pytest
from litestar.testing import TestClient

from tests.api.support import assert_problem
from tests.helpers import admin_token, bearer, register

CREATE = {
    "organizationName": "Org. Name",
    "address": "Street 1",
    "primaryContactName": "John",
    "primaryContactEmail": "j.smith@example.com",
    "primaryContactPhone": "+38 012 345 6789",
    "orgStatus": "ACTIVE",
    "manufactureId": "1020",
    "logo": "Logo",
}
UPDATE = {
    "organizationId": 1,
    "address": "Street 1",
    "primaryContactName": "John",
    "primaryContactEmail": "j.smith@example.com",
    "primaryContactPhone": "+38 012 345 6789",
    "orgStatus": "ACTIVE",
    "manufactureId": "1",
    "logo": "LOGO",
    "organizationParameters": {
        "ORGANIZATION": "TestOrg",
        "CITY": "NY",
        "COUNTRY": "US",
        "STATE": "NY",
        "MANUFACTURER_ID": "1020",
    },
}
AS_DOCUMENTED = {"Content-Type": "application/json;charset=utf-8", "Accept": "application/json"}


def create(client: TestClient[Any], token: str, **changes: Any) -> Any:
    return client.post("/api/v1/organizations", json={**CREATE, **changes}, headers=bearer(token))


def test_the_documents_examples_in_order(client: TestClient[Any]) -> None:
    admin = bearer(admin_token(client))
    created = client.post("/api/v1/organizations", json=CREATE, headers=admin | AS_DOCUMENTED)
    assert created.status_code == 200, created.text
    assert created.json() == 1

    updated = client.put("/api/v1/organizations", json=UPDATE, headers=admin | AS_DOCUMENTED)
    assert updated.status_code == 200, updated.text
    assert updated.content == b""

    got = client.get("/api/v1/organizations/1", headers=admin)
    assert got.status_code == 200
    assert got.json() == {
        "organizationId": 1,
        "organizationName": "Org. Name",
        "address": "Street 1",
        "primaryContactName": "John",
        "primaryContactEmail": "j.smith@example.com",
        "primaryContactPhone": "+38 012 345 6789",
        "manufactureId": "1",
        "logo": "LOGO",
        "authorities": [],
        "ecosystemId": 1,
        "organizationParameters": UPDATE["organizationParameters"],
        "orgStatus": "ACTIVE",
    }

    assert create(client, admin_token(client), organizationName="Second").json() == 2
    listed = client.get("/api/v1/organizations?page=1&size=1", headers=admin)
    assert listed.status_code == 200
    assert [o["organizationId"] for o in listed.json()] == [2]
    every = client.get("/api/v1/organizations", headers=admin).json()
    assert [o["organizationName"] for o in every] == ["Org. Name", "Second"]

    items = client.get("/api/v1/organizations/select/items", headers=admin)
    assert items.json() == [{"id": 1, "name": "Org. Name"}, {"id": 2, "name": "Second"}]

    exists = client.get("/api/v1/organizations/check_organization?name=org.%20NAME", headers=admin)
    assert exists.json() is True
    absent = client.get("/api/v1/organizations/check_organization?name=Other", headers=admin)
    assert absent.json() is False

    parameters = client.get("/api/v1/organizations/profile_parameters/1", headers=admin)
    assert parameters.json() == UPDATE["organizationParameters"]
    blank = client.get("/api/v1/organizations/profile_parameters/2", headers=admin)
    assert blank.json() == dict.fromkeys(UPDATE["organizationParameters"], "")


def test_an_update_without_parameters_keeps_them(client: TestClient[Any]) -> None:
    admin = bearer(admin_token(client))
    create(client, admin_token(client))
    client.put("/api/v1/organizations", json=UPDATE, headers=admin)
    without = {k: v for k, v in UPDATE.items() if k != "organizationParameters"}
    assert (
        client.put(
            "/api/v1/organizations", json=without | {"logo": "L2"}, headers=admin
        ).status_code
        == 200
    )
    got = client.get("/api/v1/organizations/1", headers=admin).json()
    assert got["logo"] == "L2"
    assert got["organizationParameters"] == UPDATE["organizationParameters"]


ROUTES = [
    ("GET", "/api/v1/organizations/1", None),
    ("GET", "/api/v1/organizations", None),
    ("POST", "/api/v1/organizations", CREATE | {"organizationName": "By a user"}),
    ("PUT", "/api/v1/organizations", UPDATE),
    ("GET", "/api/v1/organizations/select/items", None),
    ("GET", "/api/v1/organizations/check_organization?name=Org.%20Name", None),
    ("GET", "/api/v1/organizations/profile_parameters/1", None),
]
"""Every route: an admin's only. An organization read by one who may not read it answers as
an unknown one (404), so nobody learns which numbers exist."""


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_who_may_call_each_route(
    client: TestClient[Any], method: str, path: str, body: Any
) -> None:
    token = admin_token(client)
    create(client, token)
    register(client, "plain.user@fleet.example", "a-password-1", token)
    user = client.post(
        "/auth/pwd", json={"username": "plain.user@fleet.example", "password": "a-password-1"}
    ).json()["accessToken"]
    assert_problem(client.request(method, path, json=body), 401)
    answer = client.request(method, path, json=body, headers=bearer(user))
    assert_problem(answer, 404 if "/1" in path and method == "GET" else 403)
    assert client.request(method, path, json=body, headers=bearer(token)).status_code == 200
    listed = client.get("/api/v1/organizations", headers=bearer(token)).json()
    assert [o["organizationName"] for o in listed] == ["Org. Name"] + (
        ["By a user"] if method == "POST" else []
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"organizationName": ""}, "organizationName"),
        ({"organizationName": "   "}, "organizationName"),
        ({"organizationName": "x" * 256}, "organizationName"),
        ({"address": ""}, "address"),
        ({"primaryContactName": ""}, "primaryContactName"),
        ({"primaryContactEmail": "not-an-email"}, "primaryContactEmail"),
        ({"primaryContactEmail": "a@b"}, "primaryContactEmail"),
        ({"primaryContactPhone": "12"}, "primaryContactPhone"),
        ({"primaryContactPhone": "phone"}, "primaryContactPhone"),
        ({"orgStatus": "active!"}, "orgStatus"),
        ({"organizationName": "Org. Name"}, "organizationName"),
        ({"organizationName": "ORG. NAME"}, "organizationName"),
        ({"address": "nul\x00"}, "address"),
        ({"logo": 5}, "logo"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    client: TestClient[Any], changes: dict[str, Any], field: str
) -> None:
    token = admin_token(client)
    assert create(client, token).json() == 1
    answer = create(client, token, **changes)
    status = 409 if changes.get("organizationName", "").lower() == "org. name" else 400
    assert_problem(answer, status, field=field)
    listed = client.get("/api/v1/organizations", headers=bearer(token)).json()
    assert len(listed) == 1
    assert create(client, token, organizationName="Next").json() == 2


@pytest.mark.parametrize(
    "query", ["page=-1", "size=0", "size=51", "page=x", "size=1e3", "page=99999999999"]
)
def test_page_limits(client: TestClient[Any], query: str) -> None:
    answer = client.get(f"/api/v1/organizations?{query}", headers=bearer(admin_token(client)))
    assert_problem(answer, 400)


def test_updates_of_unknown_or_malformed_organizations(client: TestClient[Any]) -> None:
    admin = bearer(admin_token(client))
    assert_problem(client.put("/api/v1/organizations", json=UPDATE, headers=admin), 404)
    create(client, admin_token(client))
    odd = UPDATE | {"organizationParameters": {"PLANET": "Mars", "CITY": "Oslo"}}
    assert client.put("/api/v1/organizations", json=odd, headers=admin).status_code == 200
    got = client.get("/api/v1/organizations/1", headers=admin).json()
    unset = dict.fromkeys(UPDATE["organizationParameters"], "")
    assert got["organizationParameters"] == unset | {"CITY": "Oslo"}
    long = UPDATE | {"organizationParameters": {"CITY": "x" * 256}}
    assert_problem(
        client.put("/api/v1/organizations", json=long, headers=admin),
        400,
        field="organizationParameters.CITY",
    )
    assert_problem(client.get("/api/v1/organizations/2", headers=admin), 404)
    assert_problem(client.get("/api/v1/organizations/-1", headers=admin), 400)


def test_two_admins_creating_at_once_get_distinct_numbers(client: TestClient[Any]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    token = admin_token(client)
    with ThreadPoolExecutor(8) as pool:
        numbers = list(
            pool.map(lambda n: create(client, token, organizationName=f"Org {n}").json(), range(16))
        )
    assert sorted(numbers) == list(range(1, 17))
