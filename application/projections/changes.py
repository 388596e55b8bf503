"""What every projection does with a change event: the new values, plus who changed it when."""

from collections.abc import Mapping
from typing import Any

from application.ports.storage import RowWriter
from domain.aggregate import FleetAggregate


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
