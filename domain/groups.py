"""The Group aggregate: a node in a tree of groups that users are members of.

A group's parent is chosen once, at creation, and must already exist: a group can only hang
below older groups, so no cycle can ever form. The materialized path (ancestor ids joined by
dots, ending with the group's own) is computed at creation and recorded in the event.
"""

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import FleetAggregate
from domain.causes import Cause
from domain.described import Described, Redescribed
from domain.errors import InvalidValue
from domain.switchable import Status, Switchable, Switched
from domain.values import check_description, check_metadata, check_name

MAX_DEPTH = 32
"""Levels below a root group; deep enough for any organization, small enough for paths."""


class Group(Described, Switchable, FleetAggregate):
    class Formed(FleetAggregate.Created):
        name: str
        description: str
        metadata: dict[str, Any]
        owner: UUID | None
        parent: UUID | None
        path: str

    @event(Formed)
    def __init__(
        self,
        name: str,
        description: str,
        metadata: dict[str, Any],
        owner: UUID | None,
        parent: UUID | None,
        path: str,
        cause: Cause,
    ) -> None:
        self.name = name
        self.description = description
        self.metadata = metadata
        self.owner = owner
        self.parent = parent
        self.path = path
        self.status = Status.ENABLED

    @classmethod
    def form(
        cls,
        *,
        id: UUID,
        name: str,
        description: str,
        metadata: dict[str, Any],
        owner: UUID | None,
        parent: "Group | None",
        cause: Cause,
    ) -> "Group":
        if parent is not None and parent.level + 1 > MAX_DEPTH:
            raise InvalidValue(f"groups nest at most {MAX_DEPTH} levels deep", field="parent_id")
        return cls._create(
            cls.Formed,
            id=id,
            name=check_name(name),
            description=check_description(description),
            metadata=check_metadata(metadata),
            owner=owner,
            parent=None if parent is None else parent.id,
            path=str(id) if parent is None else f"{parent.path}.{id}",
            cause=cause,
        )

    class Updated(Redescribed):
        """After a PUT: what it was not given is kept (domain/described.py)."""

    class Enabled(Switched):
        becomes = Status.ENABLED

    class Disabled(Switched):
        becomes = Status.DISABLED

    @property
    def level(self) -> int:
        """0 for a root group."""
        return self.path.count(".")
