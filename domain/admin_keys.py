"""The admin API's keys: the key the operator configures (`FLEETID_ADMIN_API_KEY`) and those
`fleetid admin-key rotate` has made since.

A rotation makes a new key and names the keys it replaces, which keep working until its grace
period ends, so clients move to the new key without a pause and no restart is needed. The
configuration stays the last word: once the configured key differs from the one in force at the
last rotation, every rotated key is retired (after a leak, setting a new key and restarting is
enough). Keys are known to the log by keyed lookup hashes only; the new key is shown once."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.aggregate import FleetAggregate
from domain.causes import Cause

NAMESPACE = UUID("7a41c2e9-3b58-4d06-8f1a-92c6e0b47d13")
ADMIN_KEYS = uuid5(NAMESPACE, "admin api keys")
"""The one record of rotations."""


@dataclass(frozen=True)
class Rotation:
    lookup: str
    """Keyed hash of the key it made."""
    replaced: tuple[str, ...]
    """Keyed hashes of the keys in force when it was made."""
    grace_until: datetime
    """When the replaced keys stop working."""
    configured: str
    """Keyed hash of the configured key when it was made."""


def in_force(configured: str, rotations: Sequence[Rotation], now: datetime) -> list[str]:
    """The lookups of the keys that work at `now`: the configured key and each rotated key,
    unless a rotation replaced it and that rotation's grace period is over. A configured key
    other than the one in force at the last rotation works alone."""
    if rotations and rotations[-1].configured != configured:
        return [configured]
    retired: dict[str, datetime] = {}
    for rotation in rotations:
        for old in rotation.replaced:
            retired[old] = min(retired.get(old, rotation.grace_until), rotation.grace_until)
    candidates = dict.fromkeys([configured, *(r.lookup for r in rotations)])
    return [key for key in candidates if key not in retired or now < retired[key]]


class AdminKeys(FleetAggregate):
    records_updater = False

    class Rotated(FleetAggregate.Event):
        lookup: str
        replaced: list[str]
        grace_until: datetime
        configured: str

    class Opened(FleetAggregate.Created):
        """The first rotation, which starts the record."""

        lookup: str
        replaced: list[str]
        grace_until: datetime
        configured: str

    @event(Opened)
    def __init__(
        self,
        lookup: str,
        replaced: list[str],
        grace_until: datetime,
        configured: str,
        cause: Cause,
    ) -> None:
        made = Rotation(lookup, tuple(replaced), grace_until, configured)
        self.rotations: tuple[Rotation, ...] = (made,)

    @classmethod
    def open(cls, rotation: Rotation, cause: Cause) -> "AdminKeys":
        return cls._create(
            cls.Opened,
            id=ADMIN_KEYS,
            lookup=rotation.lookup,
            replaced=list(rotation.replaced),
            grace_until=rotation.grace_until,
            configured=rotation.configured,
            cause=cause,
        )

    def rotate(self, rotation: Rotation, cause: Cause) -> None:
        self._rotate(
            lookup=rotation.lookup,
            replaced=list(rotation.replaced),
            grace_until=rotation.grace_until,
            configured=rotation.configured,
            cause=cause,
        )

    @event(Rotated)
    def _rotate(
        self,
        lookup: str,
        replaced: list[str],
        grace_until: datetime,
        configured: str,
        cause: Cause,
    ) -> None:
        made = Rotation(lookup, tuple(replaced), grace_until, configured)
        self.rotations = (*self.rotations, made)
