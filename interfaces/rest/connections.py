"""Connections of things to channels: `/connect`, `/disconnect`, `/things/policies`, the
access check `/channels/{id}/access`, and the connected lists of a thing and of a channel."""

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter
from msgspec import UNSET, Meta, Struct, UnsetType

from application.authorization import Actor
from application.channel_queries import ChannelQueries
from application.connections import ConnectionCommands, ConnectionQueries
from application.groups import GroupCommands
from application.policy_queries import PolicyQueries
from application.ports.channels import ChannelFilter
from application.ports.policies import PolicyFilter
from application.ports.things import ThingFilter
from application.thing_queries import ThingQueries
from application.throttling import Throttle
from domain.causes import Interface
from domain.policies import CONNECTION_ACTIONS
from interfaces.rest.as_of import AS_OF
from interfaces.rest.channel_schemas import ChannelPageResponse
from interfaces.rest.client_address import client_address
from interfaces.rest.json_bodies import EMPTY_IS_ABSENT
from interfaces.rest.paging import Limit, Offset
from interfaces.rest.policy_schemas import (
    Action,
    ActionName,
    Actions,
    Object,
    Owner,
    PolicyPageResponse,
    PolicyResponse,
    Subject,
)
from interfaces.rest.thing_schemas import ThingPageResponse

REST = Interface.REST
ActorDep = NamedDependency[Actor]


NonEmpty = Meta(extra_json_schema={"extra": {"min_items": 1}})
"""Documents what the commands check: a connection needs a thing and a channel."""


class Connect(Struct, kw_only=True):
    subjects: Annotated[list[UUID], NonEmpty]
    objects: Annotated[list[UUID], NonEmpty]
    actions: Actions | UnsetType = UNSET
    """Absent: m_write and m_read."""


class Disconnect(Struct):
    subjects: Annotated[list[UUID], NonEmpty]
    objects: Annotated[list[UUID], NonEmpty]


class ThingPolicy(Struct, kw_only=True):
    subject: UUID
    object: UUID
    actions: Actions | UnsetType = UNSET
    external: bool = False
    """True: the subject is a user, who becomes a member of the channel with `actions`."""


class ChangeThingPolicy(Struct):
    subject: UUID
    object: UUID
    actions: Actions


class AccessRequest(Struct, kw_only=True):
    subject: str
    """The thing's secret."""
    action: ActionName
    entity_type: Literal["thing"] = "thing"


class AccessResponse(Struct, kw_only=True):
    """Magistrala's answer, which its SDK decodes; a refusal is a 403 problem instead."""

    thing_id: UUID
    authorized: bool


class PoliciesResponse(Struct):
    policies: list[PolicyResponse]


@dataclass(frozen=True)
class ConnectionServices:
    commands: ConnectionCommands
    queries: ConnectionQueries
    things: ThingQueries
    channels: ChannelQueries
    members: GroupCommands
    throttle: Throttle
    policies: PolicyQueries


