"""A batch's download files: certificates and keys in PEM, or PKCS#12 bundles.

PKCS#12 is encrypted with PBES2 (PBKDF2 with HMAC-SHA256, AES-256-CBC) and MACed with
HMAC-SHA256, at 2,048 PBKDF2 iterations: OpenSSL 3's default for `pkcs12 -export`, which every
device stack reads. More iterations would cost each certificate of a large batch that much
more at download (bench/README.md gives the cost); the password protects the file in transit
and at rest, and is the orderer's to choose strong."""

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from infrastructure.software_signer import PrivateKey

KDF_ROUNDS = 2048


class CryptographyFiles:
    def certificate_pem(self, der: bytes) -> bytes:
        return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)

    def key_pem(self, pkcs8: bytes) -> bytes:
        return _key(pkcs8).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def pkcs12(self, name: str, pkcs8: bytes, der: bytes, chain: list[str], password: str) -> bytes:
        encryption = (
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(KDF_ROUNDS)
            .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
            .hmac_hash(hashes.SHA256())
            .build(password.encode())
        )
        return pkcs12.serialize_key_and_certificates(
            name.encode(),
            _key(pkcs8),
            x509.load_der_x509_certificate(der),
            [x509.load_pem_x509_certificate(pem.encode()) for pem in chain] or None,
            encryption,
        )


def _key(pkcs8: bytes) -> PrivateKey:
    key = serialization.load_der_private_key(pkcs8, password=None)
    assert isinstance(key, PrivateKey)
    return key
