"""The User aggregate: a person (or service account) that signs in and owns other entities."""

from dataclasses import replace
from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import FleetAggregate
from domain.causes import Cause
from domain.errors import Conflict, InvalidValue, NotFound
from domain.identities import normalized
from domain.memberships import Contact, Membership, Privilege
from domain.switchable import Status, Switchable, Switched
from domain.values import check_metadata, check_name, check_tags

MIN_SECRET_LENGTH = 8
MAX_SECRET_LENGTH = 256
MAX_IDENTITY_LENGTH = 254


CONTACT_FIELDS = frozenset({"first_name", "last_name", "phone", "email"})


class Role(StrEnum):
    ADMIN = "admin"
    USER = "user"
    AUDITOR = "auditor"
    """Reads the event log and its proofs; otherwise an ordinary user."""


class UserErased(Conflict):
    reason = "user_erased"


def check_identity(identity: str) -> str:
    """The identity in its stored form (NFKC). Whitespace is refused rather than trimmed: an
    identity is never changed beyond what Unicode says is the same text."""
    identity = normalized(identity)
    if not identity:
        raise InvalidValue("identity must not be empty", field="identity")
    if len(identity) > MAX_IDENTITY_LENGTH:
        raise InvalidValue(
            f"identity must be at most {MAX_IDENTITY_LENGTH} characters", field="identity"
        )
    if any(c.isspace() or not c.isprintable() for c in identity):
        raise InvalidValue(
            "identity must not contain whitespace or control characters", field="identity"
        )
    return identity


def check_password(secret: str, field: str = "secret") -> str:
    """A user's secret is a password: any characters, only its length is ruled (things'
    secrets, which travel in headers, are ruled by `domain.things.check_thing_secret`)."""
    if not MIN_SECRET_LENGTH <= len(secret) <= MAX_SECRET_LENGTH:
        raise InvalidValue(
            f"secret must be {MIN_SECRET_LENGTH} to {MAX_SECRET_LENGTH} characters", field=field
        )
    return secret


