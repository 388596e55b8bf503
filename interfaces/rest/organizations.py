"""The certificate manager's Organization API (`/api/v1/organizations`): admins create, change
and list organizations; an organization is read by its number."""

from dataclasses import dataclass
from typing import Annotated, ClassVar

from litestar import Controller, MediaType, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter

from application.authorization import Actor
from application.organizations import MAX_PAGE, OrganizationCommands, OrganizationQueries
from application.ports.organizations import OrganizationView
from domain.causes import Interface
from domain.organizations import PARAMETERS
from interfaces.rest.as_of import AS_OF
from interfaces.rest.authority_items import AuthorityItems
from interfaces.rest.organization_schemas import (
    NewOrganization,
    OrganizationItem,
    OrganizationResponse,
    OrganizationUpdate,
    Required,
)

ActorDep = NamedDependency[Actor]
OrganizationId = Annotated[int, PathParameter(description="organization id", ge=0, le=2**53)]
MAX_ITEMS = 10_000


@dataclass(frozen=True)
class OrganizationServices:
    commands: OrganizationCommands
    queries: OrganizationQueries
    items: AuthorityItems

    def answer(self, view: OrganizationView) -> OrganizationResponse:
        return OrganizationResponse.of(view, self.items.of_organization(view.number))


class OrganizationsController(Controller):
    path = "/api/v1/organizations"
    parameters = AS_OF
    tags = ["certificate manager: organizations"]
    services: ClassVar[OrganizationServices]

    @classmethod
    def bound_to(cls, services: OrganizationServices) -> type["OrganizationsController"]:
        return type(cls.__name__, (cls,), {"services": services})

    @get("/{organization_id:int}", sync_to_thread=False, summary="An organization")
    def get_organization(
        self, organization_id: OrganizationId, actor: ActorDep
    ) -> OrganizationResponse:
        return self.services.answer(self.services.queries.get(actor, organization_id))

    @get("/user", sync_to_thread=False, summary="The signed-in user's organization")
    def of_current_user(self, actor: ActorDep) -> OrganizationResponse:
        return self.services.answer(self.services.queries.of_current_user(actor))

    @get("/", sync_to_thread=False, summary="A page of organizations, by id (admins)")
    def list_organizations(
        self,
        actor: ActorDep,
        page: Annotated[int, QueryParameter(description="from 0", ge=0, le=2**31)] = 0,
        size: Annotated[
            int, QueryParameter(description=f"at most {MAX_PAGE}", ge=1, le=MAX_PAGE)
        ] = MAX_PAGE,
    ) -> list[OrganizationResponse]:
        found = self.services.queries.page(actor, page, size)
        return [self.services.answer(view) for view in found]

    @post("/", status_code=200, summary="Create an organization (admins); answers its id")
    async def create(self, data: JSONBody[NewOrganization], actor: ActorDep) -> int:
        return await self.services.commands.create(
            actor, data.organization_name, data.details(), Interface.REST
        )

    @put(
        "/",
        status_code=200,
        media_type=MediaType.TEXT,
        summary="Change an organization (admins); its name stays. No body, as documented",
    )
    async def update(self, data: JSONBody[OrganizationUpdate], actor: ActorDep) -> Response[bytes]:
        await self.services.commands.update(
            actor,
            data.organization_id,
            data.details(),
            None if data.organization_parameters is None else data.organization_parameters.given(),
            Interface.REST,
        )
        return Response(b"", status_code=200)

    @get("/select/items", sync_to_thread=False, summary="Every organization's id and name")
    def items(self, actor: ActorDep) -> list[OrganizationItem]:
        found = self.services.queries.page(actor, 0, MAX_ITEMS, bounded=False)
        return [OrganizationItem(view.number, view.name) for view in found]

    @get(
        "/check_organization",
        sync_to_thread=False,
        summary="Whether an organization has this name, in any letter case (admins)",
    )
    def check_organization(
        self, actor: ActorDep, name: Annotated[Required, QueryParameter(description="a name")]
    ) -> bool:
        return self.services.commands.name_taken(actor, name)

    @get(
        "/profile_parameters/{organization_id:int}",
        sync_to_thread=False,
        summary="The subject attributes an organization gives its certificates",
    )
    def profile_parameters(
        self, organization_id: OrganizationId, actor: ActorDep
    ) -> dict[str, str]:
        found = self.services.queries.get(actor, organization_id)
        return {name: found.parameters.get(name, "") for name in PARAMETERS}
