"""Things endpoints (`/things`) and thing identification (`/identify`)."""

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter
from msgspec import UNSET

from application.authorization import Actor
from application.ports.things import ThingFilter, ThingPage
from application.thing_queries import ThingQueries
from application.things import NewThing, ThingCommands
from application.throttling import Throttle
from domain.causes import Interface
from domain.errors import Unauthenticated
from domain.switchable import Status
from interfaces.rest.as_of import AS_OF
from interfaces.rest.client_address import client_address
from interfaces.rest.json_bodies import BULK, EMPTY_IS_ABSENT
from interfaces.rest.paging import Limit, Offset
from interfaces.rest.query_rules import either
from interfaces.rest.raw_headers import header
from interfaces.rest.thing_schemas import (
    BulkThingsResponse,
    CreateThing,
    IdentifyResponse,
    ThingPageResponse,
    ThingResponse,
    UpdateThing,
    UpdateThingSecret,
)
from interfaces.rest.user_schemas import SearchText, UpdateOwner, UpdateTags, parse_metadata_filter

REST = Interface.REST
ThingId = Annotated[UUID, PathParameter(description="thing id")]
ActorDep = NamedDependency[Actor]


@dataclass(frozen=True)
class ThingServices:
    commands: ThingCommands
    queries: ThingQueries


def _new_thing(data: CreateThing) -> NewThing:
    return NewThing(
        id=None if data.id is UNSET else data.id,
        identity=data.credentials.identity,
        name=data.name,
        tags=data.tags,
        metadata=data.metadata,
        secret=None if data.credentials.secret is UNSET else data.credentials.secret,
        status=Status(data.status),
    )


class ThingsController(Controller):
    """Reads and commands on the event loop, like the users endpoints."""

    path = "/things"
    parameters = AS_OF
    tags = ["things"]
    opt = EMPTY_IS_ABSENT
    services: ClassVar[ThingServices]

    @classmethod
    def bound_to(cls, services: ThingServices) -> type["ThingsController"]:
        return type(cls.__name__, (cls,), {"services": services})

    @post("/", summary="Create a thing (generated or external id and secret)")
    async def create(self, data: JSONBody[CreateThing], actor: ActorDep) -> Response[ThingResponse]:
        view = await self.services.commands.provision(actor, _new_thing(data), REST)
        return Response(
            ThingResponse.of(view),
            status_code=201,
            headers={
                "Location": f"/things/{view.id}",
                "Access-Control-Expose-Headers": "Location",
            },
        )

    @post("/bulk", status_code=200, summary="Create many things: all or none")
    async def create_many(
        self, data: Annotated[list[CreateThing], BULK], actor: ActorDep
    ) -> BulkThingsResponse:
        views = await self.services.commands.provision_many(
            actor, [_new_thing(d) for d in data], REST
        )
        return BulkThingsResponse(len(views), [ThingResponse.of(v) for v in views])

    @get("/{thing_id:uuid}", sync_to_thread=False, summary="A thing by id")
    def get_thing(self, thing_id: ThingId, actor: ActorDep) -> ThingResponse:
        return ThingResponse.of(self.services.queries.get(actor, thing_id))

    @get("/", sync_to_thread=False, summary="List things (admins: all; others: their own)")
    def list_things(
        self,
        actor: ActorDep,
        offset: Offset = 0,
        limit: Limit = 10,
        name: SearchText = None,
        tags: SearchText = None,
        tag: SearchText = None,
        owner_id: Annotated[
            UUID | None, QueryParameter(description="only this user's things")
        ] = None,
        status: FromQuery[Literal["enabled", "disabled", "all"]] = "enabled",
        visibility: Annotated[
            Literal["all", "mine"],
            QueryParameter(description="mine: only things the caller owns (for admins)"),
        ] = "all",
        metadata: Annotated[str | None, QueryParameter(description="JSON object to match")] = None,
    ) -> ThingPageResponse:
        query = ThingFilter(
            offset=offset,
            limit=limit,
            name=name,
            tag=either(tags, tag, "tags"),
            status=status,
            metadata=parse_metadata_filter(metadata),
            owner=owner_id or (actor.id if visibility == "mine" else None),
        )
        if visibility == "mine" and owner_id not in (None, actor.id):
            return ThingPageResponse.of(ThingPage(0, offset, limit, []))  # another's, and mine
        return ThingPageResponse.of(self.services.queries.page(actor, query))

    @patch("/{thing_id:uuid}", summary="Update name and/or metadata")
    async def update(
        self, thing_id: ThingId, data: JSONBody[UpdateThing], actor: ActorDep
    ) -> ThingResponse:
        view = await self.services.commands.update(
            actor,
            thing_id,
            REST,
            name=None if data.name is UNSET else data.name,
            metadata=None if data.metadata is UNSET else data.metadata,
        )
        return ThingResponse.of(view)

    @patch("/{thing_id:uuid}/tags", summary="Replace tags")
    async def update_tags(
        self, thing_id: ThingId, data: JSONBody[UpdateTags], actor: ActorDep
    ) -> ThingResponse:
        view = await self.services.commands.replace_tags(actor, thing_id, data.tags, REST)
        return ThingResponse.of(view)

    @patch("/{thing_id:uuid}/owner", summary="Change owner")
    async def update_owner(
        self, thing_id: ThingId, data: JSONBody[UpdateOwner], actor: ActorDep
    ) -> ThingResponse:
        view = await self.services.commands.change_owner(actor, thing_id, data.owner, REST)
        return ThingResponse.of(view)

    @patch("/{thing_id:uuid}/secret", summary="Change secret (the old one stops working)")
    async def update_secret(
        self, thing_id: ThingId, data: JSONBody[UpdateThingSecret], actor: ActorDep
    ) -> ThingResponse:
        view = await self.services.commands.change_secret(actor, thing_id, data.secret, REST)
        return ThingResponse.of(view)

    @post("/{thing_id:uuid}/enable", status_code=200, summary="Enable")
    async def enable(self, thing_id: ThingId, actor: ActorDep) -> ThingResponse:
        return ThingResponse.of(await self.services.commands.enable(actor, thing_id, REST))

    @post("/{thing_id:uuid}/disable", status_code=200, summary="Disable")
    async def disable(self, thing_id: ThingId, actor: ActorDep) -> ThingResponse:
        return ThingResponse.of(await self.services.commands.disable(actor, thing_id, REST))


def thing_secret(request: Request[Any, Any, Any]) -> str:
    """`Authorization: Thing <secret>`."""
    value = header(request, b"authorization")
    scheme, _, secret = (value or "").partition(" ")
    if scheme.lower() != "thing" or not secret.strip():
        raise Unauthenticated("Authorization header must be 'Thing <secret>'")
    return secret.strip()


class IdentifyController(Controller):
    path = "/identify"
    tags = ["things"]
    opt = EMPTY_IS_ABSENT
    queries: ClassVar[ThingQueries]
    throttle: ClassVar[Throttle]

    @classmethod
    def bound_to(cls, queries: ThingQueries, throttle: Throttle) -> type["IdentifyController"]:
        return type(cls.__name__, (cls,), {"queries": queries, "throttle": throttle})

    @post("/", status_code=200, sync_to_thread=False, summary="The thing a secret belongs to")
    def identify(self, request: Request[Any, Any, Any]) -> IdentifyResponse:
        secret = thing_secret(request)
        with self.throttle.guarding(client_address(request)):
            return IdentifyResponse(self.queries.identify(secret))
