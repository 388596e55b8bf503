"""Ordering batches: the document's examples of ordering, reading and rejecting, the balance
each order reserves and a rejection gives back, who may do what, and what is refused."""

import asyncio
import json
from typing import Any

import pytest
from litestar.testing import TestClient

from domain.causes import Cause, Interface
from infrastructure.profile_files import SHIPPED, read_profiles
from interfaces.aggregates import PROFILES
from interfaces.bootstrap import FleetID, ensure_certificate_authorities
from tests.api.certificate_people import (
    PASSWORD,
    balances,
    cm_sign_in,
    create_member,
    privilege,
)
from tests.api.support import assert_problem
from tests.api.test_batch_preview_api import DEVICE, SERVER, batch_world
from tests.conftest import ADMIN_IDENTITY

BATCHES = "/api/v1/batches"
DEVICES = "/api/v1/devices"
AVAILABLE = "/api/v1/authorities/{}/balanceavailable/1"
SINGLE = {
    "authorityId": 1,
    "batchName": "single_batch",
    "profileParams": {
        "additionalInformation": "info",
        "macAddress": "00:00:00:00:00:00",
        "deviceClass": "Surface Vehicle",
        "pkcs12Password": "111",
        "years": "1",
    },
}
NINE_YEARS = {**SERVER, "profileParams": {**SERVER["profileParams"], "years": "9"}}  # type: ignore[dict-item]
PAST_THE_LAST = {**DEVICE, "generatorParams": {"increment": "1", "startValue": "FF:FF:FF:FF:FF:FF"}}
JUNK = {**SERVER, "generatorParams": {**SERVER["generatorParams"], "junk": "x"}}  # type: ignore[dict-item]
GRID = {
    "filter": {
        "batchId": 0,
        "fromDate": "1970-01-01T00:00:00.001Z",
        "toDate": "1970-01-01T00:00:00.001Z",
        "sizeFrom": 0,
        "sizeTo": 0,
        "status": 0,
        "batchName": "",
        "pagingSettings": {"pageIndex": 0, "pageSize": 0, "totalCount": 0},
    },
    "sortColumns": None,
}


@pytest.fixture
def people(client: TestClient[Any], sqlite_fleet: FleetID) -> dict[str, dict[str, str]]:
    return batch_world(client, sqlite_fleet)


def available(client: TestClient[Any], people: dict[str, dict[str, str]], authority: int) -> int:
    answer = client.get(AVAILABLE.format(authority), headers=people["admin"])
    assert answer.status_code == 200, answer.text
    value: int = answer.json()
    return value


