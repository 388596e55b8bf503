"""Channels endpoints (`/channels`)."""

from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from litestar import Controller, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter
from msgspec import UNSET

from application.authorization import Actor
from application.channel_queries import ChannelQueries
from application.channels import ChannelCommands, NewChannel
from application.ports.channels import ChannelFilter
from domain.causes import Interface
from domain.errors import InvalidValue
from domain.switchable import Status
from interfaces.rest.as_of import AS_OF
from interfaces.rest.channel_schemas import (
    BulkChannelsResponse,
    ChannelPageResponse,
    ChannelResponse,
    CreateChannel,
    UpdateChannel,
)
from interfaces.rest.json_bodies import BULK, EMPTY_IS_ABSENT
from interfaces.rest.paging import Limit, Offset
from interfaces.rest.query_rules import OwnerAlias, ParentAlias, either
from interfaces.rest.user_schemas import SearchText, parse_metadata_filter

REST = Interface.REST
ChannelId = Annotated[UUID, PathParameter(description="channel id")]
ActorDep = NamedDependency[Actor]


@dataclass(frozen=True)
class ChannelServices:
    commands: ChannelCommands
    queries: ChannelQueries


def _new_channel(data: CreateChannel) -> NewChannel:
    return NewChannel(
        id=None if data.id is UNSET else data.id,
        name=data.name,
        description=data.description,
        metadata=data.metadata,
        status=Status(data.status),
        parent=None if data.parent_id is UNSET else data.parent_id,
    )


class ChannelsController(Controller):
    path = "/channels"
    parameters = AS_OF
    tags = ["channels"]
    opt = EMPTY_IS_ABSENT
    services: ClassVar[ChannelServices]

    @classmethod
    def bound_to(cls, services: ChannelServices) -> type["ChannelsController"]:
        return type(cls.__name__, (cls,), {"services": services})

    @post("/", summary="Create a channel (generated or external id)")
    async def create(
        self, data: JSONBody[CreateChannel], actor: ActorDep
    ) -> Response[ChannelResponse]:
        view = await self.services.commands.open(actor, _new_channel(data), REST)
        return Response(
            ChannelResponse.of(view),
            status_code=201,
            headers={
                "Location": f"/channels/{view.id}",
                "Access-Control-Expose-Headers": "Location",
            },
        )

    @post("/bulk", status_code=200, summary="Create many channels: all or none")
    async def create_many(
        self, data: Annotated[list[CreateChannel], BULK], actor: ActorDep
    ) -> BulkChannelsResponse:
        views = await self.services.commands.open_many(actor, [_new_channel(d) for d in data], REST)
        return BulkChannelsResponse([ChannelResponse.of(v) for v in views])

    @get("/{channel_id:uuid}", sync_to_thread=False, summary="A channel by id")
    def get_channel(self, channel_id: ChannelId, actor: ActorDep) -> ChannelResponse:
        return ChannelResponse.of(self.services.queries.get(actor, channel_id))

    @get("/", sync_to_thread=False, summary="List channels (admins: all; others: their own)")
    def list_channels(
        self,
        actor: ActorDep,
        offset: Offset = 0,
        limit: Limit = 10,
        name: SearchText = None,
        status: FromQuery[Literal["enabled", "disabled", "all"]] = "enabled",
        owner_id: Annotated[
            UUID | None,
            QueryParameter(name="ownerID", description="only channels this user owns"),
        ] = None,
        metadata: Annotated[str | None, QueryParameter(description="JSON object to match")] = None,
        parent_id: Annotated[
            UUID | None,
            QueryParameter(name="parentID", description="only channels opened in this group"),
        ] = None,
        owner_alias: OwnerAlias = None,
        parent_alias: ParentAlias = None,
        dir: Annotated[  # the seed's name for it
            Literal[-1, 1] | None,
            QueryParameter(
                description="with parentID: 1 channels of the group and every group below it, "
                "-1 of the group and every group above it (without parentID it has nothing to "
                "apply to and is ignored)"
            ),
        ] = None,
        tree: Annotated[
            bool,
            QueryParameter(
                description="channels do not nest: only false is accepted",
                schema_extra={"enum": [False]},
            ),
        ] = False,
    ) -> ChannelPageResponse:
        if tree:
            raise InvalidValue("channels do not nest; tree applies to groups", field="tree")
        owner_id = either(owner_id, owner_alias, "ownerID")
        parent_id = either(parent_id, parent_alias, "parentID")
        query = ChannelFilter(
            offset=offset,
            limit=limit,
            name=name,
            status=status,
            metadata=parse_metadata_filter(metadata),
            owner=owner_id,
            parent=parent_id if dir is None else None,
        )
        queries = self.services.queries
        if dir is None or parent_id is None:
            return ChannelPageResponse.of(queries.page(actor, query))
        return ChannelPageResponse.of(queries.in_hierarchy(actor, parent_id, dir, query))

    @put(
        "/{channel_id:uuid}",
        summary="Change name, description and metadata; what is left out is kept",
    )
    async def update(
        self, channel_id: ChannelId, data: JSONBody[UpdateChannel], actor: ActorDep
    ) -> ChannelResponse:
        view = await self.services.commands.update(
            actor,
            channel_id,
            REST,
            name=None if data.name is UNSET else data.name,
            description=None if data.description is UNSET else data.description,
            metadata=None if data.metadata is UNSET else data.metadata,
        )
        return ChannelResponse.of(view)

    @post("/{channel_id:uuid}/enable", status_code=200, summary="Enable")
    async def enable(self, channel_id: ChannelId, actor: ActorDep) -> ChannelResponse:
        return ChannelResponse.of(await self.services.commands.enable(actor, channel_id, REST))

    @post("/{channel_id:uuid}/disable", status_code=200, summary="Disable")
    async def disable(self, channel_id: ChannelId, actor: ActorDep) -> ChannelResponse:
        return ChannelResponse.of(await self.services.commands.disable(actor, channel_id, REST))
