"""The certificate manager's Profile API on the profiles FleetID ships: the document's examples,
who may read, and profiles an operator loads from a file (`fleetid profiles load`)."""

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from interfaces.bootstrap import FleetID, ensure_shipped_profiles
from tests.api.support import assert_problem
from tests.helpers import admin_token, bearer, register

SEED = Path(__file__).parents[2].parent / "shared" / "seeds" / "iot-certificate-manager-api.txt"


def documented_raw_config() -> str:
    found = re.search(r'"rawProfileConfig" : (".*?"),\n', SEED.read_text())
    assert found is not None
    raw: str = json.loads(found.group(1))
    return raw


@pytest.fixture
def admin(client: TestClient[Any], sqlite_fleet: FleetID) -> dict[str, str]:
    ensure_shipped_profiles(sqlite_fleet)
    return bearer(admin_token(client))


def test_the_documents_examples(client: TestClient[Any], admin: dict[str, str]) -> None:
    listed = client.get("/api/v1/profiles", headers=admin)
    assert listed.status_code == 200
    assert listed.json() == [
        {"profileId": 1, "algorithms": ["EC:P-256"], "ca": "ECC Device Certificate"},
        {"profileId": 2, "algorithms": ["EC:P-256"], "ca": "ECC Server Certificate"},
        {"profileId": 3, "algorithms": ["RSA:2048"], "ca": "RSA Device Certificate"},
        {"profileId": 4, "algorithms": ["RSA:2048"], "ca": "RSA Server Certificate"},
    ]

    one = client.get("/api/v1/profiles/1", headers=admin).json()
    assert list(one) == ["profileName", "profileId", "rawProfileConfig", "name", "keyAlgorithmInfo"]
    assert one["rawProfileConfig"] == documented_raw_config()
    assert one["name"] == one["profileName"] == "ECC Device Certificate"
    assert one["keyAlgorithmInfo"] == "EC:P-256"

    parameters = client.get("/api/v1/profiles/1/parameters", headers=admin).json()
    years = next(p for p in parameters if p["inputType"] == "validityPeriod")
    assert years == {
        "name": "years",
        "inputType": "validityPeriod",
        "required": False,
        "placeholder": None,
        "validationPattern": "^(1|2|3){1}$",
        "message": "Valid integer values: 1,2,3",
        "value": None,
        "title": "Certificate validity period (in years; default = 1 year)",
        "scopes": ["REQUEST", "BATCH"],
        "dynamic": True,
    }
    names = {p["name"]: p for p in parameters}
    assert set(names) == {
        "additionalInformation",
        "macAddress",
        "years",
        "deviceClass",
        "pkcs12Password",
    }
    assert names["macAddress"]["required"] is True
    assert re.fullmatch(names["macAddress"]["validationPattern"], "00:1A:2B:3C:4D:5E")
    assert re.fullmatch(names["deviceClass"]["validationPattern"], "Surface Vehicle")
    assert not re.fullmatch(names["deviceClass"]["validationPattern"], "Boat")

    dn = client.get("/api/v1/profiles/1/dn", headers=admin).json()
    assert dn == {
        "countryName": "GB",
        "stateOrProvinceName": "Greater Manchester",
        "localityName": "Salford",
        "organizationName": "COMODO CA Limited",
    }

    organization = client.get("/api/v1/profiles/organization_parameters", headers=admin).json()
    assert organization[0] == {
        "name": "MANUFACTURER_ID",
        "type": "number",
        "pattern": "^[0-9]{1,3}",
        "message": "Field must be a number in range from 0 to 999",
    }


ROUTES = [
    "/api/v1/profiles",
    "/api/v1/profiles/1",
    "/api/v1/profiles/1/parameters",
    "/api/v1/profiles/1/dn",
    "/api/v1/profiles/organization_parameters",
]


@pytest.mark.parametrize("path", ROUTES)
def test_who_may_read(client: TestClient[Any], admin: dict[str, str], path: str) -> None:
    register(client, "reader_one", "a-password-1", admin_token(client))
    token = client.post("/auth/pwd", json={"username": "reader_one", "password": "a-password-1"})
    user = bearer(token.json()["accessToken"])
    assert_problem(client.get(path), 401)
    assert_problem(client.get(path, headers=user), 404 if "/1" in path else 403)
    assert client.get(path, headers=admin).status_code == 200


def test_unknown_and_malformed_ids(client: TestClient[Any], admin: dict[str, str]) -> None:
    assert_problem(client.get("/api/v1/profiles/99", headers=admin), 404)
    assert_problem(client.get("/api/v1/profiles/-1", headers=admin), 400)
    assert client.get("/api/v1/profiles/x", headers=admin).status_code in (400, 404)


def test_shipping_again_changes_nothing(
    client: TestClient[Any], admin: dict[str, str], sqlite_fleet: FleetID
) -> None:
    before = client.get("/api/v1/profiles", headers=admin).json()
    ensure_shipped_profiles(sqlite_fleet)
    assert client.get("/api/v1/profiles", headers=admin).json() == before


def test_an_operator_loads_profiles_from_a_file(tmp_path: Path) -> None:
    config = json.loads(documented_raw_config())
    config["Validity"]["default"]["years"] = 2
    good = {"profiles": [{"name": "Gateway Certificate", "config": config}]}
    bad = {"name": "Broken", "config": {**config, "SignatureAlgorithm": {"name": "md5"}}}
    (tmp_path / "good.json").write_text(json.dumps(good))
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    env = {
        "FLEETID_DATA_DIR": str(tmp_path / "data"),
        "FLEETID_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
        "PATH": "/usr/bin:/bin",
    }

    def fleetid(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "interfaces.cli", "profiles", "load", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    loaded = fleetid(str(tmp_path / "good.json"))
    assert loaded.returncode == 0, loaded.stderr
    assert "loaded: profile 1, Gateway Certificate" in loaded.stdout
    again = fleetid(str(tmp_path / "good.json"))
    assert "unchanged: profile 1, Gateway Certificate" in again.stdout
    refused = fleetid(str(tmp_path / "bad.json"))
    assert refused.returncode == 2
    assert "profiles[0].config.SignatureAlgorithm.name" in refused.stderr
