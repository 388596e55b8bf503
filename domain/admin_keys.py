"""The admin API's keys: the key the operator configures (`FLEETID_ADMIN_API_KEY`) and those
`fleetid admin-key rotate` has made since it was configured.

The record notes each key configured (at `fleetid serve`'s start, and before a rotation) and
each rotation. A rotation makes a new key and names the keys it replaces, which keep working
until its grace period ends, so clients move to the new key without a pause and no restart is
needed. The configuration has the last word: rotations count only under the configuration they
were made under, so configuring another key (after a leak, say) retires every rotated key, for
good, and so does going back to an earlier one. Keys are known to the log by keyed lookup
hashes only; the new key is shown once, by the command."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.aggregate import FleetAggregate
from domain.causes import Cause

NAMESPACE = UUID("7a41c2e9-3b58-4d06-8f1a-92c6e0b47d13")
ADMIN_KEYS = uuid5(NAMESPACE, "admin api keys")
"""The one record of configurations and rotations."""


@dataclass(frozen=True)
class Rotation:
    lookup: str
    """Keyed hash of the key it made."""
    replaced: tuple[str, ...]
    """Keyed hashes of the keys in force when it was made."""
    grace_until: datetime
    """When the replaced keys stop working."""


def in_force(
    configured: str, recorded: str | None, rotations: Sequence[Rotation], now: datetime
) -> list[str]:
    """The lookups of the keys that work at `now`. `recorded` is the configured key last
    noted, `rotations` those made since. Under another configuration the configured key works
    alone; under the same, so do the rotated keys, unless a rotation replaced one and that
    rotation's grace period is over."""
    if recorded != configured:
        return [configured]
    retired: dict[str, datetime] = {}
    for rotation in rotations:
        for old in rotation.replaced:
            retired[old] = min(retired.get(old, rotation.grace_until), rotation.grace_until)
    candidates = dict.fromkeys([configured, *(r.lookup for r in rotations)])
    return [key for key in candidates if key not in retired or now < retired[key]]


class AdminKeys(FleetAggregate):
    records_updater = False

    class Opened(FleetAggregate.Created):
        """The first key configured, which starts the record."""

        configured: str

    @event(Opened)
    def __init__(self, configured: str, cause: Cause) -> None:
        self.configured = configured
        self.rotations: tuple[Rotation, ...] = ()
        """Those made since `configured` was."""

    @classmethod
    def open(cls, configured: str, cause: Cause) -> "AdminKeys":
        return cls._create(cls.Opened, id=ADMIN_KEYS, configured=configured, cause=cause)

    class Configured(FleetAggregate.Event):
        lookup: str

    def configure(self, lookup: str, cause: Cause) -> bool:
        """Note the key configured now; whether it is another than the last noted."""
        if lookup == self.configured:
            return False
        self._configure(lookup=lookup, cause=cause)
        return True

    @event(Configured)
    def _configure(self, lookup: str, cause: Cause) -> None:
        self.configured = lookup
        self.rotations = ()

    class Rotated(FleetAggregate.Event):
        lookup: str
        replaced: list[str]
        grace_until: datetime

    def rotate(self, lookup: str, grace_until: datetime, now: datetime, cause: Cause) -> None:
        """A new key, replacing every key in force `now`."""
        replaced = in_force(self.configured, self.configured, self.rotations, now)
        self._rotate(lookup=lookup, replaced=replaced, grace_until=grace_until, cause=cause)

    @event(Rotated)
    def _rotate(
        self, lookup: str, replaced: list[str], grace_until: datetime, cause: Cause
    ) -> None:
        made = Rotation(lookup, tuple(replaced), grace_until)
        self.rotations = (*self.rotations, made)
