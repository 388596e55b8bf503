"""A password reset code, as the certificate manager's reset flow mails it: the user proves
who they are with the code alone, so the code's aggregate says whose it is.

Its id derives from a keyed hash of the code (computed by the application), so the log holds
nothing a reader could turn back into the code without the server's key.
"""

from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.aggregate import FleetAggregate
from domain.causes import Cause

NAMESPACE = UUID("3b1f0c52-8d0e-4f7a-a4c5-6e2d9b7f1c33")


class ResetCode(FleetAggregate):
    records_updater = False

    class Issued(FleetAggregate.Created):
        key: str
        holder: UUID
        expires_at: float

    @event(Issued)
    def __init__(self, key: str, holder: UUID, expires_at: float, cause: Cause) -> None:
        self.key = key
        self.holder = holder
        self.expires_at = expires_at

    @staticmethod
    def create_id(key: str) -> UUID:
        return uuid5(NAMESPACE, key)

    def opens(self, now: float, sessions_since: float | None) -> bool:
        """Whether the code may still set a password: not expired, and issued after the
        holder's last secret or status change. Using it changes the secret, so it opens once."""
        issued = self.created_on.timestamp()
        return now < self.expires_at and (sessions_since is None or issued >= sessions_since)
