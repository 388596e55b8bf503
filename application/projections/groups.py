"""Groups projection: one `groups` row version per change, with the group's path and level."""

from typing import Any

from eventsourcing.domain import DomainEventProtocol

from application.ports.storage import RowWriter
from application.projections.changes import record_change
from domain.aggregate import FleetAggregate
from domain.groups import Group

TABLE = "groups"


class GroupsProjection:
    name = "groups"
    tables: tuple[str, ...] = (TABLE,)
    events = Group.Event

    def process(self, event: DomainEventProtocol[Any], position: int, rows: RowWriter) -> None:
        key = str(event.originator_id)
        if isinstance(event, Group.Formed):
            rows.insert(
                TABLE,
                key,
                {
                    "name": event.name,
                    "description": event.description,
                    "metadata": event.metadata,
                    "owner": str(event.owner) if event.owner else None,
                    "parent": str(event.parent) if event.parent else None,
                    "path": event.path,
                    "level": event.path.count("."),
                    "status": "enabled",
                    "created_at": event.timestamp,
                    "updated_at": None,
                    "updated_by": None,
                },
                position,
            )
            return
        changes: dict[str, Any]
        match event:
            case Group.Updated(name=name, description=description, metadata=metadata):
                changes = {"name": name, "description": description, "metadata": metadata}
            case Group.Enabled():
                changes = {"status": "enabled"}
            case Group.Disabled():
                changes = {"status": "disabled"}
            case _:
                return
        if isinstance(event, FleetAggregate.Event):
            record_change(rows, TABLE, event, changes, position)
