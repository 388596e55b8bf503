"""Groups projection: one `groups` row version per change."""

from typing import Any

from application.projections.changes import EntityProjection, placed_row
from domain.groups import Group


class GroupsProjection(EntityProjection):
    name = "groups"
    tables: tuple[str, ...] = ("groups",)
    events = Group.Event
    created = Group.Formed

    def first_row(self, event: Group.Formed) -> dict[str, Any]:
        return {**placed_row(event), "path": event.path, "level": event.path.count(".")}
