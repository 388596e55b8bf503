"""Request and response bodies of the things API, as the seed document names them."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from msgspec import UNSET, Meta, Struct, UnsetType, field

from application.ports.things import ThingPage, ThingView
from domain.things import MAX_IDENTITY_LENGTH, MAX_SECRET_LENGTH, MIN_SECRET_LENGTH
from interfaces.rest.user_schemas import VISIBLE, ZERO_TIME
from interfaces.rest.value_schemas import TEXT, Metadata, Name, Tags

Secret = Annotated[
    str,
    Meta(
        max_length=MAX_SECRET_LENGTH,
        extra_json_schema={"extra": {"min_length": MIN_SECRET_LENGTH, "pattern": VISIBLE}},
    ),
]
"""A thing secret being set: the domain checks it and names the field."""
Label = Annotated[
    str, Meta(max_length=MAX_IDENTITY_LENGTH), Meta(extra_json_schema={"extra": {"pattern": TEXT}})
]


class NewThingCredentials(Struct, kw_only=True):
    identity: Label = ""
    secret: Secret | UnsetType = UNSET
    """Absent: the server generates one."""


class CreateThing(Struct, kw_only=True):
    id: UUID | UnsetType = UNSET
    """Absent: the server generates one; present: an external id, unique among all entities."""
    name: Name = ""
    tags: Tags = []
    credentials: NewThingCredentials = field(default_factory=NewThingCredentials)
    metadata: Metadata = {}
    status: Literal["enabled", "disabled"] = "enabled"


class UpdateThing(Struct, kw_only=True):
    name: Name | UnsetType = UNSET
    metadata: Metadata | UnsetType = UNSET


class UpdateThingSecret(Struct):
    secret: Secret


class ThingCredentials(Struct, kw_only=True, omit_defaults=True):
    identity: str = ""
    secret: str | None = None
    """Shown to the thing's owner and admins only."""


class ThingResponse(Struct, kw_only=True, omit_defaults=True):
    id: UUID
    name: str = ""
    tags: Tags = []
    owner: UUID | None = None
    credentials: ThingCredentials
    metadata: Metadata = {}
    created_at: datetime
    updated_at: datetime
    updated_by: str | None = None
    status: str
    parent_id: UUID | None = None
    """The gateway this device connects through (set by the MQTT identity API)."""
    public_key: str | None = None

    @classmethod
    def of(cls, view: ThingView) -> "ThingResponse":
        return cls(
            id=view.id,
            name=view.name,
            tags=view.tags,
            owner=view.owner,
            credentials=ThingCredentials(identity=view.identity, secret=view.secret),
            metadata=view.metadata,
            created_at=view.created_at,
            updated_at=view.updated_at or ZERO_TIME,
            updated_by=view.updated_by,
            status=view.status,
            parent_id=view.parent,
            public_key=view.public_key,
        )


class ThingPageResponse(Struct):
    limit: int
    offset: int
    total: int
    things: list[ThingResponse]

    @classmethod
    def of(cls, page: ThingPage) -> "ThingPageResponse":
        return cls(page.limit, page.offset, page.total, [ThingResponse.of(t) for t in page.items])


class BulkThingsResponse(Struct):
    total: int
    things: list[ThingResponse]


class IdentifyResponse(Struct):
    id: UUID
