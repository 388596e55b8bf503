"""Identity entities' projections: an `entities`, `wallets` and `entity_keys` row per entity,
wallet and API key, and an `admin_key_rotations` row per rotation of the admin key."""

from typing import Any
from uuid import uuid5

from application.ports.storage import RowWriter
from application.projections.changes import record_change
from domain.admin_keys import NAMESPACE, AdminKeys
from domain.entities import Entity
from domain.entity_keys import EntityKey
from domain.wallets import Wallet


def _first(event: Any) -> dict[str, Any]:
    return {"created_at": event.timestamp, "updated_at": None, "updated_by": None}


class EntitiesProjection:
    name = "entities"
    tables: tuple[str, ...] = ("entities",)
    events = Entity.Event

    def process(self, event: Any, position: int, rows: RowWriter) -> None:
        match event:
            case Entity.Created():
                row = {
                    "name": event.name,
                    "role": event.role.value,
                    "wallet": event.wallet,
                    "did_index": event.did_index,
                    "long_did": event.long_did,
                    "status": "active",
                    **_first(event),
                }
                rows.insert("entities", str(event.originator_id), row, position)
            case Entity.Deleted():
                record_change(rows, "entities", event, {"status": "deleted"}, position)


class WalletsProjection:
    name = "wallets"
    tables: tuple[str, ...] = ("wallets",)
    events = Wallet.Event

    def process(self, event: Any, position: int, rows: RowWriter) -> None:
        match event:
            case Wallet.Created():
                row = {
                    "address": event.address,
                    "network": event.network.value,
                    "generated": event.generated,
                    "status": "active",
                    **_first(event),
                }
                rows.insert("wallets", str(event.originator_id), row, position)
            case Wallet.Destroyed():
                record_change(rows, "wallets", event, {"status": "destroyed"}, position)


class EntityKeysProjection:
    name = "entity_keys"
    tables: tuple[str, ...] = ("entity_keys",)
    events = EntityKey.Event

    def process(self, event: Any, position: int, rows: RowWriter) -> None:
        match event:
            case EntityKey.Issued():
                row = {"entity": event.entity, "lookup": event.lookup, "status": "active"}
                rows.insert(
                    "entity_keys", str(event.originator_id), {**row, **_first(event)}, position
                )
            case EntityKey.Revoked():
                record_change(rows, "entity_keys", event, {"status": "revoked"}, position)


class AdminKeysProjection:
    name = "admin_keys"
    tables: tuple[str, ...] = ("admin_keys",)
    events = AdminKeys.Event

    def process(self, event: Any, position: int, rows: RowWriter) -> None:
        row: dict[str, Any] = {"replaced": [], "grace_until": None, "created_at": event.timestamp}
        match event:
            case AdminKeys.Opened(configured=lookup) | AdminKeys.Configured(lookup=lookup):
                row |= {"kind": "configured", "lookup": lookup}
            case AdminKeys.Rotated():
                row |= {
                    "kind": "rotated",
                    "lookup": event.lookup,
                    "replaced": event.replaced,
                    "grace_until": event.grace_until,
                }
            case _:
                return
        key = str(uuid5(NAMESPACE, str(event.originator_version)))
        rows.insert("admin_keys", key, row, position)
