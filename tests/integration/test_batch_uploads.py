"""Uploaded batches on both databases: certificate signing requests (PEM text or ZIP) and CSV
rows become certificates the profile describes; any fault refuses the upload whole, naming its
line or file, and stores nothing."""

import base64
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from litestar.testing import TestClient

from interfaces.bootstrap import FleetID
from tests.api.support import assert_problem
from tests.integration.test_batch_issuance import (
    assert_openssl_verifies,
    available,
    download,
    issue,
    state,
    world,
)
from tests.pki_judges import certificate_faults, issuance_faults

__all__ = ["world"]
UPLOAD = "/api/v1/batches/upload?profileId=1"
UPLOAD_CSV = "/api/v1/batches/upload-csv?profileId=1"
PARAMS = {"years": "1", "deviceClass": "Surface Vehicle"}


def csr(common_name: str, key: Any = None, **extra: str) -> tuple[bytes, Any]:
    key = key or ec.generate_private_key(ec.SECP256R1())
    names = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    names += [x509.NameAttribute(NameOID.ORGANIZATION_NAME, v) for v in extra.values()]
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name(names))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return request.public_bytes(serialization.Encoding.PEM), key


def send(
    client: TestClient[Any],
    user: dict[str, str],
    path: str,
    content: bytes,
    params: dict[str, str] = PARAMS,
    file_name: str | None = "requests.pem",
) -> Any:
    described = json.dumps({"profileParams": params}).encode()
    parts: dict[str, Any] = {
        "csrBatchRequest": ("csrBatchRequest", described, "application/json"),
    }
    if file_name is None:
        return client.post(path, files=parts, data={"files": content.decode()}, headers=user)
    parts["files"] = (file_name, content, "application/octet-stream")
    return client.post(path, files=parts, headers=user)


def leaves(archive: zipfile.ZipFile) -> list[x509.Certificate]:
    return [
        x509.load_pem_x509_certificate(archive.read(name))
        for name in archive.namelist()
        if name.endswith(".crt.pem")
    ]


def common_names(certificates: list[x509.Certificate]) -> list[Any]:
    return [c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value for c in certificates]


def test_signing_requests_become_the_profiles_certificates(
    fleet: FleetID,
    world: tuple[TestClient[Any], dict[str, dict[str, str]]],
    tmp_path: Path,
) -> None:
    client, people = world
    user = people["device_user"]
    made = [csr(f"00:1A:2B:3C:4D:0{i}", Evil="Evil Corp") for i in range(3)]
    answer = send(client, user, UPLOAD, b"\n".join(pem for pem, _ in made))
    assert answer.status_code == 200, answer.text
    info = answer.json()
    assert (info["size"], info["status"]) == (3, "Pending Creation")
    assert available(client, people, 1) == 97
    issue(fleet)
    assert state(client, user, info["batchId"])[0] == "Ready For Download"
    archive = download(client, user, info["batchId"])
    assert not [n for n in archive.namelist() if n.endswith((".p12", ".key.pem"))], (
        "the requesters hold their keys"
    )
    chain = archive.read("chain.pem").decode().split("-----END CERTIFICATE-----\n")
    issuer_pem = chain[0] + "-----END CERTIFICATE-----\n"
    root_pem = chain[1] + "-----END CERTIFICATE-----\n"
    for certificate, (_, key) in zip(leaves(archive), made, strict=True):
        assert certificate.public_key() == key.public_key()
        subject = certificate.subject
        assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == (
            "COMODO CA Limited"
        ), "the profile, not the request, decides the subject"
        constraints = [
            e for e in certificate.extensions if e.oid == x509.oid.ExtensionOID.BASIC_CONSTRAINTS
        ]
        assert constraints == [], "a requested extension is not granted"
        pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
        assert certificate_faults(pem) == []
        assert issuance_faults(issuer_pem, pem) == []
        assert_openssl_verifies(tmp_path, root_pem, issuer_pem, pem)
    names = [
        c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value for c in leaves(archive)
    ]
    assert names == [f"00:1A:2B:3C:4D:0{i}" for i in range(3)]


def test_a_zip_of_requests_and_a_request_sent_as_a_field(
    fleet: FleetID, world: tuple[TestClient[Any], dict[str, dict[str, str]]]
) -> None:
    client, people = world
    user = people["device_user"]
    pem, _ = csr("00:1A:2B:3C:4D:10")
    der = x509.load_pem_x509_csr(csr("00:1A:2B:3C:4D:11")[0]).public_bytes(
        serialization.Encoding.DER
    )
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("b.csr", der)
        archive.writestr("a.pem", pem)
    zipped = send(client, user, UPLOAD, packed.getvalue(), file_name="requests.zip")
    assert zipped.status_code == 200, zipped.text
    assert zipped.json()["size"] == 2
    as_field = send(client, user, UPLOAD, csr("00:1A:2B:3C:4D:12")[0], file_name=None)
    assert as_field.status_code == 200, as_field.text
    issue(fleet)
    first = leaves(download(client, user, zipped.json()["batchId"]))
    assert [c.subject.rfc4514_string().split(",")[0] for c in first] == [
        "CN=00:1A:2B:3C:4D:10",
        "CN=00:1A:2B:3C:4D:11",
    ]


