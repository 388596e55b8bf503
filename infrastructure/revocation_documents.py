"""An authority's CRL and OCSP responses, made with `cryptography` and signed through the
signer port (infrastructure/port_signing.py). A CRL entry of reason 0 (unspecified) carries no
reason code, as RFC 5280 asks; an OCSP response answers for one hour and echoes the request's
nonce."""

from collections.abc import Callable
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from application.ports.certificates import CertificateView, Revocation
from application.ports.signing import Signer
from infrastructure.der import after, content, header
from infrastructure.port_signing import signed_der, signed_ocsp

OCSP_VALIDITY = timedelta(hours=1)
REASONS = {
    1: x509.ReasonFlags.key_compromise,
    2: x509.ReasonFlags.ca_compromise,
    3: x509.ReasonFlags.affiliation_changed,
    4: x509.ReasonFlags.superseded,
    5: x509.ReasonFlags.cessation_of_operation,
    6: x509.ReasonFlags.certificate_hold,
    9: x509.ReasonFlags.privilege_withdrawn,
    10: x509.ReasonFlags.aa_compromise,
}
HASHES: dict[type[hashes.HashAlgorithm], Callable[[], hashes.HashAlgorithm]] = {
    hashes.SHA1: hashes.SHA1,
    hashes.SHA256: hashes.SHA256,
    hashes.SHA384: hashes.SHA384,
    hashes.SHA512: hashes.SHA512,
}


class SignedRevocationDocuments:
    def __init__(self, signer: Signer) -> None:
        self._signer = signer

    def crl(
        self,
        key: str,
        certificate: str,
        revocations: list[Revocation],
        number: int,
        this_update: datetime,
        next_update: datetime,
    ) -> bytes:
        issuer = x509.load_pem_x509_certificate(certificate.encode())
        entries = [_entry(revocation) for revocation in revocations]
        builder = x509.CertificateRevocationListBuilder(
            issuer_name=issuer.subject,
            last_update=this_update,
            next_update=next_update,
            extensions=[
                x509.Extension(x509.CRLNumber.oid, False, x509.CRLNumber(number)),
                x509.Extension(x509.AuthorityKeyIdentifier.oid, False, _authority_key_id(issuer)),
            ],
            revoked_certificates=entries,
        )
        return signed_der(builder, self._signer, key)

    def ocsp(
        self,
        key: str,
        certificate: str,
        request: bytes,
        lookup: Callable[[str], CertificateView | None],
        now: datetime,
    ) -> bytes:
        try:
            asked = ocsp.load_der_ocsp_request(request)
            algorithm = HASHES[type(asked.hash_algorithm)]()
        except (ValueError, KeyError, TypeError):
            return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        issuer = x509.load_pem_x509_certificate(certificate.encode())
        if (asked.issuer_name_hash, asked.issuer_key_hash) != _issuer_hashes(issuer, algorithm):
            return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
        serial = asked.serial_number
        if serial <= 0:
            return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        found = lookup(_hex(serial))
        this_update = now.replace(microsecond=0)
        revoked = found is not None and found.revoked_at is not None
        if found is None:
            status = ocsp.OCSPCertStatus.UNKNOWN
        else:
            status = ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD
        builder = (
            ocsp.OCSPResponseBuilder()
            .add_response_by_hash(
                issuer_name_hash=asked.issuer_name_hash,
                issuer_key_hash=asked.issuer_key_hash,
                serial_number=asked.serial_number,
                algorithm=algorithm,
                cert_status=status,
                this_update=this_update,
                next_update=this_update + OCSP_VALIDITY,
                revocation_time=(
                    found.revoked_at.replace(microsecond=0)
                    if found is not None and found.revoked_at is not None
                    else None
                ),
                revocation_reason=(
                    REASONS.get(found.reason or 0) if found is not None and revoked else None
                ),
            )
            .responder_id(ocsp.OCSPResponderEncoding.HASH, issuer)
        )
        for extension in asked.extensions:
            if isinstance(extension.value, x509.OCSPNonce):
                builder = builder.add_extension(extension.value, critical=False)
        return signed_ocsp(builder, self._signer, key)


def _entry(revocation: Revocation) -> x509.RevokedCertificate:
    """Built whole: adding entries to a CRL builder one by one copies them each time."""
    extensions: list[x509.Extension[x509.ExtensionType]] = []
    if revocation.reason in REASONS:
        reason = x509.CRLReason(REASONS[revocation.reason])
        extensions.append(x509.Extension(x509.CRLReason.oid, False, reason))
    return x509.RevokedCertificateBuilder(
        serial_number=int(revocation.serial, 16),
        revocation_date=revocation.at.replace(microsecond=0),
        extensions=extensions,
    ).build()


def _authority_key_id(issuer: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def _issuer_hashes(
    issuer: x509.Certificate, algorithm: hashes.HashAlgorithm
) -> tuple[bytes, bytes]:
    name = hashes.Hash(algorithm)
    name.update(issuer.subject.public_bytes())
    key = hashes.Hash(algorithm)
    spki = issuer.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key.update(_subject_public_key_bits(spki))
    return name.finalize(), key.finalize()


def _subject_public_key_bits(spki: bytes) -> bytes:
    """The key inside a SubjectPublicKeyInfo's BIT STRING (what OCSP hashes): past the
    algorithm, and past the BIT STRING's unused-bits byte."""
    key_at = after(spki, header(spki, 0)[0])
    return content(spki, key_at)[1:]


def _hex(serial: int) -> str:
    return serial.to_bytes((serial.bit_length() + 7) // 8 or 1, "big").hex().upper()


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(
        serialization.Encoding.DER
    )
