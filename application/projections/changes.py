"""The shape projections share: an entity's first row, and each change stamped with who and when."""

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from application.ports.storage import RowWriter
from domain.aggregate import FleetAggregate
from domain.described import Redescribed
from domain.switchable import Switched


def stamped(event: FleetAggregate.Event, changes: Mapping[str, Any]) -> dict[str, Any]:
    return {**changes, "updated_at": event.timestamp, "updated_by": event.cause.actor}


def record_change(
    rows: RowWriter,
    table: str,
    event: FleetAggregate.Event,
    changes: Mapping[str, Any],
    position: int,
) -> None:
    """Open the next version of the event's entity with `changes`, stamped."""
    rows.update(table, str(event.originator_id), stamped(event, changes), position)


def id_or_none(value: UUID | None) -> str | None:
    return str(value) if value else None


def placed_row(event: Any) -> dict[str, Any]:
    """The first row of a described entity with an owner and a place (channels, groups)."""
    return {
        "name": event.name,
        "description": event.description,
        "metadata": event.metadata,
        "owner": id_or_none(event.owner),
        "parent": id_or_none(event.parent),
    }


class EntityProjection:
    """The shape users, things, channels and groups share: the creation event inserts an
    entity's first row version (enabled, not yet updated), and each later event that changes
    columns opens the next version, stamped with who changed it and when. A subclass names its
    table and creation event, and says what the first row holds and what each event changes;
    enabling, disabling and redescribing are handled here, once."""

    name: str
    tables: tuple[str, ...]
    events: type[Any]
    created: type[Any]

    def process(self, event: DomainEventProtocol[Any], position: int, rows: RowWriter) -> None:
        if isinstance(event, self.created):
            first = {"status": "enabled", "created_at": event.timestamp}
            row = {**self.first_row(event), **first, "updated_at": None, "updated_by": None}
            rows.insert(self.tables[0], str(event.originator_id), row, position)
        elif isinstance(event, FleetAggregate.Event):
            self.record(event, position, rows)

    def record(self, event: FleetAggregate.Event, position: int, rows: RowWriter) -> None:
        """The version a later event opens (things also close theirs, users scrub theirs)."""
        changes = self.changes(event)
        if changes is not None:
            record_change(rows, self.tables[0], event, changes, position)

    def first_row(self, event: Any) -> dict[str, Any]:
        raise NotImplementedError

    def changes(self, event: FleetAggregate.Event) -> dict[str, Any] | None:
        match event:
            case Switched(becomes=status):
                return {"status": status.value}
            case Redescribed(name=name, description=description, metadata=metadata):
                return {"name": name, "description": description, "metadata": metadata}
        return None
