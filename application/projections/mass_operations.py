"""Mass operations projection: a `mass_operations` row version per change of status or
counts, and a `mass_operation_items` row per item result."""

from typing import Any
from uuid import UUID, uuid5

from application.ports.storage import RowWriter
from application.projections.changes import record_change
from domain.mass_operations import MassOperation, OperationStatus


def item_key(operation: UUID, index: int) -> str:
    return str(uuid5(operation, str(index)))


class MassOperationsProjection:
    name = "mass_operations"
    tables: tuple[str, ...] = ("mass_operations", "mass_operation_items")
    events = MassOperation.Event

    def process(self, event: Any, position: int, rows: RowWriter) -> None:
        operation = event.originator_id
        match event:
            case MassOperation.Submitted():
                rows.insert("mass_operations", str(operation), _first_row(event), position)
            case MassOperation.Started():
                changes = {"status": OperationStatus.RUNNING.value, "started_at": event.timestamp}
                record_change(rows, "mass_operations", event, changes, position)
            case MassOperation.ChunkApplied(results=results, succeeded=succeeded, failed=failed):
                changes = {"succeeded": succeeded, "failed": failed}
                record_change(rows, "mass_operations", event, changes, position)
                for result in results:
                    key = item_key(operation, result["index"])
                    row = _item_row(operation, result, event.timestamp)
                    rows.insert("mass_operation_items", key, row, position)
            case MassOperation.Completed(status=status):
                changes = {"status": status, "completed_at": event.timestamp}
                record_change(rows, "mass_operations", event, changes, position)


def _first_row(event: MassOperation.Submitted) -> dict[str, Any]:
    return {
        "owner": event.owner,
        "status": OperationStatus.PENDING.value,
        "total": event.total,
        "succeeded": 0,
        "failed": 0,
        "created_at": event.timestamp,
        "started_at": None,
        "completed_at": None,
        "updated_at": None,
        "updated_by": None,
    }


def _item_row(operation: UUID, result: dict[str, Any], at: Any) -> dict[str, Any]:
    error = result.get("error") or {}
    return {
        "operation": str(operation),
        "position": result["index"],
        "operation_type": result["operationType"],
        "object_id": result["objectId"],
        "ok": result["ok"],
        "outcome": result.get("outcome"),
        "error_code": error.get("code"),
        "error_field": error.get("field"),
        "reason": error.get("reason"),
        "notes": result["notes"],
        "created_at": at,
    }
