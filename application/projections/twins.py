"""Twins projection: a `twins` row per twin, a `twin_services` and a `twin_keys` row per
service and key, a service's next version when an addService replaces it.

A service keeps its place when replaced; one added later is placed after every one before it
(its event's position, times the most a twin holds, plus its order in the event)."""

from typing import Any
from uuid import UUID, uuid5

from application.ports.storage import RowWriter
from application.projections.changes import record_change, stamped
from domain.twins import MAX_SERVICES, Service, Twin, TwinKey


def part_key(twin: UUID, kind: str, name: str) -> str:
    return str(uuid5(twin, f"{kind}:{name}"))


class TwinsProjection:
    name = "twins"
    tables: tuple[str, ...] = ("twins", "twin_services", "twin_keys")
    events = Twin.Event

    def process(self, event: Any, position: int, rows: RowWriter) -> None:
        twin = event.originator_id
        match event:
            case Twin.Created():
                rows.insert("twins", str(twin), _twin_row(event), position)
                for place, service in enumerate(event.services):
                    row = _service_row(twin, service, place, event.timestamp)
                    rows.insert(
                        "twin_services", part_key(twin, "service", service["key"]), row, position
                    )
                for place, held in enumerate(event.keys):
                    row = _key_row(twin, held, place, event)
                    rows.insert("twin_keys", part_key(twin, "key", held["kid"]), row, position)
            case Twin.ServicesAdded(services=services, replaced=replaced):
                record_change(rows, "twins", event, {}, position)
                added = 0
                for service in services:
                    key = part_key(twin, "service", service["key"])
                    if service["key"] in replaced:
                        changes = {"uri": service["uri"], "description": service["description"]}
                        rows.update("twin_services", key, stamped(event, changes), position)
                    else:
                        place = position * MAX_SERVICES + added
                        added += 1
                        row = _service_row(twin, service, place, event.timestamp)
                        rows.insert("twin_services", key, row, position)


def _twin_row(event: Twin.Created) -> dict[str, Any]:
    return {
        "object_id": event.object_id,
        "object_type": event.object_type,
        "owner": event.owner,
        "thing": event.thing,
        "operation": event.operation,
        "created_at": event.timestamp,
        "updated_at": None,
        "updated_by": None,
    }


def _service_row(twin: UUID, service: Service, place: int, at: Any) -> dict[str, Any]:
    return {
        "twin": str(twin),
        "service_key": service["key"],
        "uri": service["uri"],
        "description": service["description"],
        "place": place,
        "created_at": at,
        "updated_at": None,
        "updated_by": None,
    }


def _key_row(twin: UUID, key: TwinKey, place: int, event: Twin.Created) -> dict[str, Any]:
    return {
        "twin": str(twin),
        "kid": key["kid"],
        "kms": key["kms"],
        "type": key["type"],
        "public_key_hex": key["publicKeyHex"],
        "algorithms": key["algorithms"],
        "place": place,
        "created_at": event.timestamp,
    }
