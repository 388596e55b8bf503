"""The CRL, OCSP responder and issuer certificate that issued certificates point to: served
at those URLs without sign-in, judged by `openssl crl`, `openssl ocsp` and pkilint, before and
after a batch is revoked."""

import base64
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from litestar.testing import TestClient

from interfaces.bootstrap import FleetID
from tests.api.test_batch_preview_api import DEVICE
from tests.integration.test_batch_issuance import URL, download, issue, order, state, world
from tests.pki_judges import crl_faults, ocsp_faults

__all__ = ["world"]
PEM = serialization.Encoding.PEM
OCSP_REQUEST = {"Content-Type": "application/ocsp-request"}


def test_the_crl_and_ocsp_follow_a_revocation(
    fleet: FleetID,
    world: tuple[TestClient[Any], dict[str, dict[str, str]]],
    tmp_path: Path,
) -> None:
    client, people = world
    user = people["device_user"]
    number = order(client, user, DEVICE)
    issue(fleet)
    archive = download(client, user, number)
    leaves = [
        x509.load_pem_x509_certificate(archive.read(name))
        for name in archive.namelist()
        if name.endswith(".crt.pem")
    ]
    leaf = leaves[0]
    points = leaf.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    crl_path = urlsplit(str(points[0].full_name[0].value)).path
    access = leaf.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    paths = {a.access_method: urlsplit(str(a.access_location.value)).path for a in access}
    issuer_path = paths[x509.AuthorityInformationAccessOID.CA_ISSUERS]
    ocsp_path = paths[x509.AuthorityInformationAccessOID.OCSP]

    served = client.get(issuer_path)
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/pkix-cert"
    issuer = x509.load_der_x509_certificate(served.content)
    leaf.verify_directly_issued_by(issuer)
    root = x509.load_der_x509_certificate(client.get("/pki/authorities/0.cer").content)
    chain = tmp_path / "chain.pem"
    chain.write_bytes(issuer.public_bytes(PEM) + root.public_bytes(PEM))
    (tmp_path / "issuer.pem").write_bytes(issuer.public_bytes(PEM))
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(PEM))

    before = crl(client, crl_path, tmp_path, chain)
    assert list(before) == []
    assert ocsp_status(client, ocsp_path, leaf, issuer, tmp_path) == "good"

    assert client.request("DELETE", f"{URL}/{number}", content=b"stolen", headers=user).is_success
    issue(fleet)
    assert state(client, user, number)[0] == "Revoked"

    after = crl(client, crl_path, tmp_path, chain)
    assert {entry.serial_number for entry in after} == {c.serial_number for c in leaves}
    number_of = x509.CRLNumber
    assert (
        after.extensions.get_extension_for_class(number_of).value.crl_number
        > before.extensions.get_extension_for_class(number_of).value.crl_number
    )
    assert ocsp_status(client, ocsp_path, leaf, issuer, tmp_path) == "revoked"
    assert ocsp_status(client, ocsp_path, leaf, issuer, tmp_path, get=True) == "revoked"


def test_the_responder_answers_unknown_serials_other_issuers_and_junk(
    fleet: FleetID, world: tuple[TestClient[Any], dict[str, dict[str, str]]]
) -> None:
    client, _ = world
    issuer = x509.load_der_x509_certificate(client.get("/pki/authorities/1.cer").content)
    other = x509.load_der_x509_certificate(client.get("/pki/authorities/2.cer").content)
    unknown = ocsp.OCSPRequestBuilder().add_certificate_by_hash(
        _hash(issuer.subject.public_bytes()),
        _key_hash(issuer),
        12345,
        hashes.SHA1(),
    )
    answer = ocsp.load_der_ocsp_response(post(client, "/pki/ocsp/1", unknown.build()))
    assert answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert answer.certificate_status == ocsp.OCSPCertStatus.UNKNOWN
    assert ocsp_faults(answer.public_bytes(serialization.Encoding.DER)) == []
    elsewhere = ocsp.load_der_ocsp_response(post(client, "/pki/ocsp/2", unknown.build()))
    assert elsewhere.response_status == ocsp.OCSPResponseStatus.UNAUTHORIZED
    assert other.subject != issuer.subject
    junk = client.post("/pki/ocsp/1", content=b"\x30\x03junk", headers=OCSP_REQUEST)
    assert ocsp.load_der_ocsp_response(junk.content).response_status == (
        ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    )
    assert client.post("/pki/ocsp/99", content=b"\x30\x00", headers=OCSP_REQUEST).status_code == 404
    assert client.get("/pki/authorities/99.crl").status_code == 404
    assert client.get("/pki/authorities/1.pem").status_code == 400
    not_base64 = client.get("/pki/ocsp/1/not base64!")
    assert ocsp.load_der_ocsp_response(not_base64.content).response_status == (
        ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    )
    assert client.post("/pki/ocsp/1", content=b"0" * 5000, headers=OCSP_REQUEST).status_code == 400
    assert client.post("/pki/ocsp/1", content=b"\x30\x00").status_code == 415


def crl(
    client: TestClient[Any], path: str, tmp: Path, chain: Path
) -> x509.CertificateRevocationList:
    served = client.get(path)
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/pkix-crl"
    assert crl_faults(served.content) == []
    (tmp / "crl.der").write_bytes(served.content)
    checked = subprocess.run(
        [
            "openssl",
            "crl",
            "-inform",
            "DER",
            "-in",
            str(tmp / "crl.der"),
            "-CAfile",
            str(chain),
            "-noout",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert "verify OK" in checked.stdout + checked.stderr
    return x509.load_der_x509_crl(served.content)


def ocsp_status(
    client: TestClient[Any],
    path: str,
    leaf: x509.Certificate,
    issuer: x509.Certificate,
    tmp: Path,
    get: bool = False,
) -> str:
    """What `openssl ocsp` makes of the responder's answer about `leaf`."""
    request = ocsp.OCSPRequestBuilder().add_certificate(leaf, issuer, hashes.SHA1()).build()
    der = request.public_bytes(serialization.Encoding.DER)
    if get:
        encoded = quote(base64.b64encode(der).decode(), safe="")
        served = client.get(f"{path}/{encoded}")
        assert served.status_code == 200
        answer = served.content
    else:
        answer = post(client, path, request)
    assert ocsp_faults(answer) == []
    (tmp / "response.der").write_bytes(answer)
    checked = subprocess.run(
        [
            "openssl",
            "ocsp",
            "-respin",
            str(tmp / "response.der"),
            "-issuer",
            str(tmp / "issuer.pem"),
            "-cert",
            str(tmp / "leaf.pem"),
            "-CAfile",
            str(tmp / "chain.pem"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Response verify OK" in checked.stdout + checked.stderr, checked.stderr
    line = next(line for line in checked.stdout.splitlines() if "leaf.pem:" in line)
    return line.split(":", 1)[1].strip()


def post(client: TestClient[Any], path: str, request: ocsp.OCSPRequest) -> bytes:
    served = client.post(
        path,
        content=request.public_bytes(serialization.Encoding.DER),
        headers=OCSP_REQUEST,
    )
    assert served.status_code == 200, served.text
    assert served.headers["content-type"] == "application/ocsp-response"
    return served.content


def _hash(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SHA1())
    digest.update(data)
    return digest.finalize()


def _key_hash(issuer: x509.Certificate) -> bytes:
    return x509.SubjectKeyIdentifier.from_public_key(issuer.public_key()).digest
