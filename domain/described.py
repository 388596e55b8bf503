"""A name, a description and metadata changed together: what channels and groups share."""

from typing import TYPE_CHECKING, Any, ClassVar

from domain.aggregate import FleetAggregate
from domain.causes import Cause
from domain.values import check_description, check_metadata, check_name


class Redescribed(FleetAggregate.Event):
    """The base of each described aggregate's own `Updated`, which stays nested in it (its
    topic is the stored format): the three fields as they are after the change."""

    name: str
    description: str
    metadata: dict[str, Any]

    def apply(self, aggregate: FleetAggregate) -> None:
        aggregate.name = self.name  # type: ignore[attr-defined]
        aggregate.description = self.description  # type: ignore[attr-defined]
        aggregate.metadata = self.metadata  # type: ignore[attr-defined]
        super().apply(aggregate)


class Described:
    """Mixed into an aggregate with a name, a description and metadata (`class
    Channel(Described, Switchable, FleetAggregate)`); it declares `Updated(Redescribed)`."""

    name: str
    description: str
    metadata: dict[str, Any]
    Updated: ClassVar[type[Redescribed]]

    if TYPE_CHECKING:

        def trigger_event(self, event_class: type[Any], **kwargs: Any) -> None: ...

    def update(
        self,
        name: str | None,
        description: str | None,
        metadata: dict[str, Any] | None,
        cause: Cause,
    ) -> None:
        """What is None stays as it is: Magistrala's update sets only what it is given."""
        self.trigger_event(
            self.Updated,
            name=self.name if name is None else check_name(name),
            description=self.description if description is None else check_description(description),
            metadata=self.metadata if metadata is None else check_metadata(metadata),
            cause=cause,
        )
