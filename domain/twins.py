"""Digital twins: an object (a device, a gateway, a service) known by the `objectId` its owner
gives it, with the public keys it signs with and the service endpoints it offers.

Twins are made and changed only by mass operations (domain/mass_operations.py), item by item;
each event names the operation and the item that caused it. A twin's id is derived from its
objectId, so the objectId is unique across FleetID and two creates of one objectId can never
both be saved. Private keys are never part of a twin."""

from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.aggregate import FleetAggregate
from domain.causes import Cause
from domain.errors import InvalidValue

NAMESPACE = UUID("5d0c6a1e-7f4b-4e2a-9c3d-2b8e1f6a4c70")
MAX_SERVICES = 64
"""Services a twin holds, however many operations added them."""

KEY_KINDS = {"Secp256k1": "Secp256k1", "P-256": "P-256", "Secp256r1": "P-256", "Ed25519": "Ed25519"}
"""Key types taken, by the curve each names (`Secp256r1` is the name some clients give P-256)."""
ALGORITHMS = {"Secp256k1": "ES256K", "P-256": "ES256", "Ed25519": "EdDSA"}
"""The JOSE algorithm a key of each curve verifies."""

Service = dict[str, str]
"""`key`, `uri`, `description`."""
TwinKey = dict[str, Any]
"""`kid`, `kms`, `type`, `publicKeyHex` (lower case), `algorithms` (list of names)."""


def twin_id(object_id: str) -> UUID:
    return uuid5(NAMESPACE, object_id)


class TooManyServices(InvalidValue):
    reason = "too_many_services"


class IdClash(InvalidValue):
    """A service's key is a key's kid: both name a fragment of the twin's DID document."""

    reason = "id_clash"


def check_ids(services: list["Service"], keys: list["TwinKey"]) -> None:
    kids = {key["kid"] for key in keys}
    for place, service in enumerate(services):
        if service["key"] in kids:
            raise IdClash(
                "a service's key may not be a key's kid (each names a part of the twin's "
                "DID document)",
                field=f"services[{place}].key",
            )


class Twin(FleetAggregate):
    class Created(FleetAggregate.Created):
        object_id: str
        object_type: str
        owner: str
        thing: str | None
        """The FleetID thing whose id is the objectId, when its owner made the twin."""
        services: list[Service]
        keys: list[TwinKey]
        operation: str
        item: int
        """The mass operation, and the item in it, that made the twin."""

    @event(Created)
    def __init__(
        self,
        object_id: str,
        object_type: str,
        owner: str,
        thing: str | None,
        services: list[Service],
        keys: list[TwinKey],
        operation: str,
        item: int,
        cause: Cause,
    ) -> None:
        self.object_id = object_id
        self.object_type = object_type
        self.owner = owner
        self.thing = thing
        self.services = services
        self.keys = keys

    @classmethod
    def create(
        cls,
        content: "TwinContent",
        owner: str,
        thing: str | None,
        operation: str,
        item: int,
        cause: Cause,
    ) -> "Twin":
        if len(content.services) > MAX_SERVICES:
            raise TooManyServices(f"a twin holds at most {MAX_SERVICES}", field="services")
        check_ids(content.services, content.keys)
        return cls._create(
            cls.Created,
            id=twin_id(content.object_id),
            object_id=content.object_id,
            object_type=content.object_type,
            owner=owner,
            thing=thing,
            services=content.services,
            keys=content.keys,
            operation=operation,
            item=item,
            cause=cause,
        )

    def holds(self, content: "TwinContent") -> bool:
        """Whether creating `content` again would change nothing: the same type and keys, and
        each of its services held as given (a twin may have gained more since, so that a
        request that created it and added services can be sent again)."""
        held = _by(self.services, "key")
        return (
            self.object_type == content.object_type
            and _by(self.keys, "kid") == _by(content.keys, "kid")
            and all(held.get(s["key"]) == s for s in content.services)
        )

    class ServicesAdded(FleetAggregate.Event):
        """Services added, or put in place of the twin's services of the same key."""

        services: list[Service]
        replaced: list[str]
        """The keys of those that replaced one the twin held."""
        operation: str
        item: int

    def add_services(self, services: list[Service], operation: str, item: int, cause: Cause) -> str:
        """`added`, `replaced` (a service of the same key was there) or `unchanged`."""
        held = _by(self.services, "key")
        changed = [s for s in services if held.get(s["key"]) != s]
        if not changed:
            return "unchanged"
        if len(held.keys() | {s["key"] for s in changed}) > MAX_SERVICES:
            raise TooManyServices(f"a twin holds at most {MAX_SERVICES}", field="services")
        check_ids(services, self.keys)
        replaced = [s["key"] for s in changed if s["key"] in held]
        self._add_services(
            services=changed, replaced=replaced, operation=operation, item=item, cause=cause
        )
        return "replaced" if replaced else "added"

    @event(ServicesAdded)
    def _add_services(
        self,
        services: list[Service],
        replaced: list[str],
        operation: str,
        item: int,
        cause: Cause,
    ) -> None:
        given = _by(services, "key")
        kept = [given.pop(s["key"], s) for s in self.services]
        self.services = [*kept, *given.values()]


class TwinContent:
    """What a createDigitalTwin item gives a twin, checked for shape (the keys' points are
    checked by the application, through its KeyChecker port)."""

    __slots__ = ("keys", "object_id", "object_type", "services")

    def __init__(
        self, object_id: str, object_type: str, services: list[Service], keys: list[TwinKey]
    ) -> None:
        self.object_id = object_id
        self.object_type = object_type
        self.services = services
        self.keys = keys


def _by(entries: list[dict[str, Any]], name: str) -> dict[str, dict[str, Any]]:
    return {entry[name]: entry for entry in entries}
