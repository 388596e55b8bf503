"""Certificate authorities: the root (number 0), made at first start or imported, and the
issuing authorities under it, one per profile, known by their numbers (`authorityId`). An
authority's private key is in the signer (application/ports/signing.py), named by a reference;
the log holds only that reference and the certificate, which is public."""

from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.aggregate import FleetAggregate
from domain.causes import Cause

NAMESPACE = UUID("9a4c2e1f-7b3d-4f6a-8e5c-1d2b3a4c5e6f")
ROOT = 0


def authority_id(number: int) -> UUID:
    return uuid5(NAMESPACE, str(number))


class Authority(FleetAggregate):
    class Established(FleetAggregate.Created):
        number: int
        name: str
        profile: int | None
        """The profile it issues for; None for the root."""
        key: str
        key_algorithm: str
        certificate: str
        """PEM."""
        imported: bool

    @event(Established)
    def __init__(
        self,
        number: int,
        name: str,
        profile: int | None,
        key: str,
        key_algorithm: str,
        certificate: str,
        imported: bool,
        cause: Cause,
    ) -> None:
        self.number = number
        self.name = name
        self.profile = profile
        self.key = key
        self.key_algorithm = key_algorithm
        self.certificate = certificate
        self.imported = imported

    @classmethod
    def establish(
        cls,
        number: int,
        name: str,
        profile: int | None,
        key: str,
        key_algorithm: str,
        certificate: str,
        cause: Cause,
        *,
        imported: bool = False,
    ) -> "Authority":
        return cls._create(
            cls.Established,
            id=authority_id(number),
            number=number,
            name=name,
            profile=profile,
            key=key,
            key_algorithm=key_algorithm,
            certificate=certificate,
            imported=imported,
            cause=cause,
        )
