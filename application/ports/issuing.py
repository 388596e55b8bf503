"""Issuing a batch's certificates: the CPU-bound part (keys, certificates, signatures) runs
behind `CertificateMaker`, on as many worker processes as are given; the private keys FleetID
makes for devices are sealed there and kept outside the log, in `IssuedKeys`."""

from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class AuthorityUrls:
    """Where FleetID serves what a certificate's relying parties look up."""

    crl: str
    ocsp: str
    ca_issuers: str


@dataclass(frozen=True)
class IssueJob:
    """One chunk of a batch: consecutive certificates from `first`."""

    batch: int
    first: int
    values: list[dict[str, str] | str]
    """Per certificate, its values by parameter name, or why it cannot be made."""
    public_keys: list[bytes] | None
    """Per certificate, its SubjectPublicKeyInfo (DER) from a CSR; None: FleetID makes keys."""
    profile_config: str
    authority_key: str
    """The signer's reference of the issuing authority's key."""
    authority_certificate: str
    """PEM."""
    urls: AuthorityUrls
    at: datetime
    """The batch's issuing time: each certificate's validity starts a little before it."""


@dataclass(frozen=True)
class MadeCertificate:
    index: int
    serial: str
    """Hex, upper case."""
    common_name: str
    der: bytes
    public_key: str
    """Its SubjectPublicKeyInfo, DER in base64: what its device (a thing) is known to hold."""
    sealed_key: bytes | None
    """The private key FleetID made for it, sealed; None for a CSR's."""


@dataclass(frozen=True)
class MadeChunk:
    certificates: list[MadeCertificate]
    failures: list[tuple[int, str]]
    """(index, why) of each certificate that could not be made."""


class CertificateMaker(Protocol):
    def make(self, job: IssueJob) -> Future[MadeChunk]: ...

    @property
    def workers(self) -> int:
        """How many jobs run at once."""
        ...


class IssuedKeys(Protocol):
    """Sealed private keys of certificates, by batch; never in the log."""

    def put(self, batch: int, keys: list[tuple[int, str, bytes]]) -> None:
        """(index, serial, sealed key) of certificates about to be recorded."""
        ...

    def discard_from(self, batch: int, index: int) -> None:
        """Keys of a chunk made but never recorded (the issuer stopped before its save)."""
        ...

    def sealed(self, batch: int, first: int, last: int) -> dict[str, bytes]:
        """Serial → sealed key of the batch's certificates from place `first` to `last`."""
        ...

    def destroy(self, batch: int) -> None:
        """The batch's keys, gone for good: its certificates' keys exist only where they were
        downloaded."""
        ...

    def open(self, serial: str, sealed: bytes) -> bytes:
        """The key, PKCS#8 DER."""
        ...


class CertificateFiles(Protocol):
    """What a batch's download holds, made at download time from DER and PKCS#8."""

    def certificate_pem(self, der: bytes) -> bytes: ...

    def key_pem(self, pkcs8: bytes) -> bytes:
        """The key as PEM (PKCS#8), for a batch ordered without a PKCS#12 password."""
        ...

    def pkcs12(self, name: str, pkcs8: bytes, der: bytes, chain: list[str], password: str) -> bytes:
        """Key and certificate (and `chain`, PEM, as the profile's bag asks) in PKCS#12,
        encrypted with PBES2 (PBKDF2-SHA256, AES-256-CBC) and MACed with SHA-256."""
        ...
