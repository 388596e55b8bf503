"""An identity entity's API key (header `apikey`): known to the log only by its keyed lookup
hash, and found by it, so the key itself is shown once, at its entity's creation.

The key's id is derived from that hash: two keys alike could never both be saved."""

from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.aggregate import FleetAggregate
from domain.causes import Cause

NAMESPACE = UUID("0f3d8a52-6c1e-4b7a-9e24-7d5b3c8f1a60")


def entity_key_id(lookup: str) -> UUID:
    return uuid5(NAMESPACE, lookup)


class EntityKey(FleetAggregate):
    class Issued(FleetAggregate.Created):
        entity: str
        lookup: str
        """Keyed hash (HMAC-SHA256) of the key."""

    @event(Issued)
    def __init__(self, entity: str, lookup: str, cause: Cause) -> None:
        self.entity = entity
        self.lookup = lookup
        self.revoked = False

    @classmethod
    def issue(cls, entity: str, lookup: str, cause: Cause) -> "EntityKey":
        return cls._create(
            cls.Issued, id=entity_key_id(lookup), entity=entity, lookup=lookup, cause=cause
        )

    class Revoked(FleetAggregate.Event):
        pass

    def revoke(self, cause: Cause) -> None:
        if not self.revoked:
            self._revoke(cause=cause)

    @event(Revoked)
    def _revoke(self, cause: Cause) -> None:
        self.revoked = True
