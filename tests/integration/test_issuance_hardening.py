"""What a careless or hostile caller cannot do to issuing: hold up other batches with one that
cannot be issued, take another user's keys, download the past, crash the responder or the
upload parser, plant a spreadsheet formula, or put a bad host name in a certificate."""

import asyncio
import io
import zipfile
from typing import Any

import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from litestar.testing import TestClient

from domain.authorities import authority_id
from infrastructure.schema import signing_keys
from infrastructure.software_signer import SoftwareSigner
from interfaces.aggregates import BATCHES
from interfaces.bootstrap import FleetID
from tests.api.support import assert_problem
from tests.api.test_batch_preview_api import DEVICE, SERVER
from tests.integration.test_batch_issuance import URL, download, issue, order, state, world
from tests.integration.test_batch_uploads import UPLOAD, csr, send
from tests.integration.test_revocation_documents import OCSP_REQUEST

__all__ = ["world"]


def test_a_batch_that_cannot_be_issued_holds_up_no_other_and_ends_broken(
    fleet: FleetID, world: tuple[TestClient[Any], dict[str, dict[str, str]]]
) -> None:
    """Its authority's key lost from the signer's table (a restore from an old backup)."""
    client, people = world
    lost = order(client, people["any_user"], SERVER)
    fine = order(client, people["device_user"], DEVICE)
    key = fleet.log.get(authority_id(2)).key  # type: ignore[union-attr]
    with fleet.engine.begin() as conn:
        conn.execute(sa.delete(signing_keys).where(signing_keys.c.ref == key))
    SoftwareSigner._load.cache_clear()  # as a process started after the loss would find it
    for _ in range(3):
        asyncio.run(fleet[BATCHES].issuer.run_once())
        assert state(client, people["device_user"], fine)[0] == "Ready For Download"
    status = client.get(f"{URL}/{lost}", headers=people["any_user"]).json()
    assert (status["status"], status["rejectReason"]) == ("Broken", "issuing failed: UnknownKey")


def test_only_who_may_withdraw_a_batch_downloads_it_and_only_as_it_is_now(
    fleet: FleetID, world: tuple[TestClient[Any], dict[str, dict[str, str]]]
) -> None:
    client, people = world
    number = order(client, people["any_user"], {**SERVER, "authorityId": 1, **_device()})
    issue(fleet)
    colleague = client.get(f"{URL}/{number}/download", headers=people["device_user"])
    assert_problem(colleague, 403)
    past = client.get(f"{URL}/{number}/download?as_of=1", headers=people["any_user"])
    assert_problem(past, 400, field="as_of")
    info = client.get(f"{URL}/{number}", headers=people["any_user"]).json()
    assert info["rejectable"], "a refused download records nothing"
    download(client, people["any_user"], number)


def _device() -> dict[str, Any]:
    return {key: DEVICE[key] for key in ("generatorId", "generatorParams", "profileParams")}


def test_the_responder_answers_a_negative_serial_and_finds_serials_however_written(
    fleet: FleetID, world: tuple[TestClient[Any], dict[str, dict[str, str]]]
) -> None:
    client, people = world
    user = people["device_user"]
    number = order(client, user, DEVICE)
    issue(fleet)
    leaf = next(
        x509.load_pem_x509_certificate(archive.read(name))
        for archive in [download(client, user, number)]
        for name in archive.namelist()
        if name.endswith(".crt.pem")
    )
    issuer = x509.load_der_x509_certificate(client.get("/pki/authorities/1.cer").content)
    asked = ocsp.OCSPRequestBuilder().add_certificate(leaf, issuer, hashes.SHA1()).build()
    small = ocsp.OCSPRequestBuilder().add_certificate_by_hash(
        asked.issuer_name_hash, asked.issuer_key_hash, 0x7A, hashes.SHA1()
    )
    der = small.build().public_bytes(serialization.Encoding.DER)
    negative = der.replace(b"\x02\x01\x7a", b"\x02\x01\xfa")
    assert negative != der
    answer = client.post("/pki/ocsp/1", content=negative, headers=OCSP_REQUEST)
    assert answer.status_code == 200
    parsed = ocsp.load_der_ocsp_response(answer.content)
    assert parsed.response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST

    text = leaf.serial_number.to_bytes(16, "big").hex()
    cn = leaf.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    for written in ("00" + text, text.lower(), text.lstrip("0")):
        body = {"commonName": cn, "serialNumber": written}
        found = client.post("/api/v1/certificates/find", json=body, headers=user).json()
        assert found["totalCount"] == 1, written


def test_uploads_that_would_hang_or_crash_the_parser_are_refused(
    fleet: FleetID, world: tuple[TestClient[Any], dict[str, dict[str, str]]]
) -> None:
    client, people = world
    user = people["device_user"]
    endless = b"-----BEGIN CERTIFICATE REQUEST-----\n" * 20_000
    problem = assert_problem(send(client, user, UPLOAD, endless), 400, field="files")
    assert "without its END line" in problem["message"]
    good, _ = csr("00:1A:2B:3C:4D:50")
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.pem", good * 20)
    broken = bytearray(packed.getvalue())
    middle = broken.index(b"a.pem") + 40
    broken[middle : middle + 20] = bytes(20)
    assert_problem(send(client, user, UPLOAD, bytes(broken)), 400, field="files")
    escaped = csr("00:1A:2B:3C:4D:51\x1b[2J")[0]
    assert_problem(send(client, user, UPLOAD, escaped), 400, field="files")
    assert client.post(URL, json={}, headers=user).json()["totalCount"] == 0


def test_a_formula_in_a_name_is_quoted_and_a_bad_host_name_is_not_certified(
    fleet: FleetID, world: tuple[TestClient[Any], dict[str, dict[str, str]]]
) -> None:
    client, people = world
    user = people["any_user"]
    single = {
        "authorityId": 2,
        "batchName": "formula",
        "profileParams": {"commonName": "=1+1", "dNSName": "a.example", "years": "1"},
    }
    made = client.put(f"{URL}/createSingleCertBatch", json=single, headers=user)
    assert made.status_code == 200, made.text
    bad_host = {**single, "profileParams": {**single["profileParams"], "dNSName": "not a host!"}}
    refused = client.put(f"{URL}/createSingleCertBatch", json=bad_host, headers=user)
    assert refused.status_code == 200, refused.text
    issue(fleet)
    listing = download(client, user, made.json()["batchId"]).read("certificates.csv").decode()
    assert ",'=1+1," in listing
    assert state(client, user, refused.json()["batchId"])[:2] == ("Broken", "Failed")
