"""Policies projection: the current version exists exactly while the policy is granted."""

from datetime import datetime
from typing import Any

from eventsourcing.domain import DomainEventProtocol

from application.ports.storage import RowWriter
from application.projections.changes import record_change, stamped
from domain.aggregate import FleetAggregate
from domain.policies import Policy

TABLE = "policies"


class PoliciesProjection:
    name = "policies"
    tables: tuple[str, ...] = (TABLE,)
    events = Policy.Event

    def process(self, event: DomainEventProtocol[Any], position: int, rows: RowWriter) -> None:
        key = str(event.originator_id)
        if not isinstance(event, FleetAggregate.Event):
            return
        match event:
            case Policy.Granted():
                rows.insert(TABLE, key, _granted(event, event.timestamp), position)
            case Policy.Regranted():
                row = stamped(event, _granted(event, event.created_at))
                rows.insert(TABLE, key, row, position)
            case Policy.ActionsChanged(actions=actions):
                record_change(rows, TABLE, event, {"actions": actions}, position)
            case Policy.Revoked():
                rows.delete(TABLE, key, position)


def _granted(event: Policy.Granted | Policy.Regranted, created_at: datetime) -> dict[str, Any]:
    return {
        "subject": str(event.subject),
        "subject_kind": event.subject_kind.value,
        "object": str(event.object),
        "object_kind": event.object_kind.value,
        "actions": event.actions,
        "owner": str(event.owner) if event.owner else None,
        "created_at": created_at,
        "updated_at": None,
        "updated_by": None,
    }
