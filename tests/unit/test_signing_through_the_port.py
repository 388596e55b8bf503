"""A signer that keeps its keys to itself (a hardware module, a cloud key service) signs only
through the port: certificates are then built on a stand-in key and signed by the port. The
result must be the same kind of certificate, verifiable with the signer's public key."""

import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from infrastructure.ca_certificates import root_certificate
from infrastructure.port_signing import signed_der
from infrastructure.software_signer import SoftwareSigner
from tests.fakes.outside import MemorySealedKeys


class PortOnly:
    """The port's methods and nothing else: no key leaves it."""

    def __init__(self) -> None:
        self._inner = SoftwareSigner(MemorySealedKeys(), bytes(32))

    def create_key(self, algorithm: str) -> str:
        return self._inner.create_key(algorithm)

    def import_key(self, private_key_pem: bytes) -> str:
        return self._inner.import_key(private_key_pem)

    def algorithm(self, key: str) -> str:
        return self._inner.algorithm(key)

    def public_key(self, key: str) -> bytes:
        return self._inner.public_key(key)

    def sign(self, key: str, data: bytes) -> bytes:
        return self._inner.sign(key, data)


@pytest.mark.parametrize("algorithm", ["EC:P-256", "EC:P-384", "RSA:2048"])
def test_a_certificate_signed_through_the_port_verifies(algorithm: str) -> None:
    signer = PortOnly()
    key = signer.create_key(algorithm)
    now = datetime.datetime.now(datetime.UTC)
    root = root_certificate(signer, key, "port root", now)
    public = serialization.load_der_public_key(signer.public_key(key))
    assert root.public_key() == public
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "leaf")]))
        .issuer_name(root.subject)
        .public_key(leaf_key.public_key())
        .serial_number(7)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    leaf = x509.load_der_x509_certificate(signed_der(builder, signer, key))
    leaf.verify_directly_issued_by(root)
    root.verify_directly_issued_by(root)
