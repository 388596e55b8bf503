"""Issuing batches in the background, on both databases: every status of the document's table
reached through its transitions, the certificates judged by pkilint and `openssl verify`, the
devices they belong to, the balance reserved, used and given back, and the download."""

import asyncio
import io
import json
import subprocess
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from litestar.testing import TestClient

from domain.causes import Cause, Interface
from infrastructure.profile_files import SHIPPED
from interfaces.aggregates import BATCHES, PROFILES
from interfaces.bootstrap import FleetID, ensure_certificate_authorities, ensure_first_admin
from interfaces.rest.app import create_app
from tests.api.certificate_people import (
    PASSWORD,
    balances,
    cm_sign_in,
    create_member,
    privilege,
)
from tests.api.test_batch_preview_api import DEVICE, SERVER, batch_world
from tests.pki_judges import certificate_faults, issuance_faults

URL = "/api/v1/batches"
AVAILABLE = "/api/v1/authorities/{}/balanceavailable/1"
SYSTEM = Cause.system(Interface.CLI)


@pytest.fixture
def world(fleet: FleetID) -> Iterator[tuple[TestClient[Any], dict[str, dict[str, str]]]]:
    ensure_first_admin(fleet, Interface.CLI)
    with TestClient(create_app(fleet)) as client:
        yield client, batch_world(client, fleet)


def issue(fleet: FleetID, now: datetime | None = None) -> int:
    return asyncio.run(fleet[BATCHES].issuer.run_once(now))


def order(client: TestClient[Any], user: dict[str, str], body: dict[str, Any]) -> int:
    answer = client.put(URL, json=body, headers=user)
    assert answer.status_code == 200, answer.text
    number: int = answer.json()["batchId"]
    return number


def state(client: TestClient[Any], user: dict[str, str], number: int) -> tuple[str, str, Any]:
    info = client.get(f"{URL}/{number}", headers=user).json()
    text = client.get(f"{URL}/{number}/status", headers=user).text
    counts = client.get(f"{URL}/{number}/processing_info", headers=user).json()
    return info["status"], text, counts


def available(client: TestClient[Any], people: dict[str, dict[str, str]], authority: int) -> int:
    value: int = client.get(AVAILABLE.format(authority), headers=people["admin"]).json()
    return value


def download(client: TestClient[Any], user: dict[str, str], number: int) -> zipfile.ZipFile:
    answer = client.get(f"{URL}/{number}/download", headers=user)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    assert f"batch-{number}.zip" in answer.headers["content-disposition"]
    return zipfile.ZipFile(io.BytesIO(answer.content))


def test_a_device_batch_is_issued_judged_downloaded_and_revoked(
    fleet: FleetID,
    world: tuple[TestClient[Any], dict[str, dict[str, str]]],
    tmp_path: Path,
) -> None:
    client, people = world
    user = people["device_user"]
    number = order(client, user, DEVICE)
    assert state(client, user, number) == (
        "Pending Creation",
        "Processing",
        {"active": 3, "success": 0, "failed": 0},
    )
    assert issue(fleet) == 1
    assert state(client, user, number) == (
        "Ready For Download",
        "Ready for download",
        {"active": 0, "success": 3, "failed": 0},
    )
    info = client.get(f"{URL}/{number}", headers=user).json()
    assert (info["downloadable"], info["rejectable"]) == (True, True)
    assert available(client, people, 1) == 97
    assert client.get("/api/v1/devices", headers=user).json() == {"ordered": 3, "issued": 3}
    assert issue(fleet) == 0, "a ready batch has nothing left to do"

    archive = download(client, user, number)
    names = archive.namelist()
    assert (names[0], names[-1]) == ("chain.pem", "certificates.csv")
    chain = archive.read("chain.pem").decode()
    issuer_pem, root_pem = chain.split("-----END CERTIFICATE-----\n")[:2]
    issuer_pem += "-----END CERTIFICATE-----\n"
    root_pem += "-----END CERTIFICATE-----\n"
    leaves = [n for n in names if n.endswith(".crt.pem")]
    bundles = [n for n in names if n.endswith(".p12")]
    assert len(leaves) == len(bundles) == 3
    macs = []
    for leaf_name, bundle_name in zip(leaves, bundles, strict=True):
        leaf_pem = archive.read(leaf_name).decode()
        leaf = x509.load_pem_x509_certificate(leaf_pem.encode())
        key, inside, extra = pkcs12.load_key_and_certificates(archive.read(bundle_name), b"pw")
        assert (inside, len(extra)) == (leaf, 2), "leaf+issuer+root, as the profile says"
        assert key is not None
        assert key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ) == leaf.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        assert certificate_faults(leaf_pem) == []
        assert issuance_faults(issuer_pem, leaf_pem) == []
        assert_openssl_verifies(tmp_path, root_pem, issuer_pem, leaf_pem)
        assert_profile_extensions(leaf, fleet.settings.base_url)
        macs.append(leaf.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value)
    assert macs == ["00:1A:2B:3C:4D:FE", "00:1A:2B:3C:4E:00", "00:1A:2B:3C:4E:02"]

    things = client.get("/things?limit=10", headers=user)
    assert things.status_code == 200, things.text
    devices = {t["name"]: t for t in things.json()["things"]}
    assert set(devices) == set(macs)
    listing = archive.read("certificates.csv").decode().splitlines()
    assert listing[0] == "position,serialNumber,commonName,deviceId"
    assert {row.split(",")[3] for row in listing[1:]} == {t["id"] for t in devices.values()}

    info = client.get(f"{URL}/{number}", headers=user).json()
    assert (info["downloadable"], info["rejectable"]) == (True, False)
    revoked = client.request("DELETE", f"{URL}/{number}", content=b"lost", headers=user)
    assert revoked.status_code == 200, revoked.text
    assert state(client, user, number)[0] == "Processing Revoke"
    issue(fleet)
    assert state(client, user, number)[:2] == ("Revoked", "Not Acceptable. Status: Revoked")
    assert available(client, people, 1) == 97, "a revoked batch's balance stays used"
    assert revoked_serials(fleet, number) == 3
    assert client.get(f"{URL}/{number}/download", headers=user).status_code == 409


