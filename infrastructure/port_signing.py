"""Signing certificates, CRLs and OCSP responses with a key behind the signer port.

The `cryptography` builders sign only with a key object they hold, and the signer's key may sit
in a device that never lets it out. So the document is built and signed with a stand-in key of
the same algorithm, which fixes every byte of the to-be-signed part (the signature algorithm
included), and that part is then signed by the signer and put together in DER. FleetID's own
software signer hands its key to the builder instead: one signature, not two."""

from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from application.ports.signing import Signer
from infrastructure.der import content, header, tlv
from infrastructure.software_signer import PrivateKey, SoftwareSigner, generate

DER = serialization.Encoding.DER
Signable = x509.CertificateBuilder | x509.CertificateRevocationListBuilder


def signed_der(builder: Signable, signer: Signer, key: str) -> bytes:
    """The certificate or CRL, DER, signed by the signer's key."""
    digest = _digest(signer, key)
    if isinstance(signer, SoftwareSigner):
        return builder.sign(signer.private_key(key), digest).public_bytes(DER)
    draft = builder.sign(_stand_in(signer.algorithm(key)), digest)
    if isinstance(draft, x509.Certificate):
        tbs = draft.tbs_certificate_bytes
    else:
        tbs = draft.tbs_certlist_bytes
    return _resigned(draft.public_bytes(DER), tbs, signer.sign(key, tbs))


def signed_ocsp(builder: ocsp.OCSPResponseBuilder, signer: Signer, key: str) -> bytes:
    """A successful OCSP response, DER, its BasicOCSPResponse signed by the signer's key (the
    response carries no certificates: the issuing authority answers for itself)."""
    digest = _digest(signer, key)
    if isinstance(signer, SoftwareSigner):
        return builder.sign(signer.private_key(key), digest).public_bytes(DER)
    draft = builder.sign(_stand_in(signer.algorithm(key)), digest)
    tbs = draft.tbs_response_bytes
    whole = draft.public_bytes(DER)
    status = whole[header(whole, 0)[0] :][:3]
    wrapper = content(whole, header(whole, 0)[0] + 3)
    response_bytes = content(wrapper, 0)
    oid_head, oid_length = header(response_bytes, 0)
    kind = response_bytes[: oid_head + oid_length]
    basic = content(response_bytes, oid_head + oid_length)
    signed = _resigned(basic, tbs, signer.sign(key, tbs))
    inner = tlv(0x30, kind + tlv(0x04, signed))
    return tlv(0x30, status + tlv(0xA0, inner))


def _digest(signer: Signer, key: str) -> hashes.SHA256 | hashes.SHA384:
    return hashes.SHA384() if signer.algorithm(key) == "EC:P-384" else hashes.SHA256()


def _resigned(whole: bytes, tbs: bytes, signature: bytes) -> bytes:
    """`whole` (SEQUENCE of the to-be-signed part, the algorithm, the signature) with the
    signature replaced."""
    head, _ = header(whole, 0)
    after_tbs = head + len(tbs)
    algorithm_head, algorithm_length = header(whole, after_tbs)
    algorithm_id = whole[after_tbs : after_tbs + algorithm_head + algorithm_length]
    return tlv(0x30, tbs + algorithm_id + tlv(0x03, b"\x00" + signature))


@lru_cache(maxsize=8)
def _stand_in(algorithm: str) -> PrivateKey:
    return generate(algorithm)
