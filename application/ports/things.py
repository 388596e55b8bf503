"""The things' read model."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from application.ports.pages import ListFilter, Page


@dataclass(frozen=True)
class ThingView:
    id: UUID
    identity: str
    name: str
    tags: list[str]
    metadata: dict[str, Any]
    owner: UUID | None
    secret: str | None
    """None where the caller may not see it (see `application.things.shown_to`)."""
    status: str
    created_at: datetime
    updated_at: datetime | None
    updated_by: str | None
    parent: UUID | None = None
    """The gateway (or device behind it) the thing connects through."""
    public_key: str | None = None


ThingPage = Page[ThingView]


@dataclass(frozen=True)
class ThingFilter(ListFilter):
    """`visible_to`: the things that user owns or may list (c_list on a channel they are on)."""

    tag: str | None = None
    channel: UUID | None = None
    """When set, only the things connected to this channel."""


class ThingViews(Protocol):
    def get(self, thing_id: UUID) -> ThingView | None: ...

    def page(self, query: ThingFilter) -> ThingPage: ...

    def identify(self, secret_lookup: str) -> UUID | None:
        """The enabled thing holding this secret, if any."""
        ...

    def holders(self, secret_lookups: Collection[str]) -> dict[str, UUID]:
        """The enabled thing holding each of these secrets (by lookup)."""
        ...

    def is_enabled(self, thing_id: UUID) -> bool:
        """Whether the thing exists and is enabled (its secret is not decrypted)."""
        ...

    def has_devices_behind(self, thing_id: UUID) -> bool:
        """Whether any thing names this one as its parent."""
        ...
