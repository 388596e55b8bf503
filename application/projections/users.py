"""Users projection: one `users` row version per change, erasure scrubbing every version; and
the certificate manager's view of them (`members`), from the same events."""

from typing import Any

from application.ports.storage import RowWriter
from application.projections.changes import EntityProjection, id_or_none, record_change
from domain.aggregate import FleetAggregate
from domain.switchable import Switched
from domain.users import User

PERSONAL_COLUMNS: dict[str, Any] = {"identity": None, "name": None, "metadata": None}
MEMBER_PERSONAL_COLUMNS: dict[str, Any] = {
    "first_name": None,
    "last_name": None,
    "phone": None,
    "email": None,
    "privileges": [],
    "organization": 0,
}


class UsersProjection(EntityProjection):
    name = "users"
    tables: tuple[str, ...] = ("users", "members")
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
            rows.scrub("users", str(event.originator_id), PERSONAL_COLUMNS)
            rows.scrub("members", str(event.originator_id), MEMBER_PERSONAL_COLUMNS)
        self._record_member(event, position, rows)
        super().record(event, position, rows)

    def _record_member(self, event: FleetAggregate.Event, position: int, rows: RowWriter) -> None:
        key = str(event.originator_id)
        match event:
            case User.Enrolled():
                row = {
                    "number": event.number,
                    **_privileges(event.privileges),
                    **_contact(event),
                    "created_at": event.timestamp,
                    "updated_at": None,
                    "updated_by": None,
                }
                rows.insert("members", key, row, position)
            case User.ContactChanged():
                record_change(rows, "members", event, _contact(event), position)
            case User.PrivilegesChanged(privileges=privileges):
                record_change(rows, "members", event, _privileges(privileges), position)
            case User.Withdrawn():
                rows.delete("members", key, position)

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


def _contact(event: User.Enrolled | User.ContactChanged) -> dict[str, Any]:
    return {
        "first_name": event.first_name,
        "last_name": event.last_name,
        "phone": event.phone,
        "email": event.email,
    }


def _privileges(privileges: list[dict[str, Any]] | None) -> dict[str, Any]:
    """None: unreadable, the person being erased since (a rebuild of the read model)."""
    given = privileges or []
    organization = next((p["organization"] for p in given if p["organization"]), 0)
    return {"privileges": given, "organization": organization}
