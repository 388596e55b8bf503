"""An authority's revocations: the certificates its CRL lists and its OCSP responder answers as
revoked. One list per authority, so that every revocation makes the next CRL: the list's
version is the CRL number, and each revocation's time is its event's."""

from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.aggregate import FleetAggregate
from domain.causes import Cause
from domain.errors import InvalidValue

NAMESPACE = UUID("4d1f7b2e-9c3a-4e8b-a6d5-2f0c1b9e7a34")
REASONS = {
    0: "unspecified",
    1: "keyCompromise",
    2: "cACompromise",
    3: "affiliationChanged",
    4: "superseded",
    5: "cessationOfOperation",
    6: "certificateHold",
    9: "privilegeWithdrawn",
    10: "aACompromise",
}
"""RFC 5280's reason codes a CRL entry may carry: 7 is unused, and 8 (removeFromCRL) belongs
to delta CRLs only."""
CESSATION = 5


def revocations_id(authority: int) -> UUID:
    return uuid5(NAMESPACE, str(authority))


def normal_serial(text: str, field: str = "serialNumber") -> str:
    """A serial number as FleetID writes it: the upper-case hex of its bytes, without the
    leading zeros some tools print or the sign byte DER adds."""
    try:
        value = int(text.strip(), 16)
    except ValueError:
        raise InvalidValue("must be a hexadecimal serial number", field=field) from None
    if value <= 0:
        raise InvalidValue("must be a positive serial number", field=field)
    return value.to_bytes((value.bit_length() + 7) // 8, "big").hex().upper()


def check_reason(code: int, field: str = "reasonCode") -> int:
    if code not in REASONS:
        raise InvalidValue(
            f"must be an RFC 5280 reason code: {', '.join(map(str, REASONS))}", field=field
        )
    return code


class RevocationList(FleetAggregate):
    class Opened(FleetAggregate.Created):
        authority: int

    @event(Opened)
    def __init__(self, authority: int, cause: Cause) -> None:
        self.authority = authority
        self.revoked: dict[str, int] = {}
        """Serial (hex, upper case) → reason code."""

    @classmethod
    def open(cls, authority: int, cause: Cause) -> "RevocationList":
        return cls._create(
            cls.Opened, id=revocations_id(authority), authority=authority, cause=cause
        )

    class Revoked(FleetAggregate.Event):
        authority: int
        serials: list[str]
        reason: int

    def revoke(self, serials: list[str], reason: int, cause: Cause) -> list[str]:
        """Those of `serials` not revoked before, now revoked: revoking twice changes nothing
        (the first reason and time stand)."""
        check_reason(reason)
        new = list(dict.fromkeys(s for s in serials if s not in self.revoked))
        if new:
            self._revoke(authority=self.authority, serials=new, reason=reason, cause=cause)
        return new

    @event(Revoked)
    def _revoke(self, authority: int, serials: list[str], reason: int, cause: Cause) -> None:
        self.revoked = {**self.revoked, **dict.fromkeys(serials, reason)}
