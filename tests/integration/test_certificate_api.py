"""The Certificate API on both databases: finding an issued certificate, revoking by device
and by serial number with RFC 5280 reason codes, who may do either, and the CRL and OCSP
answering the revocation at once."""

import time
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from litestar.testing import TestClient

from interfaces.bootstrap import FleetID
from tests.api.support import assert_problem
from tests.api.test_batch_preview_api import DEVICE
from tests.integration.test_batch_issuance import download, issue, order, world
from tests.integration.test_revocation_documents import OCSP_REQUEST

__all__ = ["world"]
FIND = "/api/v1/certificates/find"
REVOKE = "/api/v1/certificates/revoke"


def issued(fleet: FleetID, client: TestClient[Any], user: dict[str, str]) -> list[x509.Certificate]:
    number = order(client, user, DEVICE)
    issue(fleet)
    archive = download(client, user, number)
    return [
        x509.load_pem_x509_certificate(archive.read(name))
        for name in archive.namelist()
        if name.endswith(".crt.pem")
    ]


def serial(certificate: x509.Certificate) -> str:
    value = certificate.serial_number
    return value.to_bytes((value.bit_length() + 7) // 8, "big").hex().upper()


def common_name(certificate: x509.Certificate) -> str:
    return str(certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value)


def find(client: TestClient[Any], user: dict[str, str], leaf: x509.Certificate) -> Any:
    body = {"commonName": common_name(leaf), "serialNumber": serial(leaf)}
    answer = client.post(FIND, json=body, headers=user)
    assert answer.status_code == 200, answer.text
    return answer.json()


def ocsp_answer(client: TestClient[Any], leaf: x509.Certificate) -> ocsp.OCSPResponse:
    issuer = x509.load_der_x509_certificate(client.get("/pki/authorities/1.cer").content)
    request = ocsp.OCSPRequestBuilder().add_certificate(leaf, issuer, hashes.SHA1()).build()
    served = client.post(
        "/pki/ocsp/1",
        content=request.public_bytes(serialization.Encoding.DER),
        headers=OCSP_REQUEST,
    )
    return ocsp.load_der_ocsp_response(served.content)


def revoked_in_crl(client: TestClient[Any]) -> set[int]:
    crl = x509.load_der_x509_crl(client.get("/pki/authorities/1.crl").content)
    return {entry.serial_number for entry in crl}


def test_a_certificate_is_found_then_revoked_by_its_device_and_by_its_serial(
    fleet: FleetID, world: tuple[TestClient[Any], dict[str, dict[str, str]]]
) -> None:
    client, people = world
    user = people["device_user"]
    leaves = issued(fleet, client, user)
    first, second = leaves[0], leaves[1]
    found = find(client, user, first)
    assert found["totalCount"] == 1
    item = found["items"][0]
    assert (item["commonName"], item["serialNumber"], item["status"]) == (
        common_name(first),
        serial(first),
        "COLLECTED",
    )
    things = {t["name"]: t["id"] for t in client.get("/things", headers=user).json()["things"]}
    assert item["deviceId"] == things[common_name(first)]
    lower = {"commonName": common_name(first), "serialNumber": serial(first).lower()}
    assert client.post(FIND, json=lower, headers=user).json()["totalCount"] == 1
    assert find(client, people["other_user"], first) == {"items": [], "totalCount": 0}
    assert find(client, people["any_user"], first)["totalCount"] == 1, "same organization"

    by_device = {"reasonCode": 1, "deviceIds": [item["deviceId"]]}
    stranger = client.post(REVOKE, json=by_device, headers=people["other_user"])
    assert_problem(stranger, 404, field="deviceIds")
    colleague = client.post(REVOKE, json=by_device, headers=people["any_user"])
    assert_problem(colleague, 404, field="deviceIds")

    started = time.monotonic()
    revoked = client.post(REVOKE, json=by_device, headers=user)
    assert revoked.status_code == 200, revoked.text
    assert first.serial_number in revoked_in_crl(client)
    answer = ocsp_answer(client, first)
    assert answer.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert answer.revocation_reason == x509.ReasonFlags.key_compromise
    assert time.monotonic() - started < 1.0, "a revocation is in the CRL and OCSP within 1 s"
    assert find(client, user, first)["items"][0]["status"] == "REVOKED"
    again = client.post(
        REVOKE, json={"reasonCode": 4, "deviceIds": [item["deviceId"]]}, headers=user
    )
    assert again.status_code == 200, "revoking twice changes nothing"
    assert ocsp_answer(client, first).revocation_reason == x509.ReasonFlags.key_compromise

    by_serial = client.post(
        "/api/v1/certificates/1/revoke",
        json={"reasonCode": 4, "serialNumber": serial(second)},
        headers=people["admin"],
    )
    assert by_serial.status_code == 200, by_serial.text
    assert ocsp_answer(client, second).revocation_reason == x509.ReasonFlags.superseded
    assert ocsp_answer(client, leaves[2]).certificate_status == ocsp.OCSPCertStatus.GOOD
    assert revoked_in_crl(client) == {first.serial_number, second.serial_number}
    wrong_profile = client.post(
        "/api/v1/certificates/2/revoke",
        json={"reasonCode": 4, "serialNumber": serial(leaves[2])},
        headers=people["admin"],
    )
    assert_problem(wrong_profile, 404, field="serialNumber")

    number = client.get("/api/v1/batches/1", headers=user).json()["batchId"]
    log = client.get(f"/api/v1/batches/{number}/devices/auditLog?position=1", headers=user)
    assert log.status_code == 200, log.text
    entries = log.json()
    assert [e["deviceId"] for e in entries] == [item["deviceId"]] * len(entries)
    assert entries[-1]["message"] == f"certificate {serial(first)} revoked: keyCompromise"
    assert entries[-1]["cn"] == common_name(first)
    everyone = client.get(f"/api/v1/batches/{number}/devices/auditLog", headers=user).json()
    assert {e["deviceId"] for e in everyone} == set(things.values())
    outside = client.get(f"/api/v1/batches/{number}/devices/auditLog", headers=people["other_user"])
    assert_problem(outside, 404, field="batchId")


def test_bad_revocations_are_refused_and_change_nothing(
    fleet: FleetID, world: tuple[TestClient[Any], dict[str, dict[str, str]]]
) -> None:
    client, people = world
    user = people["device_user"]
    leaf = issued(fleet, client, user)[0]
    device = find(client, user, leaf)["items"][0]["deviceId"]
    for reason in (7, 8, 11, -1):
        answer = client.post(
            REVOKE, json={"reasonCode": reason, "deviceIds": [device]}, headers=user
        )
        assert_problem(answer, 400, field="reasonCode")
    assert_problem(client.post(REVOKE, json={"reasonCode": 0, "deviceIds": []}, headers=user), 400)
    unknown = client.post(
        REVOKE,
        json={"reasonCode": 0, "deviceIds": [device, "6edfaffc-c954-4281-ad11-db75baacae4d"]},
        headers=user,
    )
    assert_problem(unknown, 404, field="deviceIds")
    bad_serial = client.post(
        "/api/v1/certificates/1/revoke", json={"reasonCode": 0, "serialNumber": "zz"}, headers=user
    )
    assert_problem(bad_serial, 400)
    assert revoked_in_crl(client) == set()
    assert ocsp_answer(client, leaf).certificate_status == ocsp.OCSPCertStatus.GOOD
