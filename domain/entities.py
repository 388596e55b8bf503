"""Identity entities of the admin API: a named caller, worker, provider or admin, with a wallet
(domain/wallets.py), an API key (domain/entity_keys.py) and a DID whose keys come from the
wallet.

A caller gets a wallet of its own; the other roles act for an existing wallet and must name it.
The DID is a PRISM long-form DID: its keys are public and derived before the event, so the
event holds the DID as made. The name is sealed in the log like every name FleetID keeps."""

from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import FleetAggregate
from domain.causes import Cause
from domain.errors import InvalidValue, NotFound
from domain.values import check_name


class EntityRole(StrEnum):
    CALLER = "caller"
    WORKER = "worker"
    PROVIDER = "provider"
    ADMIN = "admin"


OWN_WALLET = frozenset({EntityRole.CALLER})
"""Roles that get a new wallet; every other role names an existing one (`id_wallet`)."""


class EntityGone(NotFound):
    reason = "entity_not_found"


def check_entity_name(name: str) -> str:
    if not name.strip():
        raise InvalidValue("required", field="name")
    return check_name(name)


class Entity(FleetAggregate):
    class Created(FleetAggregate.Created):
        name: str
        role: EntityRole
        wallet: str
        did_index: int
        """Where in its wallet the DID's keys are derived."""
        long_did: str
        key: UUID
        """Its API key (domain/entity_keys.py)."""
        personal_fields: ClassVar[frozenset[str]] = frozenset({"name"})

    @event(Created)
    def __init__(
        self,
        name: str,
        role: EntityRole,
        wallet: str,
        did_index: int,
        long_did: str,
        key: UUID,
        cause: Cause,
    ) -> None:
        self.name: str | None = name
        self.role = role
        self.wallet = wallet
        self.did_index = did_index
        self.long_did = long_did
        self.key = key
        self.deleted = False

    @classmethod
    def create(
        cls,
        entity_id: UUID,
        name: str,
        role: EntityRole,
        wallet: str,
        did_index: int,
        long_did: str,
        key: UUID,
        cause: Cause,
    ) -> "Entity":
        return cls._create(
            cls.Created,
            id=entity_id,
            name=check_entity_name(name),
            role=role,
            wallet=wallet,
            did_index=did_index,
            long_did=long_did,
            key=key,
            cause=cause,
        )

    class Deleted(FleetAggregate.Event):
        pass

    def delete(self, cause: Cause) -> None:
        if self.deleted:
            raise EntityGone("no such entity", field="id_entity")
        self._delete(cause=cause)

    @event(Deleted)
    def _delete(self, cause: Cause) -> None:
        self.deleted = True
