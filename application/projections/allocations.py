"""Allocations projection: one `allocations` row version per change of a balance, and a
`balance_movements` row per order, issuance and release."""

from typing import Any
from uuid import NAMESPACE_OID, uuid5

from application.ports.storage import RowWriter
from application.projections.changes import EntityProjection
from domain.aggregate import FleetAggregate
from domain.allocations import Allocation


class AllocationsProjection(EntityProjection):
    name = "allocations"
    tables: tuple[str, ...] = ("allocations", "balance_movements")
    events = Allocation.Event
    created = Allocation.Granted

    def first_row(self, event: Allocation.Granted) -> dict[str, Any]:
        return {
            "organization": event.organization,
            "authority": event.authority,
            "balance": 0,
            "used": 0,
            "reserved": 0,
            "used_by": {},
        }

    def record(self, event: FleetAggregate.Event, position: int, rows: RowWriter) -> None:
        movement = _movement(event)
        if movement is not None:
            key = str(uuid5(NAMESPACE_OID, f"{event.originator_id}:{event.originator_version}"))
            rows.insert("balance_movements", key, movement, position)
        super().record(event, position, rows)

    def changes(self, event: Any) -> dict[str, Any] | None:
        match event:
            case Allocation.Changed(balance=balance, enabled=enabled):
                return {"balance": balance, "status": _status(enabled)}
            case Allocation.Regranted(enabled=enabled):
                return {"status": _status(enabled)}
            case Allocation.Removed():
                return {"status": "removed"}
            case Allocation.Reserved(reserved=reserved) | Allocation.Released(reserved=reserved):
                return {"reserved": reserved}
            case (
                Allocation.Committed(used=used, reserved=reserved, used_by=used_by)
                | Allocation.Used(used=used, reserved=reserved, used_by=used_by)
            ):
                return {"used": used, "reserved": reserved, "used_by": used_by}
            case Allocation.Refunded(used=used, used_by=used_by):
                return {"used": used, "used_by": used_by}
        return None


def _movement(event: FleetAggregate.Event) -> dict[str, Any] | None:
    match event:
        case Allocation.Reserved(batch=batch, count=count):
            kind = "ordered"
        case (
            Allocation.Committed(batch=batch, count=count)
            | Allocation.Used(batch=batch, count=count)
        ):
            kind = "issued"
        case Allocation.Refunded(batch=batch, count=count):
            kind = "refunded"
        case Allocation.Released(batch=batch):
            kind, count = "released", 0
        case _:
            return None
    return {
        "allocation": str(event.originator_id),
        "batch": batch,
        "kind": kind,
        "count": count,
        "at": event.timestamp,
    }


def _status(enabled: bool) -> str:
    return "enabled" if enabled else "disabled"