def test_an_order_reserves_and_a_rejection_gives_back(
    client: TestClient[Any],
    people: dict[str, dict[str, str]],
) -> None:
    user = people["any_user"]
    ordered = client.put(BATCHES, json={**SERVER, "batchSize": 10}, headers=user)
    assert ordered.status_code == 200, ordered.text
    info = ordered.json()
    created = info.pop("creationDate")
    assert created.endswith("Z")
    assert info == {
        "batchId": 1,
        "orderNumber": 1,
        "profile": "ECC Server Certificate",
        "size": 10,
        "status": "Pending Creation",
        "active": True,
        "batchName": "Batch Name",
        "rejectReason": "",
        "generatorParametersValues": {"increment": "1", "startValue": "0"},
        "userId": 2,
        "downloadable": False,
        "rejectable": True,
    }
    assert available(client, people, 2) == 90

    single = client.put(f"{BATCHES}/createSingleCertBatch", json=SINGLE, headers=user)
    assert single.status_code == 200, single.text
    assert (single.json()["batchId"], single.json()["size"]) == (2, 1)
    assert available(client, people, 1) == 99

    assert client.get(DEVICES, headers=user).json() == {"ordered": 11, "issued": 0}
    assert client.get(DEVICES, headers=people["admin"]).json() == {"ordered": 11, "issued": 0}
    got = client.get(f"{BATCHES}/1", headers=user)
    assert got.json() == ordered.json()
    assert client.get(f"{BATCHES}/1/status", headers=user).text == "Processing"
    processing = client.get(f"{BATCHES}/1/processing_info", headers=user).json()
    assert processing == {"active": 10, "success": 0, "failed": 0}

    grid = client.post(BATCHES, json=GRID, headers=user)
    assert grid.status_code == 200, grid.text
    assert [b["batchId"] for b in grid.json()["batches"]] == [1, 2]
    assert grid.json()["totalCount"] == 2
    only_server = client.post(f"{BATCHES}?profileId=2", json=GRID, headers=user).json()
    assert [b["batchId"] for b in only_server["batches"]] == [1]
    named = {**GRID, "filter": {**GRID["filter"], "batchName": "SINGLE"}}  # type: ignore[dict-item]
    assert [
        b["batchId"] for b in client.post(BATCHES, json=named, headers=user).json()["batches"]
    ] == [2]

    rejected = client.request(
        "DELETE",
        f"{BATCHES}/1",
        content=b"Reject reason",
        headers={**user, "Content-Type": "application/json"},
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.content == b""
    after = client.get(f"{BATCHES}/1", headers=user).json()
    assert (after["status"], after["rejectReason"], after["active"], after["rejectable"]) == (
        "Rejected",
        "Reject reason",
        False,
        False,
    )
    assert available(client, people, 2) == 100
    assert (
        client.get(f"{BATCHES}/1/status", headers=user).text == "Not Acceptable. Status: Rejected"
    )
    log = client.get(f"{BATCHES}/1/auditLog", headers=user)
    assert log.status_code == 200, log.text
    assert [(e["logType"], e["userName"], e["message"], e["batchId"]) for e in log.json()] == [
        ("Pending Creation", "any_user", "ordered 10 certificates", 1),
        ("Rejected", "any_user", "rejected: Reject reason", 1),
    ]
    assert len({e["logId"] for e in log.json()}) == 2
    again = client.request("DELETE", f"{BATCHES}/1", content=b"again", headers=user)
    assert_problem(again, 409, field="batchId")
    rejected_only = {**GRID, "filter": {**GRID["filter"], "status": 8}}  # type: ignore[dict-item]
    found = client.post(BATCHES, json=rejected_only, headers=user).json()
    assert [b["batchId"] for b in found["batches"]] == [1]


def test_an_order_beyond_the_balance_is_refused_and_records_nothing(
    client: TestClient[Any],
    people: dict[str, dict[str, str]],
) -> None:
    user = people["any_user"]
    too_many = client.put(BATCHES, json={**SERVER, "batchSize": 101}, headers=user)
    assert_problem(too_many, 409, error="insufficient_balance")
    assert available(client, people, 2) == 100
    assert client.post(BATCHES, json=GRID, headers=user).json()["totalCount"] == 0


@pytest.mark.parametrize(
    ("who", "status"),
    [("any_user", 200), ("device_user", 200), ("other_user", 404), ("outsider", 404)],
)
def test_who_reads_a_batch(
    client: TestClient[Any],
    people: dict[str, dict[str, str]],
    who: str,
    status: int,
) -> None:
    assert client.put(BATCHES, json=SERVER, headers=people["any_user"]).status_code == 200
    reads = ("", "/status", "/processing_info", "/auditLog")
    for path in (f"{BATCHES}/1{read}" for read in reads):
        assert client.get(path, headers=people[who]).status_code == status, path


def test_who_may_order_and_reject(
    client: TestClient[Any],
    people: dict[str, dict[str, str]],
) -> None:
    assert_problem(client.put(BATCHES, json=SERVER, headers=people["admin"]), 403)
    assert_problem(client.put(BATCHES, json=SERVER, headers=people["device_user"]), 404)
    assert client.put(BATCHES, json=SERVER, headers=people["any_user"]).status_code == 200
    refused = client.request("DELETE", f"{BATCHES}/1", content=b"no", headers=people["device_user"])
    assert_problem(refused, 403)
    hidden = client.request("DELETE", f"{BATCHES}/1", content=b"no", headers=people["other_user"])
    assert_problem(hidden, 404, field="batchId")
    assert (
        client.request("DELETE", f"{BATCHES}/1", content=b"", headers=people["admin"]).status_code
        == 200
    )
    log = client.get(f"{BATCHES}/1/auditLog", headers=people["any_user"]).json()
    assert [entry["userName"] for entry in log] == ["any_user", ""]
    as_admin = client.get(f"{BATCHES}/1/auditLog", headers=people["admin"]).json()
    assert as_admin[1]["userName"] == ADMIN_IDENTITY


def test_a_pkcs12_password_is_sealed_whatever_the_profile_names_it(
    client: TestClient[Any], people: dict[str, dict[str, str]], sqlite_fleet: FleetID
) -> None:
    shipped = dict(read_profiles(SHIPPED))["ECC Server Certificate"]
    config = json.loads(shipped)
    config["PKCS12"]["Password"]["source"] = ["Batch.p12Password"]
    cause = Cause.system(Interface.CLI)
    asyncio.run(sqlite_fleet[PROFILES].commands.load("Renamed password", json.dumps(config), cause))
    ensure_certificate_authorities(sqlite_fleet)
    admin = people["admin"]
    balances(client, admin, (1, 5, 10))
    made = create_member(client, admin, "renamer", [privilege("USER", 1, [5])])
    assert made.status_code == 200, made.text
    user = cm_sign_in(client, "renamer", PASSWORD)
    params = {**SERVER["profileParams"], "p12Password": "TopSecretPw9"}  # type: ignore[dict-item]
    params.pop("pkcs12Password")
    ordered = client.put(
        BATCHES, json={**SERVER, "authorityId": 5, "profileParams": params}, headers=user
    )
    assert ordered.status_code == 200, ordered.text
    with sqlite_fleet.engine.connect() as connection:
        log = connection.exec_driver_sql("SELECT state FROM stored_events").scalars().all()
        rows = connection.exec_driver_sql("SELECT profile_params FROM batches").scalars().all()
    assert not any(b"TopSecretPw9" in bytes(state) for state in log)
    assert not any("TopSecretPw9" in str(row) for row in rows)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (NINE_YEARS, "profileParams.years"),
        ({**SERVER, "batchSize": 0}, "batchSize"),
        ({**SERVER, "batchName": "x" * 256}, "batchName"),
        ({**SERVER, "batchName": "tab\there"}, "batchName"),
        (PAST_THE_LAST, "generatorParams"),
        (JUNK, "generatorParams.junk"),
    ],
)  # fmt: skip
def test_bad_orders_are_refused_and_record_nothing(
    client: TestClient[Any],
    people: dict[str, dict[str, str]],
    body: dict[str, Any],
    field: str,
) -> None:
    who = people["any_user"]
    assert_problem(client.put(BATCHES, json=body, headers=who), 400, field=field)
    assert client.post(BATCHES, json=GRID, headers=who).json()["totalCount"] == 0
    assert available(client, people, 1) == available(client, people, 2) == 100


def test_a_grid_page_is_bounded(
    client: TestClient[Any],
    people: dict[str, dict[str, str]],
) -> None:
    big = {"filter": {"pagingSettings": {"pageIndex": 0, "pageSize": 101}}}
    assert_problem(client.post(BATCHES, json=big, headers=people["any_user"]), 400)
    bad_date = {"filter": {"fromDate": "yesterday"}}
    assert_problem(
        client.post(BATCHES, json=bad_date, headers=people["any_user"]),
        400,
        field="filter.fromDate",
    )


def test_devices_are_counted_for_an_organization_or_the_ecosystem(
    client: TestClient[Any], people: dict[str, dict[str, str]]
) -> None:
    everyone = client.get(DEVICES, headers=people["admin"])
    assert everyone.json() == {"ordered": 0, "issued": 0}
    assert_problem(client.get(DEVICES, headers=people["outsider"]), 403)
    assert client.get(DEVICES, headers=people["other_user"]).json() == {"ordered": 0, "issued": 0}
