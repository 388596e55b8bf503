"""Things projection: one `things` row version per change; a removed thing's version closes."""

from typing import Any

from application.ports.storage import RowWriter
from application.projections.changes import EntityProjection, id_or_none
from domain.aggregate import FleetAggregate
from domain.things import Thing


class ThingsProjection(EntityProjection):
    name = "things"
    tables: tuple[str, ...] = ("things",)
    events = Thing.Event
    created = Thing.Provisioned

    def first_row(self, event: Thing.Provisioned) -> dict[str, Any]:
        return {
            "identity": event.identity,
            "name": event.name,
            "tags": event.tags,
            "metadata": event.metadata,
            "owner": id_or_none(event.owner),
            "secret_lookup": event.secret_lookup,
            "sealed_secret": event.sealed_secret,
            "parent": id_or_none(event.parent),
            "public_key": event.public_key,
        }

    def record(self, event: FleetAggregate.Event, position: int, rows: RowWriter) -> None:
        if isinstance(event, Thing.Removed):
            rows.delete(self.tables[0], str(event.originator_id), position)
        else:
            super().record(event, position, rows)

    def changes(self, event: FleetAggregate.Event) -> dict[str, Any] | None:
        match event:
            case Thing.Renamed(name=name):
                return {"name": name}
            case Thing.MetadataReplaced(metadata=metadata):
                return {"metadata": metadata}
            case Thing.TagsReplaced(tags=tags):
                return {"tags": tags}
            case Thing.OwnerChanged(owner=owner):
                return {"owner": id_or_none(owner)}
            case Thing.SecretChanged(secret_lookup=lookup, sealed_secret=sealed):
                return {"secret_lookup": lookup, "sealed_secret": sealed}
            case Thing.PublicKeyChanged(public_key=public_key):
                return {"public_key": public_key}
        return super().changes(event)