def test_a_faulty_upload_is_refused_whole_naming_each_fault(
    fleet: FleetID, world: tuple[TestClient[Any], dict[str, dict[str, str]]]
) -> None:
    client, people = world
    user = people["device_user"]
    good, _ = csr("00:1A:2B:3C:4D:20")
    not_a_mac, _ = csr("device-21")
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    wrong_key, _ = csr("00:1A:2B:3C:4D:22", key=rsa_key)
    forged = x509.load_pem_x509_csr(good).public_bytes(serialization.Encoding.DER)
    forged = forged[:-5] + bytes(b ^ 0xFF for b in forged[-5:])
    forged_pem = b"".join(
        [
            b"-----BEGIN CERTIFICATE REQUEST-----\n",
            base64.encodebytes(forged),
            b"-----END CERTIFICATE REQUEST-----\n",
        ]
    )
    refused = send(client, user, UPLOAD, good + not_a_mac + wrong_key)
    problem = assert_problem(refused, 400, field="files")
    second = good.count(b"\n") + 1
    third = second + not_a_mac.count(b"\n")
    assert f"line {second}: profileParams.macAddress" in problem["message"]
    assert f"line {third}: RSA:2048 key; the profile certifies EC:P-256" in problem["message"]
    forgery = assert_problem(send(client, user, UPLOAD, good + forged_pem), 400, field="files")
    assert "signature does not verify" in forgery["message"]
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("notes.txt", b"hello")
    stray = assert_problem(send(client, user, UPLOAD, packed.getvalue()), 400, field="files")
    assert "notes.txt" in stray["message"]
    assert_problem(send(client, user, UPLOAD, b"no requests here"), 400, field="files")
    assert_problem(
        send(client, user, UPLOAD, good, params={"years": "9", "deviceClass": "Aircraft"}),
        400,
        field="files",
    )
    assert_problem(send(client, people["outsider"], UPLOAD, good), 403)
    grid = client.post("/api/v1/batches", json={}, headers=user).json()
    assert grid["totalCount"] == 0, "nothing of a refused upload is stored"
    assert available(client, people, 1) == 100


def test_csv_rows_become_certificates_with_keys_made_here(
    fleet: FleetID, world: tuple[TestClient[Any], dict[str, dict[str, str]]]
) -> None:
    client, people = world
    user = people["device_user"]
    rows = "MacAddress,DEVICECLASS\n00:1A:2B:3C:4D:30,Aircraft\n\n00:1A:2B:3C:4D:31,Video Sensor\n"
    params = {"years": "1", "pkcs12Password": "rsa"}
    answer = send(client, user, UPLOAD_CSV, rows.encode(), params=params, file_name="d.csv")
    assert answer.status_code == 200, answer.text
    assert answer.json()["size"] == 2
    issue(fleet)
    archive = download(client, user, answer.json()["batchId"])
    assert len([n for n in archive.namelist() if n.endswith(".p12")]) == 2
    names = [
        c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value for c in leaves(archive)
    ]
    assert names == ["00:1A:2B:3C:4D:30", "00:1A:2B:3C:4D:31"]


def test_faulty_csv_files_are_refused_by_line(
    fleet: FleetID, world: tuple[TestClient[Any], dict[str, dict[str, str]]]
) -> None:
    client, people = world
    user = people["device_user"]
    cases = {
        "deviceClass\nAircraft\n": "mandatory column macAddress",
        "macAddress,colour\n00:1A:2B:3C:4D:30,red\n": "'colour' is no parameter",
        "macAddress,deviceClass\n00:1A:2B:3C:4D:30,Aircraft\nnot-a-mac,Aircraft\n": "line 3",
        "macAddress,deviceClass\n00:1A:2B:3C:4D:30\n": "line 2: 1 fields",
        "macAddress,macaddress\n1,2\n": "named twice",
        "macAddress,deviceClass\n": "no row",
    }
    for content, expected in cases.items():
        refused = send(client, user, UPLOAD_CSV, content.encode(), file_name="d.csv")
        problem = assert_problem(refused, 400, field="files")
        assert expected in problem["message"], (content, problem)
    latin = "macAddress\n\xe9\n".encode("latin-1")
    assert_problem(send(client, user, UPLOAD_CSV, latin, file_name="d.csv"), 400, field="files")
    assert client.post("/api/v1/batches", json={}, headers=user).json()["totalCount"] == 0