class ConnectionsController(Controller):
    tags = ["connections"]
    opt = EMPTY_IS_ABSENT
    parameters = AS_OF
    services: ClassVar[ConnectionServices]

    @classmethod
    def bound_to(cls, services: ConnectionServices) -> type["ConnectionsController"]:
        return type(cls.__name__, (cls,), {"services": services})

    @post("/connect", summary="Connect things to channels (default actions m_write, m_read)")
    async def connect(self, data: JSONBody[Connect], actor: ActorDep) -> Response[PoliciesResponse]:
        views = await self.services.commands.connect(
            actor,
            data.subjects,
            data.objects,
            None if data.actions is UNSET else data.actions,
            REST,
        )
        return Response(PoliciesResponse([PolicyResponse.of(v) for v in views]), status_code=201)

    @post("/disconnect", status_code=204, summary="Disconnect things from channels")
    async def disconnect(self, data: JSONBody[Disconnect], actor: ActorDep) -> None:
        await self.services.commands.disconnect(actor, data.subjects, data.objects, REST)

    @post("/things/policies", summary="Connect one thing to one channel")
    async def connect_one(
        self, data: JSONBody[ThingPolicy], actor: ActorDep
    ) -> Response[PoliciesResponse]:
        actions = None if data.actions is UNSET else data.actions
        if data.external:
            member = await self.services.members.assign(
                actor, data.subject, data.object, actions or CONNECTION_ACTIONS, REST
            )
            return Response(PoliciesResponse([PolicyResponse.of(member)]), status_code=201)
        views = await self.services.commands.connect(
            actor, [data.subject], [data.object], actions, REST
        )
        return Response(PoliciesResponse([PolicyResponse.of(v) for v in views]), status_code=201)

    @get("/things/policies", sync_to_thread=False, summary="Policies of things on channels")
    def list_policies(
        self,
        actor: ActorDep,
        offset: Offset = 0,
        limit: Limit = 10,
        subject: Subject = None,
        object: Object = None,
        action: Action = None,
        owner: Owner = None,
    ) -> PolicyPageResponse:
        query = PolicyFilter("thing", offset, limit, subject, object, action or None, owner)
        return PolicyPageResponse.of(self.services.policies.page(actor, query))

    @put(
        "/things/policies",
        status_code=204,
        summary="Change the actions of a connection (or of a user's membership of the channel)",
    )
    async def change(self, data: JSONBody[ChangeThingPolicy], actor: ActorDep) -> None:
        await self.services.commands.change_actions(
            actor, data.subject, data.object, data.actions, REST
        )

    @delete(
        "/things/policies/{subject:uuid}/{object_id:uuid}",
        status_code=204,
        summary="Disconnect one thing from one channel",
    )
    async def disconnect_one(
        self,
        subject: Annotated[UUID, PathParameter(description="thing id")],
        object_id: Annotated[UUID, PathParameter(description="channel id")],
        actor: ActorDep,
    ) -> None:
        await self.services.commands.disconnect(
            actor, [subject], [object_id], REST, require_connected=True
        )

    @post(
        "/channels/{channel_id:uuid}/access",
        status_code=200,
        sync_to_thread=False,
        summary="200 when the thing secret has the action on the channel, 403 otherwise",
    )
    def access(
        self,
        request: Request[Any, Any, Any],
        channel_id: Annotated[UUID, PathParameter(description="channel id")],
        data: JSONBody[AccessRequest],
        actor: ActorDep,
    ) -> AccessResponse:
        with self.services.throttle.guarding(client_address(request)):
            self.services.channels.require_visible(actor, channel_id)
            thing = self.services.queries.check(data.subject, channel_id, data.action)
        return AccessResponse(thing_id=thing, authorized=True)

    @get("/things/{thing_id:uuid}/channels", sync_to_thread=False, summary="Channels of a thing")
    def channels_of(
        self,
        thing_id: Annotated[UUID, PathParameter(description="thing id")],
        actor: ActorDep,
        offset: Offset = 0,
        limit: Limit = 10,
    ) -> ChannelPageResponse:
        self.services.things.get(actor, thing_id)
        query = ChannelFilter(offset=offset, limit=limit, status="all", thing=thing_id)
        return ChannelPageResponse.of(self.services.channels.page(actor, query))

    @get("/channels/{channel_id:uuid}/things", sync_to_thread=False, summary="Things of a channel")
    def things_of(
        self,
        channel_id: Annotated[UUID, PathParameter(description="channel id")],
        actor: ActorDep,
        offset: Offset = 0,
        limit: Limit = 10,
    ) -> ThingPageResponse:
        self.services.channels.get(actor, channel_id)
        query = ThingFilter(offset=offset, limit=limit, status="all", channel=channel_id)
        return ThingPageResponse.of(self.services.things.page(actor, query))
