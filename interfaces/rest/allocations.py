"""Organizations' balances per authority: the Organization API's authority routes
(`/api/v1/organizations/{organizationId}/authority…`) and the Authorities API's balances
(`/api/v1/authorities/{authorityId}/balance…`)."""

from dataclasses import dataclass
from typing import Annotated, ClassVar

from litestar import Controller, MediaType, Response, delete, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter
from msgspec import Meta, Struct

from application.allocations import AllocationCommands, AllocationQueries
from application.authorization import Actor
from application.ports.allocations import AllocationView
from application.ports.authorities import AuthorityViews
from application.ports.profiles import ProfileViews
from domain.allocations import MAX_BALANCE
from domain.causes import Interface

ActorDep = NamedDependency[Actor]
Number = Annotated[int, PathParameter(ge=0, le=2**53)]
REST = Interface.REST


class BalanceChange(Struct):
    balance: Annotated[int, Meta(ge=0, le=MAX_BALANCE)]
    enabled: bool


class AuthorityManagementItem(Struct, rename="camel"):
    id: int
    enabled: bool
    balance: int
    used_balance: int
    available_balance: int
    profile_id: int
    profile_name: str
    total_ecosystem_balance: int


@dataclass(frozen=True)
class AllocationServices:
    commands: AllocationCommands
    queries: AllocationQueries
    authorities: AuthorityViews
    profiles: ProfileViews

    def item(self, view: AllocationView) -> AuthorityManagementItem:
        authority = self.authorities.get(view.authority)
        profile_number = authority.profile if authority and authority.profile else 0
        profile = self.profiles.get(profile_number)
        return AuthorityManagementItem(
            view.authority,
            view.status == "enabled",
            view.balance,
            view.used,
            view.available,
            profile_number,
            profile.name if profile else "",
            self.queries.authority_total(view.authority),
        )


class OrganizationAuthoritiesController(Controller):
    path = "/api/v1/organizations/{organization_id:int}"
    tags = ["certificate manager: organizations"]
    services: ClassVar[AllocationServices]

    @classmethod
    def bound_to(cls, services: AllocationServices) -> type["OrganizationAuthoritiesController"]:
        return type(cls.__name__, (cls,), {"services": services})

    @put(
        "/authority/{authority_id:int}",
        status_code=200,
        media_type=MediaType.TEXT,
        summary="Let the organization use an authority (admins). No body, as documented",
    )
    async def grant(
        self, organization_id: Number, authority_id: Number, actor: ActorDep
    ) -> Response[bytes]:
        await self.services.commands.grant(actor, organization_id, authority_id, REST)
        return Response(b"", status_code=200)

    @put(
        "/authorities/{authority_id:int}",
        status_code=200,
        summary="Set the organization's balance with an authority, and whether it may use it",
    )
    async def change(
        self,
        organization_id: Number,
        authority_id: Number,
        data: JSONBody[BalanceChange],
        actor: ActorDep,
    ) -> AuthorityManagementItem:
        commands, queries = self.services.commands, self.services.queries
        await commands.change(
            actor, organization_id, authority_id, data.balance, data.enabled, REST
        )
        return self.services.item(queries.get(actor, organization_id, authority_id))

    @delete(
        "/authority/{authority_id:int}",
        status_code=200,
        media_type=MediaType.TEXT,
        summary="Take an authority from the organization (admins). No body, as documented",
    )
    async def remove(
        self, organization_id: Number, authority_id: Number, actor: ActorDep
    ) -> Response[bytes]:
        await self.services.commands.remove(actor, organization_id, authority_id, REST)
        return Response(b"", status_code=200)

    @get("/all_authorities", sync_to_thread=False, summary="The organization's authorities")
    def all_authorities(
        self, organization_id: Number, actor: ActorDep
    ) -> list[AuthorityManagementItem]:
        found = self.services.queries.of_organization(actor, organization_id)
        return [self.services.item(view) for view in found]


class AuthorityBalancesController(Controller):
    path = "/api/v1/authorities/{authority_id:int}"
    tags = ["certificate manager: authorities"]
    services: ClassVar[AllocationServices]

    @classmethod
    def bound_to(cls, services: AllocationServices) -> type["AuthorityBalancesController"]:
        return type(cls.__name__, (cls,), {"services": services})

    @get(
        "/balanceused/{organization_id:int}",
        sync_to_thread=False,
        summary="What the organization used of its balance with the authority (admins)",
    )
    def used(
        self,
        authority_id: Number,
        organization_id: Number,
        actor: ActorDep,
        user_id: Annotated[
            str | None,
            QueryParameter(
                name="userId",
                max_length=64,
                description="accepted, not read yet: users have no numbers",
            ),
        ] = None,
    ) -> int:
        return self.services.queries.get(actor, organization_id, authority_id).used

    @get(
        "/balanceavailable/{organization_id:int}",
        sync_to_thread=False,
        summary="What the organization may still use with the authority (admins)",
    )
    def available(self, authority_id: Number, organization_id: Number, actor: ActorDep) -> int:
        return self.services.queries.get(actor, organization_id, authority_id).available
