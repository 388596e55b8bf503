"""What a thing may do on a channel, read from the connections."""

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from domain.policies import PUBLISH


@dataclass(frozen=True)
class ChannelAccess:
    """What the thing holding a secret may do on one channel."""

    thing: UUID
    thing_enabled: bool
    actions: frozenset[str]
    """Empty unless the thing is connected to the channel and the channel is enabled."""

    def permits(self, action: str) -> bool:
        return self.thing_enabled and action in self.actions

    @property
    def may_publish(self) -> bool:
        """The one rule for telemetry from a thing, whichever way it arrives."""
        return self.permits(PUBLISH)


class ConnectionViews(Protocol):
    def channel_access(self, secret_lookup: str, channel_id: UUID) -> ChannelAccess | None:
        """None when no thing holds this secret."""
        ...

    def granted(self, thing_ids: Collection[UUID], action: str) -> set[tuple[UUID, UUID]]:
        """(thing, channel) pairs where the enabled thing holds `action` on the enabled
        channel."""
        ...

    def thing_access(self, thing_id: UUID, channel_id: UUID) -> ChannelAccess | None:
        """None when no thing has this id."""
        ...

    def channels_of(self, thing_id: UUID) -> list[UUID]:
        """The channels a thing is connected to."""
        ...

    def thing_actions(self, user_id: UUID, thing_id: UUID) -> set[str]:
        """The actions a user holds on the channels a thing is connected to."""
        ...
