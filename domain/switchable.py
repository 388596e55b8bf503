"""Enabling and disabling, which users, things, channels and groups share."""

from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from domain.aggregate import FleetAggregate
from domain.causes import Cause


class Status(StrEnum):
    ENABLED = "enabled"
    DISABLED = "disabled"
    ERASED = "erased"
    """Users only: a person erased is never enabled again."""


class Switched(FleetAggregate.Event):
    """The base of each switchable aggregate's own `Enabled` and `Disabled` events, which stay
    nested in it: their topics (`domain.channels:Channel.Enabled`) are the stored format."""

    becomes: ClassVar[Status]

    def apply(self, aggregate: FleetAggregate) -> None:
        aggregate.status = self.becomes  # type: ignore[attr-defined]
        super().apply(aggregate)


class Switchable:
    """Mixed into an aggregate that is enabled or disabled (`class Channel(Switchable,
    FleetAggregate)`): it declares `Enabled` and `Disabled` (subclasses of `Switched`) and
    starts enabled. A mixin, not an aggregate, so that it defines no event of its own."""

    status: Status
    Enabled: ClassVar[type[Switched]]
    Disabled: ClassVar[type[Switched]]

    if TYPE_CHECKING:

        def trigger_event(self, event_class: type[Any], **kwargs: Any) -> None: ...

    def enable(self, cause: Cause) -> None:
        """Enabling what is enabled records nothing: no fact changed."""
        if self.status is Status.DISABLED:
            self.trigger_event(self.Enabled, cause=cause)

    def disable(self, cause: Cause) -> None:
        if self.status is Status.ENABLED:
            self.trigger_event(self.Disabled, cause=cause)
