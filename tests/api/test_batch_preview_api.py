"""A batch's preview (`PUT /api/v1/batches/preview`): the document's example, a MAC address
batch, who may preview with which authority, and each parameter's rule."""

from typing import Any

import pytest
from litestar.testing import TestClient

from interfaces.bootstrap import FleetID, ensure_certificate_authorities, ensure_shipped_profiles
from tests.api.certificate_people import balances, enroll, organizations, privilege
from tests.api.support import assert_problem
from tests.helpers import admin_token, bearer

PREVIEW = "/api/v1/batches/preview"
DECIMAL, MAC = 1, 3
SERVER = {
    "authorityId": 2,
    "batchName": "Batch Name",
    "generatorId": DECIMAL,
    "generatorParams": {"increment": "1", "startValue": "0"},
    "batchSize": 1,
    "profileParams": {
        "commonName": "name",
        "additionalInformation": "name",
        "dNSName": "name.name",
        "pkcs12Password": "1",
        "years": "1",
    },
}
"""The document's example, on the shipped server profile's authority (2)."""
DEVICE = {
    "authorityId": 1,
    "batchName": "devices",
    "generatorId": MAC,
    "generatorParams": {"increment": "2", "startValue": "00:1A:2B:3C:4D:FE"},
    "batchSize": 3,
    "profileParams": {"deviceClass": "Surface Vehicle", "years": "2", "pkcs12Password": "pw"},
}

START = "generatorParams.startValue"
LONGEST = {
    **SERVER,
    "batchSize": 10,
    "generatorParams": {"increment": "1", "startValue": "100"},
    "profileParams": {**SERVER["profileParams"], "commonName": "x" * 253},  # type: ignore[dict-item]
}
"""The first certificate's name is 256 characters: too long."""
BOAT = {**DEVICE, "profileParams": {**DEVICE["profileParams"], "deviceClass": "Boat"}}  # type: ignore[dict-item]


@pytest.fixture
def people(client: TestClient[Any], sqlite_fleet: FleetID) -> dict[str, dict[str, str]]:
    return batch_world(client, sqlite_fleet)


def batch_world(client: TestClient[Any], sqlite_fleet: FleetID) -> dict[str, dict[str, str]]:
    """Organization 1 may use authorities 1 and 2 (100 each), organization 2 authority 1 only;
    `any_user` of 1 may use profiles 1 and 2, `device_user` of 1 profile 1."""
    ensure_shipped_profiles(sqlite_fleet)
    ensure_certificate_authorities(sqlite_fleet)
    admin = bearer(admin_token(client))
    organizations(client, admin, "Domain", "Other")
    balances(client, admin, (1, 1, 100), (1, 2, 100), (2, 1, 100))
    made = {
        "any_user": [privilege("USER", 1, [1, 2])],
        "device_user": [privilege("USER", 1, [1])],
        "other_user": [privilege("USER", 2, [1, 2])],
    }
    return enroll(client, admin, made)


def test_the_documents_example(client: TestClient[Any], people: dict[str, dict[str, str]]) -> None:
    previewed = client.put(PREVIEW, json=SERVER, headers=people["any_user"])
    assert previewed.status_code == 200, previewed.text
    assert previewed.json() == {
        "commonName": "0name",
        "additionalInformation": "0name",
        "serials": "0",
        "dNSName": "0name.name",
        "pkcs12Password": "1",
        "years": "1",
    }
    ten = client.put(PREVIEW, json={**SERVER, "batchSize": 10}, headers=people["any_user"])
    assert ten.json()["serials"] == "0 - 9"
    numbers = {**SERVER, "generatorParams": {"increment": 1, "startValue": 7}}
    assert client.put(PREVIEW, json=numbers, headers=people["any_user"]).json()["serials"] == "7"


def test_a_mac_address_batch_numbers_its_devices(
    client: TestClient[Any], people: dict[str, dict[str, str]]
) -> None:
    previewed = client.put(PREVIEW, json=DEVICE, headers=people["device_user"])
    assert previewed.status_code == 200, previewed.text
    assert previewed.json() == {
        "macAddress": "00:1A:2B:3C:4D:FE",
        "years": "2",
        "deviceClass": "Surface Vehicle",
        "pkcs12Password": "pw",
        "serials": "00:1A:2B:3C:4D:FE - 00:1A:2B:3C:4E:02",
    }


@pytest.mark.parametrize(
    ("who", "body", "status"),
    [
        ("admin", SERVER, 200),
        ("any_user", SERVER, 200),
        ("device_user", SERVER, 404),
        ("other_user", SERVER, 404),
        ("other_user", DEVICE, 200),
        ("outsider", DEVICE, 404),
    ],
)
def test_who_may_preview_with_which_authority(
    client: TestClient[Any],
    people: dict[str, dict[str, str]],
    who: str,
    body: dict[str, Any],
    status: int,
) -> None:
    answer = client.put(PREVIEW, json=body, headers=people[who])
    assert answer.status_code == status, answer.text
    if status == 404:
        assert_problem(answer, 404, field="authorityId")


def _profile(**changes: Any) -> dict[str, Any]:
    params = {**SERVER["profileParams"], **changes}  # type: ignore[dict-item]
    return {**SERVER, "profileParams": {k: v for k, v in params.items() if v is not None}}


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (_profile(years="4"), 400, "profileParams.years"),
        (_profile(years=""), 400, "profileParams.years"),
        (_profile(commonName=None), 400, "profileParams.commonName"),
        (_profile(planet="Mars"), 400, "profileParams.planet"),
        ({**SERVER, "profileParams": {"x" * 65: "1"}}, 400, "profileParams"),
        (_profile(commonName="a\x00b"), 400, "profileParams.commonName"),
        (_profile(commonName="x" * 256), 400, "profileParams.commonName"),
        (LONGEST, 400, "profileParams.commonName"),
        ({**SERVER, "generatorParams": {"increment": "1", "startValue": "x"}}, 400, START),
        ({**SERVER, "generatorParams": {"startValue": "0"}}, 400, "generatorParams.increment"),
        ({**SERVER, "generatorId": MAC}, 400, "generatorId"),
        ({**SERVER, "generatorId": 99}, 400, "generatorId"),
        ({**SERVER, "batchSize": 0}, 400, "batchSize"),
        ({**SERVER, "batchSize": 100_001}, 400, "batchSize"),
        ({**SERVER, "authorityId": 0}, 404, "authorityId"),
        ({**SERVER, "authorityId": 9}, 404, "authorityId"),
        (BOAT, 400, "profileParams.deviceClass"),
    ],
)  # fmt: skip
def test_each_rule_names_its_field(
    client: TestClient[Any],
    people: dict[str, dict[str, str]],
    body: dict[str, Any],
    status: int,
    field: str,
) -> None:
    assert_problem(client.put(PREVIEW, json=body, headers=people["any_user"]), status, field=field)
