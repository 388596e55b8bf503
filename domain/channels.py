"""The Channel aggregate: a topic things publish telemetry to once they are connected to it."""

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import FleetAggregate
from domain.causes import Cause
from domain.described import Described, Redescribed
from domain.switchable import Status, Switchable, Switched
from domain.values import check_description, check_metadata, check_name


class Channel(Described, Switchable, FleetAggregate):
    class Opened(FleetAggregate.Created):
        name: str
        description: str
        metadata: dict[str, Any]
        owner: UUID | None
        parent: UUID | None
        """The group the channel was opened in, if any."""

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Channels opened before groups could hold them were opened in none."""
            state["parent"] = None

    @event(Opened)
    def __init__(
        self,
        name: str,
        description: str,
        metadata: dict[str, Any],
        owner: UUID | None,
        cause: Cause,
        parent: UUID | None = None,
    ) -> None:
        self.name = name
        self.description = description
        self.metadata = metadata
        self.owner = owner
        self.parent = parent
        self.status = Status.ENABLED

    @classmethod
    def open(
        cls,
        *,
        id: UUID,
        name: str,
        description: str,
        metadata: dict[str, Any],
        owner: UUID | None,
        cause: Cause,
        parent: UUID | None = None,
    ) -> "Channel":
        return cls._create(
            cls.Opened,
            id=id,
            name=check_name(name),
            description=check_description(description),
            metadata=check_metadata(metadata),
            owner=owner,
            cause=cause,
            parent=parent,
        )

    class Updated(Redescribed):
        """After a PUT: what it was not given is kept (domain/described.py)."""

    class Enabled(Switched):
        becomes = Status.ENABLED

    class Disabled(Switched):
        becomes = Status.DISABLED
