"""Channels projection: one `channels` row version per change."""

from typing import Any

from eventsourcing.domain import DomainEventProtocol

from application.ports.storage import RowWriter
from application.projections.changes import record_change
from domain.aggregate import FleetAggregate
from domain.channels import Channel

TABLE = "channels"


class ChannelsProjection:
    name = "channels"
    tables: tuple[str, ...] = (TABLE,)
    events = Channel.Event

    def process(self, event: DomainEventProtocol[Any], position: int, rows: RowWriter) -> None:
        key = str(event.originator_id)
        if isinstance(event, Channel.Opened):
            rows.insert(
                TABLE,
                key,
                {
                    "name": event.name,
                    "description": event.description,
                    "metadata": event.metadata,
                    "owner": str(event.owner) if event.owner else None,
                    "parent": str(event.parent) if event.parent else None,
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
            case Channel.Updated(name=name, description=description, metadata=metadata):
                changes = {"name": name, "description": description, "metadata": metadata}
            case Channel.Enabled():
                changes = {"status": "enabled"}
            case Channel.Disabled():
                changes = {"status": "disabled"}
            case _:
                return
        if isinstance(event, FleetAggregate.Event):
            record_change(rows, TABLE, event, changes, position)
