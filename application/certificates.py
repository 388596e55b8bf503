"""The Certificate API: finding issued certificates, and revoking them by device or by serial
number, with an RFC 5280 reason code. A certificate is read by its batch's organization's users
and administrators (admins read all); it is revoked by who may withdraw its batch: the user who
ordered it, the organization's administrators, admins. Anyone else learns nothing of it (404).
A revocation is one `RevocationList.Revoked` event per authority: the next CRL lists it and
OCSP answers revoked at once. Revoking a revoked certificate changes nothing."""

from collections import defaultdict
from dataclasses import dataclass

from eventsourcing.domain import Aggregate

from application.authorization import Actor
from application.consistency import run_command
from application.member_rules import Standing, standing_of
from application.ports.authorities import AuthorityViews
from application.ports.batches import BatchView, BatchViews
from application.ports.certificates import CertificateView, CertificateViews
from application.ports.members import MemberViews
from application.ports.storage import AggregateReader, EventWriter, ReadModelSync
from domain.causes import Cause, Interface
from domain.errors import InvalidValue, NotFound
from domain.revocations import RevocationList, check_reason, normal_serial, revocations_id

MAX_DEVICES = 1000
"""Devices one revocation may name: a batch's revocation is the batch's DELETE."""


@dataclass(frozen=True)
class FoundCertificate:
    certificate: CertificateView
    batch: BatchView


@dataclass(frozen=True)
class CertificateQueries:
    members: MemberViews
    batches: BatchViews
    certificates: CertificateViews
    authorities: AuthorityViews

    def find(self, actor: Actor, common_name: str, serial: str) -> list[FoundCertificate]:
        standing = standing_of(self.members, actor)
        found = self.certificates.find(normal_serial(serial), common_name)
        return [f for f in self._with_batches(found) if _reads(standing, f.batch)]

    def revocable(
        self, actor: Actor, certificates: list[CertificateView], field: str
    ) -> list[CertificateView]:
        """The certificates, once the actor may revoke every one; NotFound naming `field`
        otherwise, as for an unknown one."""
        standing = standing_of(self.members, actor)
        for found in self._with_batches(certificates):
            if not _revokes(standing, found.batch):
                raise NotFound("certificate not found", field=field)
        return certificates

    def of_devices(self, devices: list[str]) -> list[CertificateView]:
        if not 1 <= len(devices) <= MAX_DEVICES:
            raise InvalidValue(f"must name 1 to {MAX_DEVICES} devices", field="deviceIds")
        found = self.certificates.of_devices(list(dict.fromkeys(devices)))
        if len({c.device for c in found}) != len(set(devices)):
            raise NotFound("certificate not found", field="deviceIds")
        return found

    def of_profile(self, profile: int, serial: str) -> CertificateView:
        authorities = [a.number for a in self.authorities.all() if a.profile == profile]
        found = [
            c
            for number in authorities
            if (c := self.certificates.get(number, normal_serial(serial))) is not None
        ]
        if not found:
            raise NotFound("certificate not found", field="serialNumber")
        return found[0]

    def _with_batches(self, certificates: list[CertificateView]) -> list[FoundCertificate]:
        batches = {n: self.batches.get(n) for n in {c.batch for c in certificates}}
        return [
            FoundCertificate(c, batch)
            for c in certificates
            if (batch := batches[c.batch]) is not None
        ]


def _reads(standing: Standing, batch: BatchView) -> bool:
    return standing.manages_organization(batch.organization) or standing.belongs_to(
        batch.organization
    )


def _revokes(standing: Standing, batch: BatchView) -> bool:
    return standing.manages_organization(batch.organization) or (
        standing.number != 0 and standing.number == batch.user_number
    )


def revocations_of(reader: AggregateReader, authority: int, cause: Cause) -> RevocationList:
    """The authority's revocation list, opened with its first revocation."""
    found = reader.get(revocations_id(authority))
    return found if isinstance(found, RevocationList) else RevocationList.open(authority, cause)


class CertificateCommands:
    def __init__(
        self,
        reader: AggregateReader,
        writer: EventWriter,
        sync: ReadModelSync,
        queries: CertificateQueries,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._sync = sync
        self._queries = queries

    async def revoke_devices(
        self, actor: Actor, devices: list[str], reason: int, via: Interface
    ) -> None:
        check_reason(reason)
        found = self._queries.of_devices(devices)
        await self._revoke(actor, self._queries.revocable(actor, found, "deviceIds"), reason, via)

    async def revoke_serial(
        self, actor: Actor, profile: int, serial: str, reason: int, via: Interface
    ) -> None:
        check_reason(reason)
        found = [self._queries.of_profile(profile, serial)]
        await self._revoke(
            actor, self._queries.revocable(actor, found, "serialNumber"), reason, via
        )

    async def _revoke(
        self, actor: Actor, certificates: list[CertificateView], reason: int, via: Interface
    ) -> None:
        by_authority: dict[int, list[str]] = defaultdict(list)
        for certificate in certificates:
            by_authority[certificate.authority].append(certificate.serial)

        def command() -> tuple[None, list[Aggregate]]:
            cause = actor.cause(via)
            changed: list[Aggregate] = []
            for authority, serials in by_authority.items():
                revocations = revocations_of(self._reader, authority, cause)
                revocations.revoke(serials, reason, cause)
                changed.append(revocations)
            return None, changed

        await run_command(self._writer, self._sync, command)
