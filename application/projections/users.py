"""Users projection: one `users` row version per change, erasure scrubbing every version."""

from typing import Any

from application.ports.storage import RowWriter
from application.projections.changes import EntityProjection, id_or_none
from domain.aggregate import FleetAggregate
from domain.switchable import Switched
from domain.users import User

PERSONAL_COLUMNS: dict[str, Any] = {"identity": None, "name": None, "metadata": None}


class UsersProjection(EntityProjection):
    name = "users"
    tables: tuple[str, ...] = ("users",)
    events = User.Event
    created = User.Registered

    def first_row(self, event: User.Registered) -> dict[str, Any]:
        return {
            "identity": event.identity,
            "name": event.name,
            "tags": event.tags,
            "metadata": event.metadata,
            "role": event.role.value,
            "owner": id_or_none(event.owner),
            "sessions_since": None,
        }

    def record(self, event: FleetAggregate.Event, position: int, rows: RowWriter) -> None:
        if isinstance(event, User.Erased):
            rows.scrub(self.tables[0], str(event.originator_id), PERSONAL_COLUMNS)
        super().record(event, position, rows)

    def changes(self, event: FleetAggregate.Event) -> dict[str, Any] | None:
        """Enabling, disabling and a new secret end the sessions signed in before them."""
        match event:
            case User.Renamed(name=name):
                return {"name": name}
            case User.MetadataReplaced(metadata=metadata):
                return {"metadata": metadata}
            case User.TagsReplaced(tags=tags):
                return {"tags": tags}
            case User.OwnerChanged(owner=owner):
                return {"owner": id_or_none(owner)}
            case User.IdentityChanged(identity=identity):
                return {"identity": identity}
            case User.SecretChanged():
                return {"sessions_since": event.timestamp}
            case Switched(becomes=status):
                return {"status": status.value, "sessions_since": event.timestamp}
            case User.Erased():
                return {"status": "erased", **PERSONAL_COLUMNS}
        return None
