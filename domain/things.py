"""The Thing aggregate: a device or application that proves itself with its secret.

The secret never enters the log: events carry a keyed lookup hash (to find the thing by its
secret, and to keep secrets unique) and the secret sealed under a key held outside the log (the
API shows it to the thing's owner). Both are computed by the application before the event.
"""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import FleetAggregate
from domain.causes import Cause
from domain.errors import InvalidValue
from domain.switchable import Status, Switchable, Switched
from domain.values import check_metadata, check_name, check_tags, check_text

MAX_PUBLIC_KEY_LENGTH = 8192
MIN_SECRET_LENGTH = 8
MAX_SECRET_LENGTH = 256
MAX_IDENTITY_LENGTH = 254


def check_thing_secret(secret: str, field: str = "secret") -> str:
    """Secrets travel in `Authorization: Thing <secret>` and MQTT passwords: no whitespace."""
    if not MIN_SECRET_LENGTH <= len(secret) <= MAX_SECRET_LENGTH:
        raise InvalidValue(
            f"secret must be {MIN_SECRET_LENGTH} to {MAX_SECRET_LENGTH} characters", field=field
        )
    if any(c.isspace() or not c.isprintable() for c in secret):
        raise InvalidValue("secret must not contain whitespace or control characters", field=field)
    return secret


def check_label(identity: str) -> str:
    """A thing's identity is a free label (not unique, not used to sign in)."""
    if len(identity) > MAX_IDENTITY_LENGTH:
        raise InvalidValue(
            f"identity must be at most {MAX_IDENTITY_LENGTH} characters", field="identity"
        )
    return check_text(identity, "identity")


def check_public_key(public_key: str) -> str:
    """Kept as the gateway sent it (PEM, base64, hex...): FleetID stores it for the device's
    own protocols and does not interpret it."""
    if not public_key or len(public_key) > MAX_PUBLIC_KEY_LENGTH:
        raise InvalidValue(
            f"publicKey must be 1 to {MAX_PUBLIC_KEY_LENGTH} characters", field="publicKey"
        )
    return check_text(public_key, "publicKey")


@dataclass(frozen=True)
class SealedSecret:
    """A thing secret as the log may hold it."""

    lookup: str
    """Keyed hash of the secret: the same secret always gives the same lookup."""
    sealed: str
    """The secret encrypted under the server's secret key."""


class Thing(Switchable, FleetAggregate):
    class Provisioned(FleetAggregate.Created):
        identity: str
        name: str
        tags: list[str]
        metadata: dict[str, Any]
        owner: UUID | None
        secret_lookup: str
        sealed_secret: str
        parent: UUID | None
        """The thing (a gateway, or a device behind it) this one is connected through."""
        public_key: str | None

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Things provisioned before gateways existed are directly connected, keyless."""
            state["parent"] = None
            state["public_key"] = None

    @event(Provisioned)
    def __init__(
        self,
        identity: str,
        name: str,
        tags: list[str],
        metadata: dict[str, Any],
        owner: UUID | None,
        secret_lookup: str,
        sealed_secret: str,
        cause: Cause,
        parent: UUID | None = None,
        public_key: str | None = None,
    ) -> None:
        self.identity = identity
        self.name = name
        self.tags = tags
        self.metadata = metadata
        self.owner = owner
        self.secret_lookup = secret_lookup
        self.sealed_secret = sealed_secret
        self.parent = parent
        self.public_key = public_key
        self.status = Status.ENABLED
        self.removed = False

    @classmethod
    def provision(
        cls,
        *,
        id: UUID,
        identity: str,
        name: str,
        tags: list[str],
        metadata: dict[str, Any],
        owner: UUID | None,
        secret: SealedSecret,
        cause: Cause,
        parent: UUID | None = None,
        public_key: str | None = None,
    ) -> "Thing":
        return cls._create(
            cls.Provisioned,
            id=id,
            identity=check_label(identity),
            name=check_name(name),
            tags=check_tags(tags),
            metadata=check_metadata(metadata),
            owner=owner,
            secret_lookup=secret.lookup,
            sealed_secret=secret.sealed,
            cause=cause,
            parent=parent,
            public_key=None if public_key is None else check_public_key(public_key),
        )

    class Renamed(FleetAggregate.Event):
        name: str

    class MetadataReplaced(FleetAggregate.Event):
        metadata: dict[str, Any]

    class TagsReplaced(FleetAggregate.Event):
        tags: list[str]

    class OwnerChanged(FleetAggregate.Event):
        owner: UUID | None

    class SecretChanged(FleetAggregate.Event):
        secret_lookup: str
        sealed_secret: str

    class Enabled(Switched):
        becomes = Status.ENABLED

    class Disabled(Switched):
        becomes = Status.DISABLED

    class PublicKeyChanged(FleetAggregate.Event):
        public_key: str

    class Removed(FleetAggregate.Event):
        """The thing is gone: no secret, no connections; its id is not given out again."""

    @property
    def secret(self) -> SealedSecret:
        return SealedSecret(self.secret_lookup, self.sealed_secret)

    def rename(self, name: str, cause: Cause) -> None:
        self._rename(name=check_name(name), cause=cause)

    def replace_metadata(self, metadata: dict[str, Any], cause: Cause) -> None:
        self._replace_metadata(metadata=check_metadata(metadata), cause=cause)

    def replace_tags(self, tags: list[str], cause: Cause) -> None:
        self._replace_tags(tags=check_tags(tags), cause=cause)

    def change_owner(self, owner: UUID, cause: Cause) -> None:
        if owner != self.owner:
            self._change_owner(owner=owner, cause=cause)

    def change_secret(self, secret: SealedSecret, cause: Cause) -> None:
        self._change_secret(secret_lookup=secret.lookup, sealed_secret=secret.sealed, cause=cause)

    def change_public_key(self, public_key: str, cause: Cause) -> None:
        checked = check_public_key(public_key)
        if checked != self.public_key:
            self._change_public_key(public_key=checked, cause=cause)

    def remove(self, cause: Cause) -> None:
        if not self.removed:
            self._remove(cause=cause)

    @event(Renamed)
    def _rename(self, name: str, cause: Cause) -> None:
        self.name = name

    @event(MetadataReplaced)
    def _replace_metadata(self, metadata: dict[str, Any], cause: Cause) -> None:
        self.metadata = metadata

    @event(TagsReplaced)
    def _replace_tags(self, tags: list[str], cause: Cause) -> None:
        self.tags = tags

    @event(OwnerChanged)
    def _change_owner(self, owner: UUID | None, cause: Cause) -> None:
        self.owner = owner

    @event(SecretChanged)
    def _change_secret(self, secret_lookup: str, sealed_secret: str, cause: Cause) -> None:
        self.secret_lookup = secret_lookup
        self.sealed_secret = sealed_secret

    @event(PublicKeyChanged)
    def _change_public_key(self, public_key: str, cause: Cause) -> None:
        self.public_key = public_key

    @event(Removed)
    def _remove(self, cause: Cause) -> None:
        self.removed = True
