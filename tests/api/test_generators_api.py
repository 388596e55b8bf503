"""The certificate manager's Generator API, and the sequences a batch preview will use."""

from typing import Any

import pytest
from litestar.testing import TestClient

from domain.errors import InvalidValue
from domain.generators import GENERATORS, generator
from interfaces.bootstrap import FleetID, ensure_shipped_profiles
from tests.api.support import assert_problem
from tests.helpers import admin_token, bearer


@pytest.fixture
def admin(client: TestClient[Any], sqlite_fleet: FleetID) -> dict[str, str]:
    ensure_shipped_profiles(sqlite_fleet)
    return bearer(admin_token(client))


def test_a_profile_lists_the_generators_it_can_use(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    device = client.get("/api/v1/generators?profileId=1", headers=admin)
    assert device.status_code == 200
    assert [g["name"] for g in device.json()] == [
        "Decimal sequence",
        "Hexadecimal sequence",
        "MAC address sequence",
    ]
    first = device.json()[0]
    assert set(first) == {"generatorId", "name", "parameters"}
    assert [p["name"] for p in first["parameters"]] == ["startValue", "increment"]
    assert set(first["parameters"][0]) == {
        "generatorParameterId",
        "name",
        "label",
        "type",
        "required",
        "validator",
        "message",
        "value",
    }
    server = client.get("/api/v1/generators?profileId=2", headers=admin).json()
    assert "MAC address sequence" not in [g["name"] for g in server]


def test_unknown_profiles_and_bad_queries(client: TestClient[Any], admin: dict[str, str]) -> None:
    assert_problem(client.get("/api/v1/generators?profileId=99", headers=admin), 404)
    assert_problem(client.get("/api/v1/generators", headers=admin), 400, field="profileId")
    assert_problem(client.get("/api/v1/generators?profileId=x", headers=admin), 400)
    assert_problem(client.get("/api/v1/generators?profileId=1"), 401)


def test_sequences_follow_their_notation() -> None:
    decimal, hexadecimal, mac = GENERATORS
    assert decimal.values({"startValue": "0", "increment": "1"}, 3) == ["0", "1", "2"]
    assert hexadecimal.values({"startValue": "fe", "increment": "1"}, 2) == [
        "00000000000000FE",
        "00000000000000FF",
    ]
    assert mac.values({"startValue": "00-1A-2B-3C-4D-FF", "increment": "2"}, 2) == [
        "00:1A:2B:3C:4D:FF",
        "00:1A:2B:3C:4E:01",
    ]


@pytest.mark.parametrize(
    ("number", "params", "count", "field"),
    [
        (1, {"startValue": "", "increment": "1"}, 1, "generatorParams.startValue"),
        (1, {"startValue": "-1", "increment": "1"}, 1, "generatorParams.startValue"),
        (1, {"startValue": "1", "increment": "0"}, 1, "generatorParams.increment"),
        (1, {"increment": "1"}, 1, "generatorParams.startValue"),
        (1, {"startValue": "1", "increment": "1"}, 0, "count"),
        (3, {"startValue": "FF:FF:FF:FF:FF:FF", "increment": "1"}, 2, "generatorParams"),
        (2, {"startValue": "g", "increment": "1"}, 1, "generatorParams.startValue"),
        (9, {}, 1, "generatorId"),
    ],
)
def test_bad_parameters_name_their_key(
    number: int, params: dict[str, str], count: int, field: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        generator(number).values(params, count)
    assert refused.value.field == field
