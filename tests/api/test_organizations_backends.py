"""Organizations, the certificate manager's users and batches on SQLite and PostgreSQL: numbers,
the case-blind unique name and e-mail, the page order, the batch grid's filters, reads `as_of` a
position answering what they answered then, and an erased person's contact gone from every
version."""

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from domain.causes import Cause, Interface
from interfaces.aggregates import MEMBERS, USERS
from interfaces.bootstrap import (
    FleetID,
    ensure_certificate_authorities,
    ensure_first_admin,
    ensure_shipped_profiles,
)
from interfaces.rest.app import create_app
from tests.api.certificate_people import balances, create_member, enroll, privilege
from tests.api.support import assert_problem
from tests.api.test_batch_preview_api import SERVER
from tests.api.test_members_api import CONTACT as MEMBER_CONTACT
from tests.api.test_organizations_api import CREATE, UPDATE
from tests.helpers import admin_token, bearer


@pytest.fixture
def admin_client(fleet: FleetID) -> Iterator[tuple[FleetID, TestClient[Any], dict[str, str]]]:
    ensure_first_admin(fleet, Interface.CLI)
    with TestClient(create_app(fleet)) as client:
        yield fleet, client, bearer(admin_token(client))


def test_organizations_read_alike_now_and_as_of(
    admin_client: tuple[FleetID, TestClient[Any], dict[str, str]],
) -> None:
    fleet, client, admin = admin_client
    for name in ("Org. Name", "Ørsted Å/S", "Third"):
        assert (
            client.post(
                "/api/v1/organizations", json=CREATE | {"organizationName": name}, headers=admin
            ).status_code
            == 200
        )
    taken = client.post(
        "/api/v1/organizations", json=CREATE | {"organizationName": "ØRSTED å/s"}, headers=admin
    )
    assert_problem(taken, 409, field="organizationName")
    before = fleet.projections.position
    then = client.get("/api/v1/organizations/1", headers=admin).json()
    assert client.put("/api/v1/organizations", json=UPDATE, headers=admin).status_code == 200

    now = client.get("/api/v1/organizations/1", headers=admin).json()
    assert now["organizationParameters"] == UPDATE["organizationParameters"]
    past = client.get(f"/api/v1/organizations/1?as_of={before}", headers=admin).json()
    assert past == then
    assert past["organizationParameters"] == dict.fromkeys(UPDATE["organizationParameters"], "")
    page = client.get("/api/v1/organizations?page=0&size=2", headers=admin).json()
    assert [o["organizationId"] for o in page] == [1, 2]
    assert page[1]["organizationName"] == "Ørsted Å/S"


def test_users_read_alike_now_as_of_and_after_erasure(
    admin_client: tuple[FleetID, TestClient[Any], dict[str, str]],
) -> None:
    fleet, client, admin = admin_client
    assert client.post("/api/v1/organizations", json=CREATE, headers=admin).status_code == 200
    for login in ("first_user", "second_user"):
        created = create_member(client, admin, login, [privilege("USER", 1, [])])
        assert created.status_code == 200, created.text
    before = fleet.projections.position
    contact = {**MEMBER_CONTACT, "email": "Changed@Example.com"}
    changed = client.put("/api/v1/users/2", json={**contact, "userPrivileges": []}, headers=admin)
    assert changed.status_code == 200, changed.text

    found = client.post("/api/v1/users/organizations/1", json={}, headers=admin).json()
    assert [user["userId"] for user in found] == [3]
    then = client.get(f"/api/v1/users/2?as_of={before}", headers=admin).json()
    now = client.get("/api/v1/users/2", headers=admin).json()
    assert (then["organizationId"], then["email"]) == (1, MEMBER_CONTACT["email"])
    assert (now["organizationId"], now["email"]) == (0, "Changed@Example.com")
    taken = client.get("/api/v1/users/check_email?email=changed@EXAMPLE.com", headers=admin)
    assert taken.json() is True

    member = fleet[MEMBERS].queries.views.by_number(2)
    assert member is not None
    asyncio.run(fleet[USERS].commands.erase(member.user_id, Cause.system(Interface.CLI)))
    erased = client.get(f"/api/v1/users/2?as_of={before}", headers=admin).json()
    assert (erased["firstName"], erased["email"]) == ("", "")
    assert (
        client.get("/api/v1/users/check_email?email=changed@example.com", headers=admin).json()
        is False
    )


def test_batches_are_ordered_and_found_alike(
    admin_client: tuple[FleetID, TestClient[Any], dict[str, str]],
) -> None:
    fleet, client, admin = admin_client
    ensure_shipped_profiles(fleet)
    ensure_certificate_authorities(fleet)
    assert client.post("/api/v1/organizations", json=CREATE, headers=admin).status_code == 200
    balances(client, admin, (1, 2, 100))
    user = enroll(client, admin, {"orderer": [privilege("USER", 1, [2])]})["orderer"]
    for size, name in ((3, "first"), (5, "Second one"), (7, "third")):
        body = {**SERVER, "batchSize": size, "batchName": name}
        assert client.put("/api/v1/batches", json=body, headers=user).status_code == 200
    assert client.request("DELETE", "/api/v1/batches/2", content=b"no", headers=user).is_success

    def found(**wanted: Any) -> list[int]:
        answer = client.post("/api/v1/batches", json={"filter": wanted}, headers=user)
        assert answer.status_code == 200, answer.text
        return [batch["batchId"] for batch in answer.json()["batches"]]

    assert found() == [1, 2, 3]
    assert found(batchName="ONE") == [2]
    assert found(status=8) == [2]
    assert found(sizeFrom=4, sizeTo=7) == [2, 3]
    assert found(fromDate="2999-01-01T00:00:00Z") == []
    assert found(pagingSettings={"pageIndex": 1, "pageSize": 2}) == [3]
    available = client.get("/api/v1/authorities/2/balanceavailable/1", headers=user)
    assert available.json() == 100 - 3 - 7
