"""Certificate profiles: loaded from files by the operator (`fleetid profiles load`) and, at
first start, from the ones FleetID ships; read by admins.

A profile's name is unique: loading a name that exists reconfigures that profile, keeping its
number. Names are claimed in the uniqueness index identities use, under a keyed hash."""

from dataclasses import dataclass

from application.authorization import Actor
from application.consistency import run_command
from application.identity_keys import index_entry
from application.member_rules import standing_of
from application.numbering import next_number
from application.ports.members import MemberViews
from application.ports.profiles import ProfileView, ProfileViews
from application.ports.security import BlindIndex
from application.ports.storage import AggregateReader, EventWriter, ReadModelSync
from domain.aggregate import FleetAggregate
from domain.causes import Cause
from domain.errors import Forbidden, NotFound
from domain.identities import IdentityIndex, comparable
from domain.profile_configs import ProfileConfig, parse_config
from domain.profiles import Profile


@dataclass(frozen=True)
class Loaded:
    number: int
    changed: bool
    """False when the profile held this very configuration already."""


class ProfileCommands:
    def __init__(
        self, reader: AggregateReader, writer: EventWriter, sync: ReadModelSync, blind: BlindIndex
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._sync = sync
        self._blind = blind

    async def load(self, name: str, config: str, cause: Cause, *, replace: bool = True) -> Loaded:
        """`replace=False` leaves a profile that exists as it is (the shipped profiles, loaded
        at every start, never undo an operator's change)."""

        def command() -> tuple[Loaded, list[FleetAggregate]]:
            key = self._blind.key(f"profile-name\x00{comparable(name)}")
            entry = index_entry(self._reader, key)
            holder = None if entry is None else entry.holder
            existing = None if holder is None else self._reader.get(holder)
            if isinstance(existing, Profile):
                changed = replace and existing.reconfigure(config, cause)
                return Loaded(existing.number, changed), [existing] if changed else []
            numbers, number = next_number(self._reader, "profile", cause)
            profile = Profile.load(number, name, config, cause)
            claim = IdentityIndex.claim(entry, key, profile.id, cause)
            return Loaded(profile.number, True), [numbers, profile, claim]

        return await run_command(self._writer, self._sync, command)


@dataclass(frozen=True)
class ProfileQueries:
    views: ProfileViews
    members: MemberViews

    def all(self, actor: Actor) -> list[ProfileView]:
        """Admins read every profile; the certificate manager's users, those they may use."""
        standing = standing_of(self.members, actor)
        if not standing.admin and standing.membership is None:
            raise Forbidden("only the certificate manager's users may read profiles")
        return [view for view in self.views.all() if standing.uses_profile(view.number)]

    def get(self, actor: Actor, number: int) -> tuple[ProfileView, ProfileConfig]:
        """Admins read any; the certificate manager's users, the profiles they may use. Any
        other answers as an unknown number does."""
        usable = standing_of(self.members, actor).uses_profile(number)
        found = self.views.get(number) if usable else None
        if found is None:
            raise NotFound("profile not found", field="profileId")
        return found, parse_config(found.config)