def test_rejected_before_download_revokes_and_gives_the_balance_back(
    fleet: FleetID, world: tuple[TestClient[Any], dict[str, dict[str, str]]]
) -> None:
    client, people = world
    user = people["device_user"]
    number = order(client, user, DEVICE)
    issue(fleet)
    assert available(client, people, 1) == 97
    rejected = client.request("DELETE", f"{URL}/{number}", content=b"wrong order", headers=user)
    assert rejected.status_code == 200, rejected.text
    assert state(client, user, number)[0] == "Processing Reject"
    issue(fleet)
    status, _, _ = state(client, user, number)
    assert status == "Rejected"
    assert available(client, people, 1) == 100
    assert revoked_serials(fleet, number) == 3
    assert keys_of(fleet, number) == 0, "the keys of a rejected batch are destroyed"
    again = client.request("DELETE", f"{URL}/{number}", content=b"again", headers=user)
    assert again.status_code == 409


def test_certificates_that_break_the_subjects_bounds_leave_a_batch_issued_partly(
    fleet: FleetID, world: tuple[TestClient[Any], dict[str, dict[str, str]]]
) -> None:
    """A common name of 62 characters after the serial 95 to 99, 63 after 100 to 104: RFC
    5280 bounds it at 64, so the last five cannot be made."""
    client, people = world
    user = people["any_user"]
    params = {**SERVER["profileParams"], "commonName": "c" * 62}  # type: ignore[dict-item]
    body = {
        **SERVER,
        "batchSize": 10,
        "generatorParams": {"increment": "1", "startValue": "95"},
        "profileParams": params,
    }
    number = order(client, user, body)
    issue(fleet)
    assert state(client, user, number) == (
        "Batch Issued Partly",
        "Ready for download",
        {"active": 0, "success": 5, "failed": 5},
    )
    assert available(client, people, 2) == 95, "the five not made are given back"
    log = client.get(f"{URL}/{number}/auditLog", headers=user).json()
    assert [e["logType"] for e in log][-1] == "Batch Issued Partly"


def test_a_batch_none_of_whose_certificates_can_be_made_is_broken(
    fleet: FleetID, world: tuple[TestClient[Any], dict[str, dict[str, str]]]
) -> None:
    client, people = world
    user = people["any_user"]
    params = {**SERVER["profileParams"], "commonName": "c" * 70}  # type: ignore[dict-item]
    number = order(client, user, {**SERVER, "batchSize": 4, "profileParams": params})
    issue(fleet)
    assert state(client, user, number) == (
        "Broken",
        "Failed",
        {"active": 0, "success": 0, "failed": 4},
    )
    assert available(client, people, 2) == 100
    assert client.get(f"{URL}/{number}/download", headers=user).status_code == 409
    assert client.request("DELETE", f"{URL}/{number}", headers=user).status_code == 409


def test_a_ready_batch_past_its_retention_loses_its_keys_and_may_still_be_revoked(
    fleet: FleetID, world: tuple[TestClient[Any], dict[str, dict[str, str]]]
) -> None:
    client, people = world
    user = people["device_user"]
    number = order(client, user, DEVICE)
    issue(fleet)
    download(client, user, number)
    assert keys_of(fleet, number) == 3
    days = fleet.settings.batch_retention_days
    assert issue(fleet, datetime.now(UTC) + timedelta(days=days) - timedelta(minutes=1)) == 0
    assert issue(fleet, datetime.now(UTC) + timedelta(days=days, minutes=1)) == 1
    assert state(client, user, number)[:2] == (
        "Zip removed after expiration",
        "Not Acceptable. Status: Zip removed after expiration",
    )
    assert keys_of(fleet, number) == 0
    assert client.get(f"{URL}/{number}/download", headers=user).status_code == 409
    assert client.request("DELETE", f"{URL}/{number}", headers=user).status_code == 200
    issue(fleet)
    assert state(client, user, number)[0] == "Revoked"


