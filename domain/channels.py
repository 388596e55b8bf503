"""The Channel aggregate: a topic things publish telemetry to once they are connected to it."""

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import FleetAggregate
from domain.causes import Cause
from domain.errors import InvalidValue
from domain.switchable import Status, Switchable, Switched
from domain.values import check_metadata, check_name, check_text

MAX_DESCRIPTION_LENGTH = 4096


def check_description(description: str) -> str:
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise InvalidValue(
            f"description must be at most {MAX_DESCRIPTION_LENGTH} characters", field="description"
        )
    return check_text(description, "description")


class Channel(Switchable, FleetAggregate):
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

    class Updated(FleetAggregate.Event):
        """PUT semantics: the three descriptive fields are replaced together."""

        name: str
        description: str
        metadata: dict[str, Any]

    class Enabled(Switched):
        becomes = Status.ENABLED

    class Disabled(Switched):
        becomes = Status.DISABLED

    def update(
        self,
        name: str | None,
        description: str | None,
        metadata: dict[str, Any] | None,
        cause: Cause,
    ) -> None:
        """What is None stays as it is: Magistrala's update sets only what it is given."""
        self._update(
            name=self.name if name is None else check_name(name),
            description=self.description if description is None else check_description(description),
            metadata=self.metadata if metadata is None else check_metadata(metadata),
            cause=cause,
        )

    @event(Updated)
    def _update(self, name: str, description: str, metadata: dict[str, Any], cause: Cause) -> None:
        self.name = name
        self.description = description
        self.metadata = metadata
