"""What FleetID serves relying parties about its authorities, with no sign-in: each one's
certificate, CRL and OCSP answers, at the URLs its certificates name.

A CRL is made when first asked for after a revocation, or in a new hour, and kept until then:
so a revocation is in the next CRL fetched, and a flood of fetches costs one signature an hour.
Its number grows with both (the log position of the authority's latest revocation, then the
hour), so that a later CRL always has a larger number, whichever process made it."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from application.ports.certificates import CertificateViews
from application.ports.revocation import RevocationDocuments
from application.ports.storage import AggregateReader
from domain.authorities import Authority, authority_id
from domain.errors import NotFound

CRL_VALIDITY = timedelta(days=1)
"""A CRL's nextUpdate after its thisUpdate: a new one is made every hour, well before."""
HOUR_BITS = 32


@dataclass
class PkiQueries:
    reader: AggregateReader
    certificates: CertificateViews
    documents: RevocationDocuments
    _crls: dict[int, tuple[int, int, bytes]] = field(default_factory=dict)
    """Authority → (revocation mark, hour, CRL) of the last CRL made."""

    def certificate(self, number: int) -> str:
        """The authority's certificate, PEM."""
        return self._authority(number).certificate

    def crl(self, number: int, now: datetime | None = None) -> bytes:
        authority = self._authority(number)
        now = now or datetime.now(UTC)
        hour = int(now.timestamp()) // 3600
        mark = self.certificates.revocation_mark(number)
        kept = self._crls.get(number)
        if kept is not None and kept[:2] == (mark, hour):
            return kept[2]
        mark, revocations = self.certificates.revocations(number)
        this_update = datetime.fromtimestamp(hour * 3600, UTC)
        this_update = max([this_update, *(r.at.replace(microsecond=0) for r in revocations)])
        made = self.documents.crl(
            authority.key,
            authority.certificate,
            revocations,
            (mark << HOUR_BITS) + hour,
            this_update,
            this_update + CRL_VALIDITY,
        )
        self._crls[number] = (mark, hour, made)
        return made

    def ocsp(self, number: int, request: bytes, now: datetime | None = None) -> bytes:
        authority = self._authority(number)
        return self.documents.ocsp(
            authority.key,
            authority.certificate,
            request,
            lambda serial: self.certificates.get(number, serial),
            now or datetime.now(UTC),
        )

    def _authority(self, number: int) -> Authority:
        found = self.reader.get(authority_id(number))
        if not isinstance(found, Authority):
            raise NotFound("no such certificate authority", field="authority")
        return found
