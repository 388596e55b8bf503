"""Batches projection: one `batches` row version per change."""

from typing import Any

from application.ports.storage import RowWriter
from application.projections.changes import record_change
from domain.batches import Batch
from domain.batches import BatchStatus as Status


class BatchesProjection:
    name = "batches"
    tables: tuple[str, ...] = ("batches",)
    events = Batch.Event

    def process(self, event: Any, position: int, rows: RowWriter) -> None:
        if isinstance(event, Batch.Ordered):
            rows.insert("batches", str(event.originator_id), _first_row(event), position)
            return
        changes = _changes(event)
        if changes is not None:
            record_change(rows, "batches", event, changes, position)


def _changes(event: Any) -> dict[str, Any] | None:
    match event:
        case Batch.ChunkIssued(issued=issued, failed=failed):
            return {"status": Status.PENDING_ISSUE.value, "issued": issued, "failed": failed}
        case Batch.Finished(status=status, reason=reason):
            return {"status": status, "reject_reason": reason, "finished_at": event.timestamp}
        case Batch.Downloaded():
            return {"downloaded": True}
        case Batch.ZipRemoved():
            return {"status": Status.ZIP_REMOVED.value}
        case Batch.RejectRequested(reason=reason):
            return {"status": Status.PROCESSING_REJECT.value, "reject_reason": reason}
        case Batch.RevokeRequested(reason=reason):
            return {"status": Status.PROCESSING_REVOKE.value, "reject_reason": reason}
        case Batch.Rejected(reason=reason):
            return {"status": Status.REJECTED.value, "reject_reason": reason}
        case Batch.Revoked():
            return {"status": Status.REVOKED.value}
    return None


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
        "status": Status.PENDING_CREATION.value,
        "reject_reason": "",
        "issued": 0,
        "failed": 0,
        "downloaded": False,
        "finished_at": None,
        "created_at": event.timestamp,
        "updated_at": None,
        "updated_by": None,
    }
