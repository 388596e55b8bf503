"""The certificate manager's EcoSystem API (`/api/v1/ecosystems`): the ecosystem, its figures
and its admins, for its admins."""

from dataclasses import dataclass
from typing import Annotated, ClassVar

from litestar import Controller, MediaType, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter
from msgspec import Struct

from application.authorization import Actor
from application.ecosystems import DayCount, EcosystemCommands, EcosystemQueries
from application.ports.authorities import AuthorityViews
from domain.causes import Interface
from interfaces.rest.as_of import AS_OF
from interfaces.rest.member_schemas import MemberResponse, MemberUpdate, SearchBody
from interfaces.rest.members import MemberServices

ActorDep = NamedDependency[Actor]
Number = Annotated[int, PathParameter(description="a user's number", ge=0, le=2**53)]


class Count(Struct):
    dt: str
    """The day, as the document writes a time (ISO 8601, no zone): UTC midnight."""
    total: int
    devices: int

    @classmethod
    def of(cls, day: DayCount) -> "Count":
        return cls(f"{day.day.isoformat()}T00:00:00", day.total, day.devices)


class StatisticsResponse(Struct):
    capacity: int
    balance: int
    used: int
    ordered: list[Count]
    issued: list[Count]


class EcosystemResponse(Struct):
    id: int
    name: str
    description: str
    authorities: str
    """Its issuing authorities' names, as one text."""
    capacity: int


@dataclass(frozen=True)
class EcosystemServices:
    commands: EcosystemCommands
    queries: EcosystemQueries
    members: MemberServices
    authorities: AuthorityViews


class EcosystemsController(Controller):
    path = "/api/v1/ecosystems"
    parameters = AS_OF
    tags = ["certificate manager: ecosystems"]
    services: ClassVar[EcosystemServices]

    @classmethod
    def bound_to(cls, services: EcosystemServices) -> type["EcosystemsController"]:
        return type(cls.__name__, (cls,), {"services": services})

    @get(
        "/statistics",
        sync_to_thread=False,
        summary="What the ecosystem may issue, gave and used, and what was ordered and issued "
        "per day",
    )
    def statistics(self, actor: ActorDep) -> StatisticsResponse:
        found = self.services.queries.statistics(actor)
        return StatisticsResponse(
            found.capacity,
            found.totals.balance,
            found.totals.used,
            [Count.of(day) for day in found.ordered],
            [Count.of(day) for day in found.issued],
        )

    @post(
        "/users", status_code=200, summary="The ecosystem's admins, found by login, name or e-mail"
    )
    async def admins(self, actor: ActorDep, data: JSONBody[SearchBody]) -> list[MemberResponse]:
        found = self.services.queries.admins(actor, data.search_line)
        return [self.services.members.answer(view) for view in found]

    @get("/users/{user_number:int}", sync_to_thread=False, summary="One of the ecosystem's admins")
    def admin(self, user_number: Number, actor: ActorDep) -> MemberResponse:
        return self.services.members.answer(self.services.queries.admin(actor, user_number))

    @put(
        "/users/{user_number:int}",
        status_code=200,
        media_type=MediaType.TEXT,
        summary="Change one of the ecosystem's admins' contact and privileges",
    )
    async def update_admin(
        self, user_number: Number, data: JSONBody[MemberUpdate], actor: ActorDep
    ) -> Response[bytes]:
        privileges = [body.privilege() for body in data.user_privileges]
        await self.services.members.commands.update(
            actor, user_number, data.contact(), privileges, Interface.REST, ecosystem_admin=True
        )
        return Response(b"", status_code=200)

    @get("/ecosystem", sync_to_thread=False, summary="The signed-in admin's ecosystem")
    def ecosystem(self, actor: ActorDep) -> EcosystemResponse:
        found = self.services.queries.ecosystem(actor)
        names = [a.name for a in self.services.authorities.all() if a.profile]
        return EcosystemResponse(
            found.number, found.name, found.description, ", ".join(names), found.capacity
        )

    @get(
        "/ecosystem/balance",
        sync_to_thread=False,
        summary="What the ecosystem's organizations may still use, all together",
    )
    def balance(self, actor: ActorDep) -> int:
        return self.services.queries.balance(actor)
