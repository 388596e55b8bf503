"""Users projection: one `users` row version per change, erasure scrubbing every version."""

from typing import Any

from eventsourcing.domain import DomainEventProtocol

from application.ports.storage import RowWriter
from application.projections.changes import record_change
from domain.aggregate import FleetAggregate
from domain.users import User

TABLE = "users"
PERSONAL_COLUMNS: dict[str, Any] = {"identity": None, "name": None, "metadata": None}


class UsersProjection:
    name = "users"
    tables: tuple[str, ...] = (TABLE,)
    events = User.Event

    def process(self, event: DomainEventProtocol[Any], position: int, rows: RowWriter) -> None:
        key = str(event.originator_id)
        if isinstance(event, User.Registered):
            rows.insert(
                TABLE,
                key,
                {
                    "identity": event.identity,
                    "name": event.name,
                    "tags": event.tags,
                    "metadata": event.metadata,
                    "role": event.role.value,
                    "status": "enabled",
                    "owner": str(event.owner) if event.owner else None,
                    "created_at": event.timestamp,
                    "updated_at": None,
                    "updated_by": None,
                    "sessions_since": None,
                },
                position,
            )
            return
        changes = self._changes(event)
        if changes is None or not isinstance(event, FleetAggregate.Event):
            return
        if isinstance(event, User.Erased):
            rows.scrub(TABLE, key, PERSONAL_COLUMNS)
        record_change(rows, TABLE, event, changes, position)

    @staticmethod
    def _changes(event: DomainEventProtocol[Any]) -> dict[str, Any] | None:
        match event:
            case User.Renamed(name=name):
                return {"name": name}
            case User.MetadataReplaced(metadata=metadata):
                return {"metadata": metadata}
            case User.TagsReplaced(tags=tags):
                return {"tags": tags}
            case User.OwnerChanged(owner=owner):
                return {"owner": str(owner) if owner else None}
            case User.IdentityChanged(identity=identity):
                return {"identity": identity}
            case User.SecretChanged():
                return {"sessions_since": event.timestamp}
            case User.Enabled():
                return {"status": "enabled", "sessions_since": event.timestamp}
            case User.Disabled():
                return {"status": "disabled", "sessions_since": event.timestamp}
            case User.Erased():
                return {"status": "erased", **PERSONAL_COLUMNS}
        return None
