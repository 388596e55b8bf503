"""What relying parties ask an authority about its certificates: its CRL (RFC 5280) and OCSP
(RFC 6960), signed by the authority's key through the signer port."""

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from application.ports.certificates import CertificateView, Revocation


class RevocationDocuments(Protocol):
    def crl(
        self,
        key: str,
        certificate: str,
        revocations: list[Revocation],
        number: int,
        this_update: datetime,
        next_update: datetime,
    ) -> bytes:
        """The authority's full CRL, DER: `key` is its signer reference, `certificate` PEM."""
        ...

    def ocsp(
        self,
        key: str,
        certificate: str,
        request: bytes,
        lookup: Callable[[str], CertificateView | None],
        now: datetime,
    ) -> bytes:
        """The OCSP response, DER, to a DER request: good, revoked (time, reason) or unknown
        for the serial asked about (`lookup` by upper-case hex serial); unauthorized if the
        request names another issuer; malformed if it is not a request at all."""
        ...