class User(Switchable, FleetAggregate):
    class Registered(FleetAggregate.Created):
        identity: str | None
        secret_hash: str
        name: str | None
        tags: list[str]
        metadata: dict[str, Any] | None
        role: Role
        owner: UUID | None
        personal_fields: ClassVar[frozenset[str]] = frozenset({"identity", "name", "metadata"})
        secret_fields: ClassVar[frozenset[str]] = frozenset({"secret_hash"})

    @event(Registered)
    def __init__(
        self,
        identity: str | None,
        secret_hash: str,
        name: str | None,
        tags: list[str],
        metadata: dict[str, Any] | None,
        role: Role,
        owner: UUID | None,
        cause: Cause,
    ) -> None:
        self.identity = identity
        self.secret_hash: str | None = secret_hash
        """None once erased: the hash was sealed under the key erasure destroys."""
        self.name = name
        self.tags = tags
        self.metadata = metadata or {}
        self.role = Role(role)
        self.owner = owner
        self.status = Status.ENABLED
        self.membership: Membership | None = None
        """Its standing in the certificate manager, if it has one (domain/memberships.py)."""

    @classmethod
    def register(
        cls,
        *,
        id: UUID,
        identity: str,
        secret_hash: str,
        name: str,
        tags: list[str],
        metadata: dict[str, Any],
        role: Role,
        owner: UUID | None,
        cause: Cause,
    ) -> "User":
        if owner is not None and owner == id:
            raise InvalidValue("a user cannot own itself", field="owner")
        return cls._create(
            cls.Registered,
            id=id,
            identity=check_identity(identity),
            secret_hash=secret_hash,
            name=check_name(name),
            tags=check_tags(tags),
            metadata=check_metadata(metadata),
            role=role,
            owner=owner,
            cause=cause,
        )

    class Renamed(FleetAggregate.Event):
        name: str | None
        personal_fields: ClassVar[frozenset[str]] = frozenset({"name"})

    class MetadataReplaced(FleetAggregate.Event):
        metadata: dict[str, Any] | None
        personal_fields: ClassVar[frozenset[str]] = frozenset({"metadata"})

    class TagsReplaced(FleetAggregate.Event):
        tags: list[str]

    class OwnerChanged(FleetAggregate.Event):
        owner: UUID | None

    class IdentityChanged(FleetAggregate.Event):
        identity: str | None
        personal_fields: ClassVar[frozenset[str]] = frozenset({"identity"})

    class SecretChanged(FleetAggregate.Event):
        secret_hash: str
        secret_fields: ClassVar[frozenset[str]] = frozenset({"secret_hash"})

    class Enabled(Switched):
        becomes = Status.ENABLED

    class Disabled(Switched):
        becomes = Status.DISABLED

    class Enrolled(FleetAggregate.Event):
        """Joined the certificate manager under `number`."""

        number: int
        first_name: str | None
        last_name: str | None
        phone: str | None
        email: str | None
        privileges: list[dict[str, Any]] | None
        personal_fields: ClassVar[frozenset[str]] = CONTACT_FIELDS | {"privileges"}

    class ContactChanged(FleetAggregate.Event):
        first_name: str | None
        last_name: str | None
        phone: str | None
        email: str | None
        personal_fields: ClassVar[frozenset[str]] = CONTACT_FIELDS

    class PrivilegesChanged(FleetAggregate.Event):
        privileges: list[dict[str, Any]] | None
        personal_fields: ClassVar[frozenset[str]] = frozenset({"privileges"})

    class Withdrawn(FleetAggregate.Event):
        """Left the certificate manager: its number answers no more."""

    class Erased(FleetAggregate.Event):
        """Personal data is forgotten by destroying its key; this records that it happened."""

    @property
    def is_erased(self) -> bool:
        return self.status is Status.ERASED

    def _check_live(self) -> None:
        if self.is_erased:
            raise UserErased("user has been erased")

    def rename(self, name: str, cause: Cause) -> None:
        self._check_live()
        self._rename(name=check_name(name), cause=cause)

    def replace_metadata(self, metadata: dict[str, Any], cause: Cause) -> None:
        self._check_live()
        self._replace_metadata(metadata=check_metadata(metadata), cause=cause)

    def replace_tags(self, tags: list[str], cause: Cause) -> None:
        self._check_live()
        self._replace_tags(tags=check_tags(tags), cause=cause)

    def change_owner(self, owner: UUID | None, cause: Cause) -> None:
        self._check_live()
        if owner == self.id:
            raise InvalidValue("a user cannot own itself", field="owner")
        self._change_owner(owner=owner, cause=cause)

    def change_identity(self, identity: str, cause: Cause) -> None:
        self._check_live()
        self._change_identity(identity=check_identity(identity), cause=cause)

    def change_secret(self, secret_hash: str, cause: Cause) -> None:
        self._check_live()
        self._change_secret(secret_hash=secret_hash, cause=cause)

    def enable(self, cause: Cause) -> None:
        self._check_live()
        super().enable(cause)

    def disable(self, cause: Cause) -> None:
        self._check_live()
        super().disable(cause)

    def erase(self, cause: Cause) -> None:
        self._check_live()
        self._erase(cause=cause)

    def enroll(
        self,
        number: int,
        contact: Contact | None,
        privileges: tuple[Privilege, ...],
        cause: Cause,
    ) -> None:
        """`contact` None: none known yet (the first admin, enrolled at start)."""
        self._check_live()
        if self.membership is not None:
            raise Conflict("user is in the certificate manager already")
        self._enroll(
            number=number,
            **_contact_fields(contact and contact.checked()),
            privileges=[p.recorded() for p in privileges],
            cause=cause,
        )

    def change_contact(self, contact: Contact, cause: Cause) -> None:
        self._member()
        self._change_contact(**_contact_fields(contact.checked()), cause=cause)

    def change_privileges(self, privileges: tuple[Privilege, ...], cause: Cause) -> None:
        if self._member().privileges != privileges:
            self._change_privileges(privileges=[p.recorded() for p in privileges], cause=cause)

    def withdraw(self, cause: Cause) -> None:
        self._member()
        self._withdraw(cause=cause)

    def _member(self) -> Membership:
        self._check_live()
        if self.membership is None:
            raise NotFound("user not found", field="userId")
        return self.membership

    @event(Enrolled)
    def _enroll(
        self,
        number: int,
        first_name: str | None,
        last_name: str | None,
        phone: str | None,
        email: str | None,
        privileges: list[dict[str, Any]] | None,
        cause: Cause,
    ) -> None:
        contact = _contact(first_name, last_name, phone, email)
        self.membership = Membership(number, contact, _privileges(privileges))

    @event(ContactChanged)
    def _change_contact(
        self,
        first_name: str | None,
        last_name: str | None,
        phone: str | None,
        email: str | None,
        cause: Cause,
    ) -> None:
        if self.membership is not None:
            contact = _contact(first_name, last_name, phone, email)
            self.membership = replace(self.membership, contact=contact)

    @event(PrivilegesChanged)
    def _change_privileges(self, privileges: list[dict[str, Any]] | None, cause: Cause) -> None:
        if self.membership is not None:
            self.membership = replace(self.membership, privileges=_privileges(privileges))

    @event(Withdrawn)
    def _withdraw(self, cause: Cause) -> None:
        self.membership = None

    @event(Renamed)
    def _rename(self, name: str | None, cause: Cause) -> None:
        self.name = name

    @event(MetadataReplaced)
    def _replace_metadata(self, metadata: dict[str, Any] | None, cause: Cause) -> None:
        self.metadata = metadata or {}

    @event(TagsReplaced)
    def _replace_tags(self, tags: list[str], cause: Cause) -> None:
        self.tags = tags

    @event(OwnerChanged)
    def _change_owner(self, owner: UUID | None, cause: Cause) -> None:
        self.owner = owner

    @event(IdentityChanged)
    def _change_identity(self, identity: str | None, cause: Cause) -> None:
        self.identity = identity

    @event(SecretChanged)
    def _change_secret(self, secret_hash: str, cause: Cause) -> None:
        self.secret_hash = secret_hash

    @event(Erased)
    def _erase(self, cause: Cause) -> None:
        self.identity = None
        self.name = None
        self.metadata = {}
        self.status = Status.ERASED
        if self.membership is not None:
            self.membership = replace(self.membership, contact=None, privileges=())


def _contact_fields(contact: Contact | None) -> dict[str, str | None]:
    if contact is None:
        return dict.fromkeys(CONTACT_FIELDS)
    return {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "phone": contact.phone,
        "email": contact.email,
    }


def _privileges(recorded: list[dict[str, Any]] | None) -> tuple[Privilege, ...]:
    """None when erasure left them unreadable: an erased person holds no rights."""
    return tuple(Privilege.from_recorded(p) for p in recorded or ())


def _contact(
    first_name: str | None, last_name: str | None, phone: str | None, email: str | None
) -> Contact | None:
    """None when erasure left the sealed fields unreadable."""
    if first_name is None or last_name is None or phone is None or email is None:
        return None
    return Contact(first_name, last_name, phone, email)
