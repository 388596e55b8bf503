"""Organizations on SQLite and PostgreSQL: numbers, the case-blind unique name, the page
order, and reads `as_of` a position answering what they answered then."""

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from domain.causes import Interface
from interfaces.bootstrap import FleetID, ensure_first_admin
from interfaces.rest.app import create_app
from tests.api.support import assert_problem
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
    assert past["organizationParameters"] == {}
    page = client.get("/api/v1/organizations?page=0&size=2", headers=admin).json()
    assert [o["organizationId"] for o in page] == [1, 2]
    assert page[1]["organizationName"] == "Ørsted Å/S"
