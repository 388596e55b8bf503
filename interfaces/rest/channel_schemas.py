"""Request and response bodies of the channels API, as the seed document names them."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from msgspec import UNSET, Struct, UnsetType

from application.ports.channels import ChannelPage, ChannelView
from interfaces.rest.user_schemas import ZERO_TIME
from interfaces.rest.value_schemas import Description, Metadata, Name, RequiredName


class CreateChannel(Struct, kw_only=True):
    id: UUID | UnsetType = UNSET
    """Absent: the server generates one; present: an external id, unique among all entities."""
    name: RequiredName
    description: Description = ""
    metadata: Metadata = {}
    status: Literal["enabled", "disabled"] = "enabled"
    parent_id: UUID | UnsetType = UNSET
    """A group to open the channel in (the caller needs g_add there)."""


class UpdateChannel(Struct, kw_only=True):
    """PUT: what is left out (or empty, read as absent) keeps its value, as in Magistrala."""

    name: Name | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    metadata: Metadata | UnsetType = UNSET


class ChannelResponse(Struct, kw_only=True, omit_defaults=True):
    id: UUID
    owner_id: UUID | None = None
    parent_id: UUID | None = None
    name: str = ""
    description: str = ""
    metadata: Metadata = {}
    created_at: datetime
    updated_at: datetime
    updated_by: str | None = None
    status: str

    @classmethod
    def of(cls, view: ChannelView) -> "ChannelResponse":
        return cls(
            id=view.id,
            owner_id=view.owner,
            parent_id=view.parent,
            name=view.name,
            description=view.description,
            metadata=view.metadata,
            created_at=view.created_at,
            updated_at=view.updated_at or ZERO_TIME,
            updated_by=view.updated_by,
            status=view.status,
        )


class ChannelPageResponse(Struct):
    limit: int
    offset: int
    total: int
    channels: list[ChannelResponse]

    @classmethod
    def of(cls, page: ChannelPage) -> "ChannelPageResponse":
        return cls(page.limit, page.offset, page.total, [ChannelResponse.of(c) for c in page.items])


class BulkChannelsResponse(Struct):
    channels: list[ChannelResponse]
