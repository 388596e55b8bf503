"""Certificates of FleetID's certificate authorities, signed through the signer port
(infrastructure/port_signing.py)."""

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from application.ports.signing import Signer
from infrastructure.port_signing import signed_der

ROOT_YEARS = 20
AUTHORITY_YEARS = 10


def root_certificate(
    signer: Signer, key: str, name: str, now: datetime.datetime
) -> x509.Certificate:
    subject = _name(name)
    public = _public(signer, key)
    start = _start(now)
    end = start.replace(year=start.year + ROOT_YEARS)
    builder = _ca_builder(subject, subject, public, start, end, None).add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False
    )
    return _signed(builder, signer, key)


def authority_certificate(
    signer: Signer,
    key: str,
    name: str,
    issuer: x509.Certificate,
    issuer_key: str,
    now: datetime.datetime,
) -> x509.Certificate:
    """An issuing CA under `issuer`: it signs end-entity certificates only (path length 0),
    and expires no later than its issuer."""
    public = _public(signer, key)
    start = _start(now)
    end = min(start.replace(year=start.year + AUTHORITY_YEARS), issuer.not_valid_after_utc)
    builder = _ca_builder(_name(name), issuer.subject, public, start, end, 0)
    ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = builder.add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
    )
    return _signed(builder, signer, issuer_key)


def pem(*certificates: x509.Certificate) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in certificates)


def _start(now: datetime.datetime) -> datetime.datetime:
    """A little before now, for clocks that run behind; the 29th of February never starts one,
    so that adding years always names a day."""
    start = now.replace(microsecond=0) - datetime.timedelta(minutes=5)
    return start - datetime.timedelta(days=1) if (start.month, start.day) == (2, 29) else start


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "FleetID"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _public(signer: Signer, key: str) -> ec.EllipticCurvePublicKey | rsa.RSAPublicKey:
    public = serialization.load_der_public_key(signer.public_key(key))
    assert isinstance(public, ec.EllipticCurvePublicKey | rsa.RSAPublicKey)
    return public


def _ca_builder(
    subject: x509.Name,
    issuer: x509.Name,
    public: ec.EllipticCurvePublicKey | rsa.RSAPublicKey,
    start: datetime.datetime,
    end: datetime.datetime,
    path_length: int | None,
) -> x509.CertificateBuilder:
    usage = x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )


def _signed(builder: x509.CertificateBuilder, signer: Signer, key: str) -> x509.Certificate:
    return x509.load_der_x509_certificate(signed_der(builder, signer, key))


class SignedCaCertificates:
    """`CaCertificates` through a signer, dated by the clock."""

    def __init__(self, signer: Signer) -> None:
        self._signer = signer

    def root(self, key: str, name: str) -> str:
        return pem(root_certificate(self._signer, key, name, _now()))

    def authority(self, key: str, name: str, issuer_pem: str, issuer_key: str) -> str:
        issuer = x509.load_pem_x509_certificate(issuer_pem.encode())
        return pem(authority_certificate(self._signer, key, name, issuer, issuer_key, _now()))

    def check_root(self, certificate_pem: str, key: str) -> str:
        try:
            certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
        except ValueError:
            raise ValueError("is not a PEM certificate") from None
        spki = certificate.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        if spki != self._signer.public_key(key):
            raise ValueError("the key does not belong to the certificate")
        try:
            constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
        except x509.ExtensionNotFound:
            raise ValueError("is not a CA certificate (no basic constraints)") from None
        if not constraints.value.ca:
            raise ValueError("is not a CA certificate")
        now = _now()
        if not certificate.not_valid_before_utc <= now < certificate.not_valid_after_utc:
            raise ValueError("is not valid now")
        return pem(certificate)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)
