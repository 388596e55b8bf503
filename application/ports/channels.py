"""The channels' read model."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from application.ports.pages import ListFilter, Page


@dataclass(frozen=True)
class ChannelView:
    id: UUID
    name: str
    description: str
    metadata: dict[str, Any]
    owner: UUID | None
    parent: UUID | None
    status: str
    created_at: datetime
    updated_at: datetime | None
    updated_by: str | None


ChannelPage = Page[ChannelView]


@dataclass(frozen=True)
class ChannelFilter(ListFilter):
    """`visible_to`: the channels that user owns or is a member of."""

    thing: UUID | None = None
    """When set, only the channels this thing is connected to."""
    parent: UUID | None = None
    """When set, only the channels opened in this group."""
    within: str | None = None
    """A group's path: channels opened in that group or any group below it."""
    ancestors_of: str | None = None
    """A group's path: channels opened in that group or any group above it."""


class ChannelViews(Protocol):
    def get(self, channel_id: UUID) -> ChannelView | None: ...

    def page(self, query: ChannelFilter) -> ChannelPage: ...
