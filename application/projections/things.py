"""Things projection: one `things` row version per change."""

from typing import Any

from eventsourcing.domain import DomainEventProtocol

from application.ports.storage import RowWriter
from application.projections.changes import record_change
from domain.aggregate import FleetAggregate
from domain.things import Thing

TABLE = "things"


class ThingsProjection:
    name = "things"
    tables: tuple[str, ...] = (TABLE,)
    events = Thing.Event

    def process(self, event: DomainEventProtocol[Any], position: int, rows: RowWriter) -> None:
        key = str(event.originator_id)
        if isinstance(event, Thing.Provisioned):
            rows.insert(
                TABLE,
                key,
                {
                    "identity": event.identity,
                    "name": event.name,
                    "tags": event.tags,
                    "metadata": event.metadata,
                    "owner": str(event.owner) if event.owner else None,
                    "secret_lookup": event.secret_lookup,
                    "sealed_secret": event.sealed_secret,
                    "parent": str(event.parent) if event.parent else None,
                    "public_key": event.public_key,
                    "status": "enabled",
                    "created_at": event.timestamp,
                    "updated_at": None,
                    "updated_by": None,
                },
                position,
            )
            return
        if isinstance(event, Thing.Removed):
            rows.delete(TABLE, key, position)
            return
        changes = self._changes(event)
        if changes is None or not isinstance(event, FleetAggregate.Event):
            return
        record_change(rows, TABLE, event, changes, position)

    @staticmethod
    def _changes(event: DomainEventProtocol[Any]) -> dict[str, Any] | None:
        match event:
            case Thing.Renamed(name=name):
                return {"name": name}
            case Thing.MetadataReplaced(metadata=metadata):
                return {"metadata": metadata}
            case Thing.TagsReplaced(tags=tags):
                return {"tags": tags}
            case Thing.OwnerChanged(owner=owner):
                return {"owner": str(owner) if owner else None}
            case Thing.SecretChanged(secret_lookup=lookup, sealed_secret=sealed):
                return {"secret_lookup": lookup, "sealed_secret": sealed}
            case Thing.PublicKeyChanged(public_key=public_key):
                return {"public_key": public_key}
            case Thing.Enabled():
                return {"status": "enabled"}
            case Thing.Disabled():
                return {"status": "disabled"}
        return None
