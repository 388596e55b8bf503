"""FleetID's certificate authorities: a root and one issuing authority per profile, real CAs
whose certificates anyone can fetch and check, with keys that never enter the log."""

import base64
import datetime
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from litestar.testing import TestClient

from domain.causes import Interface
from infrastructure.schema import signing_keys
from interfaces.bootstrap import (
    FleetID,
    build,
    ensure_certificate_authorities,
    ensure_first_admin,
    ensure_shipped_profiles,
)
from interfaces.rest.app import create_app
from tests.api.support import assert_problem
from tests.conftest import make_settings
from tests.pki_judges import certificate_faults, issuance_faults


@pytest.fixture
def ca_client(sqlite_fleet: FleetID) -> Any:
    ensure_first_admin(sqlite_fleet, Interface.CLI)
    ensure_shipped_profiles(sqlite_fleet)
    ensure_certificate_authorities(sqlite_fleet)
    with TestClient(create_app(sqlite_fleet)) as client:
        yield client


def chain(client: TestClient[Any], number: int) -> list[x509.Certificate]:
    answer = client.get(f"/api/v1/authorities/{number}/certificate")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/x-pem-file")
    return x509.load_pem_x509_certificates(answer.content)


def test_each_profile_has_an_issuing_ca_under_the_root(ca_client: TestClient[Any]) -> None:
    [root] = chain(ca_client, 0)
    root.verify_directly_issued_by(root)
    now = datetime.datetime.now(datetime.UTC)
    expected = {1: ec.EllipticCurvePublicKey, 2: ec.EllipticCurvePublicKey}
    expected |= {3: rsa.RSAPublicKey, 4: rsa.RSAPublicKey}
    for number, key_type in expected.items():
        authority, issuer = chain(ca_client, number)
        assert issuer == root
        authority.verify_directly_issued_by(root)
        assert isinstance(authority.public_key(), key_type)
        assert authority.not_valid_before_utc <= now < authority.not_valid_after_utc
        assert authority.not_valid_after_utc <= root.not_valid_after_utc
        constraints = authority.extensions.get_extension_for_class(x509.BasicConstraints)
        assert constraints.critical
        assert (constraints.value.ca, constraints.value.path_length) == (True, 0)
        usage = authority.extensions.get_extension_for_class(x509.KeyUsage)
        assert usage.critical
        assert usage.value.key_cert_sign
        assert usage.value.crl_sign
        assert not usage.value.digital_signature
        aki = authority.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        assert aki.key_identifier == ski.digest
        assert authority.serial_number > 0
    names = {chain(ca_client, n)[0].subject.rfc4514_string() for n in expected}
    assert len(names) == 4


def test_starting_again_makes_no_new_authority(
    ca_client: TestClient[Any], sqlite_fleet: FleetID
) -> None:
    before = [chain(ca_client, n)[0] for n in range(5)]
    ensure_certificate_authorities(sqlite_fleet)
    assert [chain(ca_client, n)[0] for n in range(5)] == before
    assert_problem(ca_client.get("/api/v1/authorities/5/certificate"), 404)
    assert_problem(ca_client.get("/api/v1/authorities/-1/certificate"), 400)


def test_private_keys_never_enter_the_log(
    ca_client: TestClient[Any], sqlite_fleet: FleetID
) -> None:
    signer = sqlite_fleet.services.wiring.ports.signer
    with sqlite_fleet.engine.connect() as conn:
        refs = list(conn.execute(sa.select(signing_keys.c.ref)).scalars())
        sealed = list(conn.execute(sa.select(signing_keys.c.sealed_key)).scalars())
        log = b"".join(
            bytes(s) for s in conn.exec_driver_sql("SELECT state FROM stored_events").scalars()
        )
    assert len(refs) == 5
    for ref in refs:
        private = signer._load(ref)
        der = private.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        secret = der[-32:]
        for place in (log, b"".join(bytes(s) for s in sealed)):
            assert secret not in place
            assert base64.b64encode(der)[-40:] not in place


def operator_root(directory: Path) -> tuple[Path, Path, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Operator Root")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "root.pem", directory / "root.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path, certificate


def test_an_operator_imports_a_root_before_the_first_start(tmp_path: Path) -> None:
    cert_path, key_path, certificate = operator_root(tmp_path)
    stranger = tmp_path / "stranger.key"
    stranger.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    env = {
        "FLEETID_DATA_DIR": str(tmp_path / "data"),
        "FLEETID_DATABASE_URL": f"sqlite:///{tmp_path / 'ca.db'}",
        "PATH": "/usr/bin:/bin",
    }

    def fleetid(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "interfaces.cli", "ca", "import", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    mismatched = fleetid(str(cert_path), str(stranger))
    assert mismatched.returncode == 2
    assert "does not belong" in mismatched.stderr
    imported = fleetid(str(cert_path), str(key_path))
    assert imported.returncode == 0, imported.stderr
    assert fleetid(str(cert_path), str(key_path)).returncode == 2

    fleet = build(make_settings(tmp_path / "data", f"sqlite:///{tmp_path / 'ca.db'}"))
    try:
        ensure_shipped_profiles(fleet)
        ensure_certificate_authorities(fleet)
        with TestClient(create_app(fleet)) as client:
            [root] = chain(client, 0)
            assert root == certificate
            authority, issuer = chain(client, 1)
            assert issuer == certificate
            authority.verify_directly_issued_by(certificate)
    finally:
        fleet.close()


def test_openssl_accepts_every_chain_strictly(ca_client: TestClient[Any], tmp_path: Path) -> None:
    """An independent tool's judgement: OpenSSL's strict X.509 checks."""
    openssl = shutil.which("openssl")
    assert openssl is not None, "openssl is part of the machine the tests run on"
    root = tmp_path / "root.pem"
    root.write_bytes(ca_client.get("/api/v1/authorities/0/certificate").content)
    for number in range(1, 5):
        authority = tmp_path / f"authority-{number}.pem"
        authority.write_bytes(chain(ca_client, number)[0].public_bytes(serialization.Encoding.PEM))
        verdict = subprocess.run(
            [openssl, "verify", "-x509_strict", "-CAfile", str(root), str(authority)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert verdict.returncode == 0, verdict.stdout + verdict.stderr


def test_pkilint_finds_nothing_to_warn_of(ca_client: TestClient[Any]) -> None:
    """An independent tool's judgement: pkilint's RFC 5280 validations of the root, of each
    issuing authority, and of each authority as the root's issuance (names, key identifiers,
    signature); nothing at WARNING or worse."""
    [root] = chain(ca_client, 0)
    root_pem = root.public_bytes(serialization.Encoding.PEM).decode()
    assert certificate_faults(root_pem) == []
    assert issuance_faults(root_pem, root_pem) == []
    for number in range(1, 5):
        authority = chain(ca_client, number)[0].public_bytes(serialization.Encoding.PEM).decode()
        assert certificate_faults(authority) == [], number
        assert issuance_faults(root_pem, authority) == [], number


def test_pkilint_is_a_judge_that_can_refuse(ca_client: TestClient[Any]) -> None:
    """The judge itself: a certificate signed by another key than its issuer's fails."""
    [root] = chain(ca_client, 0)
    authority = chain(ca_client, 1)[0]
    found = issuance_faults(
        authority.public_bytes(serialization.Encoding.PEM).decode(),
        root.public_bytes(serialization.Encoding.PEM).decode(),
    )
    assert any("signature_verification_failed" in fault for fault in found), found
