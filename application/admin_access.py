"""Who may call the admin API (header `x-admin-api-key`) and the entities' own routes (header
`apikey`), and the rotation of the admin key.

Both keys are checked by their keyed lookup hashes, each against every key in force, with a
constant-time comparison; guesses are throttled by client address like sign-in, and a
throttled guess is refused before any check."""

import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from application.authorization import Actor
from application.consistency import run_command
from application.entities import key_lookup
from application.ports.entities import AdminKeyViews, EntityViews
from application.ports.security import BlindIndex
from application.ports.storage import AggregateReader, EventWriter, ReadModelSync
from application.throttling import Throttle
from domain.admin_keys import ADMIN_KEYS, AdminKeys, in_force
from domain.causes import ActorKind, Cause, Interface
from domain.errors import NotFound, Unauthenticated
from domain.users import Role

KEY_BYTES = 32
LOOKUP_SHOWN = 16
"""Characters of the key's lookup hash that name it as the actor of what it does."""


def admin_lookup(blind: BlindIndex, key: str) -> str:
    return blind.key(f"admin-key:{key}")


@dataclass(frozen=True)
class AdminCaller:
    """Whoever presented an admin key in force, named by that key's lookup hash."""

    key: str

    def cause(self, via: Interface) -> Cause:
        return Cause(actor=self.key[:LOOKUP_SHOWN], kind=ActorKind.ADMIN_KEY, via=via)


class AdminAccess:
    def __init__(
        self,
        configured: str | None,
        blind: BlindIndex,
        record: AdminKeyViews,
        throttle: Throttle,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._blind = blind
        self._configured = None if configured is None else admin_lookup(blind, configured)
        self._record = record
        self._throttle = throttle
        self._clock = clock

    @property
    def configured(self) -> str | None:
        """The configured key's lookup hash; None: no admin API."""
        return self._configured

    def in_force(self) -> list[str]:
        if self._configured is None:
            return []
        now = datetime.fromtimestamp(self._clock(), UTC)
        record = self._record.record()
        return in_force(self._configured, record.configured, record.rotations, now)

    def authenticate(self, key: str | None, client: str) -> AdminCaller:
        """NotFound while no admin key is configured: the API is not there."""
        if self._configured is None:
            raise NotFound("not found")
        with self._throttle.guarding(client):
            if not key:
                raise Unauthenticated("missing x-admin-api-key header")
            presented = admin_lookup(self._blind, key)
            matched = False
            for known in self.in_force():
                matched |= hmac.compare_digest(presented, known)
            if not matched:
                raise Unauthenticated("wrong admin API key")
        return AdminCaller(presented)


class AdminKeyCommands:
    def __init__(
        self,
        reader: AggregateReader,
        writer: EventWriter,
        sync: ReadModelSync,
        access: AdminAccess,
        blind: BlindIndex,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._sync = sync
        self._access = access
        self._blind = blind

    async def note_configured(self, cause: Cause) -> bool:
        """Record the key configured now (`fleetid serve` at start): whether it is another than
        the last recorded, which retires every rotated key."""
        configured = self._configured()

        def command() -> tuple[bool, list[AdminKeys]]:
            record = self._reader.get(ADMIN_KEYS)
            if not isinstance(record, AdminKeys):
                return True, [AdminKeys.open(configured, cause)]
            changed = record.configure(configured, cause)
            return changed, [record] if changed else []

        return await run_command(self._writer, self._sync, command)

    async def rotate(self, grace: timedelta, cause: Cause) -> str:
        """A new key, shown this once; the keys in force now keep working for `grace`. What is
        in force is read from the record it is saved to, so that of two rotations at once, the
        second replaces the first's key too."""
        configured = self._configured()
        key = secrets.token_hex(KEY_BYTES)
        lookup = admin_lookup(self._blind, key)

        def command() -> tuple[str, list[AdminKeys]]:
            found = self._reader.get(ADMIN_KEYS)
            record = found if isinstance(found, AdminKeys) else AdminKeys.open(configured, cause)
            record.configure(configured, cause)
            now = datetime.now(UTC)
            record.rotate(lookup, now + grace, now, cause)
            return key, [record]

        return await run_command(self._writer, self._sync, command)

    def _configured(self) -> str:
        configured = self._access.configured
        if configured is None:
            raise NotFound("no admin API key is configured (FLEETID_ADMIN_API_KEY)")
        return configured


class EntityAccess:
    """An entity acts as a user of its own: its twins are its own, and nobody else's."""

    def __init__(self, views: EntityViews, blind: BlindIndex, throttle: Throttle) -> None:
        self._views = views
        self._blind = blind
        self._throttle = throttle

    def authenticate(self, key: str, client: str) -> Actor:
        with self._throttle.guarding(client):
            found = self._views.holder(key_lookup(self._blind, key)) if key else None
            if found is None:
                raise Unauthenticated("wrong API key")
        return entity_actor(found)


def entity_actor(entity: UUID) -> Actor:
    return Actor(entity, Role.USER, ActorKind.ENTITY)
