"""Allocations projection: one `allocations` row version per change of a balance."""

from typing import Any

from application.projections.changes import EntityProjection
from domain.allocations import Allocation


class AllocationsProjection(EntityProjection):
    name = "allocations"
    tables: tuple[str, ...] = ("allocations",)
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
            case Allocation.Committed(used=used, reserved=reserved, used_by=used_by):
                return {"used": used, "reserved": reserved, "used_by": used_by}
        return None


def _status(enabled: bool) -> str:
    return "enabled" if enabled else "disabled"
