"""Batches projection: one `batches` row version per change."""

from typing import Any

from application.ports.storage import RowWriter
from application.projections.changes import record_change
from domain.batches import Batch, BatchStatus


class BatchesProjection:
    name = "batches"
    tables: tuple[str, ...] = ("batches",)
    events = Batch.Event

    def process(self, event: Any, position: int, rows: RowWriter) -> None:
        if isinstance(event, Batch.Ordered):
            rows.insert("batches", str(event.originator_id), _first_row(event), position)
        elif isinstance(event, Batch.Rejected):
            changes = {"status": BatchStatus.REJECTED.value, "reject_reason": event.reason}
            record_change(rows, "batches", event, changes, position)


def _first_row(event: Batch.Ordered) -> dict[str, Any]:
    return {
        "number": event.number,
        "name": event.name,
        "organization": event.organization,
        "authority": event.authority,
        "profile": event.profile,
        "user_id": event.user,
        "user_number": event.user_number,
        "size": event.size,
        "generator": event.generator or None,
        "generator_params": event.generator_params,
        "profile_params": event.profile_params,
        "status": BatchStatus.PENDING_CREATION.value,
        "reject_reason": "",
        "created_at": event.timestamp,
        "updated_at": None,
        "updated_by": None,
    }