def test_a_batch_rejected_while_pending_issues_nothing(
    fleet: FleetID, world: tuple[TestClient[Any], dict[str, dict[str, str]]]
) -> None:
    client, people = world
    user = people["device_user"]
    number = order(client, user, DEVICE)
    assert client.request("DELETE", f"{URL}/{number}", headers=user).status_code == 200
    assert issue(fleet) == 0
    assert state(client, user, number)[0] == "Rejected"
    assert available(client, people, 1) == 100


def assert_openssl_verifies(tmp: Path, root: str, issuer: str, leaf: str) -> None:
    for name, pem in (("root.pem", root), ("issuer.pem", issuer), ("leaf.pem", leaf)):
        (tmp / name).write_text(pem)
    verified = subprocess.run(
        [
            "openssl",
            "verify",
            "-x509_strict",
            "-purpose",
            "sslclient",
            "-CAfile",
            str(tmp / "root.pem"),
            "-untrusted",
            str(tmp / "issuer.pem"),
            str(tmp / "leaf.pem"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr


def assert_profile_extensions(leaf: x509.Certificate, base_url: str) -> None:
    """The shipped device profile's extensions, with its criticality; FleetID's own URLs."""
    extensions = {e.oid: e for e in leaf.extensions}
    usage = extensions[x509.ExtensionOID.KEY_USAGE]
    assert usage.critical
    flags = (usage.value.digital_signature, usage.value.key_agreement, usage.value.key_encipherment)
    assert flags == (True, True, False)
    purposes = extensions[x509.ExtensionOID.EXTENDED_KEY_USAGE]
    assert not purposes.critical
    assert list(purposes.value) == [x509.ExtendedKeyUsageOID.CLIENT_AUTH]
    assert x509.ExtensionOID.SUBJECT_ALTERNATIVE_NAME not in extensions, (
        "the profile gives no OID for its one general name, the device class"
    )
    points = extensions[x509.ExtensionOID.CRL_DISTRIBUTION_POINTS].value
    assert [p.full_name[0].value for p in points] == [f"{base_url}/pki/authorities/1.crl"]
    access = extensions[x509.ExtensionOID.AUTHORITY_INFORMATION_ACCESS].value
    assert {a.access_location.value for a in access} == {
        f"{base_url}/pki/ocsp/1",
        f"{base_url}/pki/authorities/1.cer",
    }
    assert "comodoca" not in leaf.public_bytes(serialization.Encoding.PEM).decode()
    assert x509.ExtensionOID.SUBJECT_KEY_IDENTIFIER in extensions
    assert x509.ExtensionOID.AUTHORITY_KEY_IDENTIFIER in extensions


def revoked_serials(fleet: FleetID, number: int) -> int:
    query = sa.text(
        "SELECT count(*) FROM certificates WHERE batch = :b AND valid_to IS NULL "
        "AND status = 'REVOKED'"
    )
    with fleet.engine.connect() as conn:
        return int(conn.execute(query, {"b": number}).scalar_one())


def keys_of(fleet: FleetID, number: int) -> int:
    query = sa.text("SELECT count(*) FROM issued_keys WHERE batch = :b")
    with fleet.engine.connect() as conn:
        return int(conn.execute(query, {"b": number}).scalar_one())


def test_the_profile_chooses_what_a_pkcs12_file_holds(
    fleet: FleetID, world: tuple[TestClient[Any], dict[str, dict[str, str]]]
) -> None:
    client, people = world
    shipped = json.loads(SHIPPED.read_text())["profiles"][0]["config"]
    bagged = {"leaf": 0, "leaf+issuer": 1}
    for number, (bag, extra) in enumerate(bagged.items(), start=5):
        config = {**shipped, "PKCS12": {**shipped["PKCS12"]}}
        config["PKCS12"]["CertBag"] = {**shipped["PKCS12"]["CertBag"], "default": bag}
        loaded = asyncio.run(
            fleet[PROFILES].commands.load(f"bag {bag}", json.dumps(config), SYSTEM)
        )
        assert loaded.number == number
        ensure_certificate_authorities(fleet)
        balances(client, people["admin"], (1, number, 10))
        login = f"bagger{number}"
        made = create_member(client, people["admin"], login, [privilege("USER", 1, [number])])
        assert made.status_code == 200, made.text
        user = cm_sign_in(client, login, PASSWORD)
        batch = order(client, user, {**DEVICE, "authorityId": number})
        issue(fleet)
        archive = download(client, user, batch)
        bundle = next(n for n in archive.namelist() if n.endswith(".p12"))
        _, _, chain = pkcs12.load_key_and_certificates(archive.read(bundle), b"pw")
        assert len(chain) == extra, bag
