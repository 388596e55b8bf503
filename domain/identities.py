"""Index aggregate that makes a user identity unique in the write model.

Its id derives from a blind key (a keyed hash of the identity computed by the application), so the
log shows neither the identity nor anything that can be reversed into it without the server's key.
"""

import unicodedata
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.aggregate import FleetAggregate
from domain.causes import Cause
from domain.errors import Conflict

NAMESPACE = UUID("8a0e4b8e-6a53-4f0c-9f37-5b8f3d1f2a10")


def normalized(identity: str) -> str:
    """NFKC: compatibility forms (fullwidth letters, ligatures, …) become the characters they
    stand for, so `alice@…` typed with a fullwidth `a` (U+FF41) is stored, signed in and made
    unique as `alice@…`."""
    return unicodedata.normalize("NFKC", identity)


def comparable(identity: str) -> str:
    """The form in which identities are unique: NFKC, any letter case (local part included).

    Where NFKC changes nothing this is the NFC, casefolded form that earlier builds keyed the
    index on, so identities stored before stay where they were indexed."""
    return normalized(identity).casefold()


class IdentityTaken(Conflict):
    reason = "identity_taken"


class IdentityIndex(FleetAggregate):
    records_updater = False

    class Claimed(FleetAggregate.Created):
        key: str
        holder: UUID

    @event(Claimed)
    def __init__(self, key: str, holder: UUID, cause: Cause) -> None:
        self.key = key
        self.holder: UUID | None = holder
        self.last_holder = holder
        """Kept after a release: an entry whose last holder was erased is retired."""

    @staticmethod
    def create_id(key: str) -> UUID:
        return uuid5(NAMESPACE, key)

    class Released(FleetAggregate.Event):
        pass

    class Reclaimed(FleetAggregate.Event):
        holder: UUID

    @classmethod
    def claim(
        cls, existing: "IdentityIndex | None", key: str, holder: UUID, cause: Cause
    ) -> "IdentityIndex":
        """The entry for `key`, claimed by `holder`: a new one where none exists, else the
        existing one reclaimed (IdentityTaken while another holds it)."""
        if existing is None:
            return cls(key=key, holder=holder, cause=cause)
        existing.reclaim(holder, cause)
        return existing

    def release(self, cause: Cause) -> None:
        if self.holder is not None:
            self._release(cause=cause)

    def released_by(self, holder: UUID, cause: Cause) -> "list[IdentityIndex]":
        """[this entry, released] when `holder` holds it; [] when someone else does or nobody."""
        if self.holder != holder:
            return []
        self._release(cause=cause)
        return [self]

    def reclaim(self, holder: UUID, cause: Cause) -> None:
        if self.holder is not None and self.holder != holder:
            raise IdentityTaken("identity is already taken", field="identity")
        if self.holder is None:
            self._reclaim(holder=holder, cause=cause)

    @event(Released)
    def _release(self, cause: Cause) -> None:
        self.holder = None

    @event(Reclaimed)
    def _reclaim(self, holder: UUID, cause: Cause) -> None:
        self.holder = holder
        self.last_holder = holder
