"""Organizations' balances per authority: the Organization API's authority routes
(`/api/v1/organizations/{organizationId}/authority…`), the Authorities API's balances and the
authorities a user may issue with (`/api/v1/authorities/…`), and a profile's balance and the
profile of an authority a user may use."""

from dataclasses import dataclass
from typing import Annotated, ClassVar

from litestar import Controller, MediaType, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter
from msgspec import Meta, Struct

from application.allocations import AllocationCommands, AllocationQueries
from application.authorization import Actor
from application.ports.allocations import AllocationView
from domain.allocations import MAX_BALANCE
from domain.causes import Interface
from domain.errors import NotFound
from domain.organizations import ECOSYSTEM
from interfaces.rest.as_of import AS_OF
from interfaces.rest.authority_items import (
    AuthorityItems,
    AuthorityManagementItem,
    OrganizationAuthority,
    UpdatedAuthority,
)
from interfaces.rest.profiles import ProfileItem
from interfaces.rest.value_schemas import optional_number

ActorDep = NamedDependency[Actor]
Number = Annotated[int, PathParameter(ge=0, le=2**53)]
REST = Interface.REST
Balance = Annotated[int, Meta(ge=0, le=MAX_BALANCE)]


class BalanceChange(Struct):
    balance: Balance
    enabled: bool


class AuthorityUpdate(Struct, rename="camel", kw_only=True):
    """What a client sends back of an organization's authority, with `addedBalance`: only
    `id`, `addedBalance` and `enabled` are read; the rest is the client's copy of the figures."""

    id: Annotated[int, Meta(ge=0, le=2**53)]
    added_balance: Annotated[int, Meta(ge=-MAX_BALANCE, le=MAX_BALANCE)] = 0
    enabled: bool = True
    balance: int | None = None
    used_balance: int | None = None
    profile_id: int | None = None
    profile_name: str | None = None
    signer_certificate_id: int | None = None
    ecosystem_id: int | None = None
    ecosystem_name: str | None = None
    ext_id: int | None = None
    total_ecosystem_balance: int | None = None


@dataclass(frozen=True)
class AllocationServices:
    commands: AllocationCommands
    queries: AllocationQueries
    items: AuthorityItems


class OrganizationAuthoritiesController(Controller):
    path = "/api/v1/organizations/{organization_id:int}"
    parameters = AS_OF
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

    @post(
        "/authority",
        status_code=200,
        summary="Add to the organization's balance with an authority (`id`), granting it first "
        "if need be (admins)",
    )
    async def top_up(
        self, organization_id: Number, data: JSONBody[AuthorityUpdate], actor: ActorDep
    ) -> UpdatedAuthority:
        commands, queries = self.services.commands, self.services.queries
        await commands.top_up(
            actor, organization_id, data.id, data.added_balance, data.enabled, REST
        )
        return self.services.items.updated(queries.get(actor, organization_id, data.id))

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
        return self.services.items.managed(queries.get(actor, organization_id, authority_id))

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
        return [self.services.items.managed(view) for view in found]


class AuthorityBalancesController(Controller):
    path = "/api/v1/authorities/{authority_id:int}"
    parameters = AS_OF
    tags = ["certificate manager: authorities"]
    services: ClassVar[AllocationServices]

    @classmethod
    def bound_to(cls, services: AllocationServices) -> type["AuthorityBalancesController"]:
        return type(cls.__name__, (cls,), {"services": services})

    @get(
        "/balanceused/{organization_id:int}",
        sync_to_thread=False,
        summary="What the organization (or one of its users) used of its balance",
    )
    def used(
        self,
        authority_id: Number,
        organization_id: Number,
        actor: ActorDep,
        user_id: Annotated[int | None, optional_number("userId", "only this user's use")] = None,
    ) -> int:
        return self.services.queries.used(actor, organization_id, authority_id, user_id)

    @get(
        "/balanceavailable/{organization_id:int}",
        sync_to_thread=False,
        summary="What the organization may still use with the authority",
    )
    def available(self, authority_id: Number, organization_id: Number, actor: ActorDep) -> int:
        return self.services.queries.get(actor, organization_id, authority_id).available

    @get(
        "/balanceavailable",
        sync_to_thread=False,
        summary="What the signed-in user's organization may still use with the authority",
    )
    def own_available(self, authority_id: Number, actor: ActorDep) -> int:
        return self._own(actor, authority_id).available

    def _own(self, actor: Actor, authority: int) -> AllocationView:
        standing, found = self.services.queries.own(actor)
        for view in found:
            profile, _ = self.services.items.profile_of(view.authority)
            if view.authority == authority and standing.uses_profile(profile):
                return view
        raise NotFound("the user's organization has no such authority", field="authorityId")


class AllowedAuthoritiesController(Controller):
    path = "/api/v1/authorities/allowed"
    parameters = AS_OF
    tags = ["certificate manager: authorities"]
    services: ClassVar[AllocationServices]

    @classmethod
    def bound_to(cls, services: AllocationServices) -> type["AllowedAuthoritiesController"]:
        return type(cls.__name__, (cls,), {"services": services})

    @get(
        "/",
        sync_to_thread=False,
        summary="The authorities the signed-in user may issue with: its organization's, for "
        "the profiles it may use (every issuing authority, for an admin outside organizations)",
    )
    def allowed(self, actor: ActorDep) -> list[OrganizationAuthority]:
        items = self.services.items
        standing, found = self.services.queries.own(actor)
        if standing.organization:
            return [
                items.granted(view)
                for view in found
                if standing.uses_profile(items.profile_of(view.authority)[0])
            ]
        return [
            OrganizationAuthority(
                authority.number,
                ECOSYSTEM,
                authority.number,
                items.ecosystem_name,
                self.services.queries.authority_total(authority.number),
                True,
                *items.profile_of(authority.number),
            )
            for authority in items.authorities.all()
            if authority.profile
        ]


class ProfileBalanceController(Controller):
    path = "/api/v1/profiles/{profile_id:int}/balance"
    parameters = AS_OF
    tags = ["certificate manager: profiles"]
    services: ClassVar[AllocationServices]

    @classmethod
    def bound_to(cls, services: AllocationServices) -> type["ProfileBalanceController"]:
        return type(cls.__name__, (cls,), {"services": services})

    @get(
        "/",
        sync_to_thread=False,
        summary="What the signed-in user's organization may still issue with the profile",
    )
    def balance(self, profile_id: Number, actor: ActorDep) -> int:
        standing, found = self.services.queries.own(actor)
        if not standing.organization or not standing.uses_profile(profile_id):
            raise NotFound("profile not found", field="profileId")
        items = self.services.items
        return sum(
            view.available for view in found if items.profile_of(view.authority)[0] == profile_id
        )


class DeviceCounts(Struct):
    ordered: int
    issued: int


class DevicesController(Controller):
    path = "/api/v1/devices"
    parameters = AS_OF
    tags = ["certificate manager: devices"]
    services: ClassVar[AllocationServices]

    @classmethod
    def bound_to(cls, services: AllocationServices) -> type["DevicesController"]:
        return type(cls.__name__, (cls,), {"services": services})

    @get(
        "/",
        sync_to_thread=False,
        summary="Certificates the signed-in user's organization ordered (issued or held by "
        "batches) and issued, over all its authorities (an admin: the ecosystem's)",
    )
    def counts(self, actor: ActorDep) -> DeviceCounts:
        """An admin outside organizations counts the whole ecosystem's."""
        standing, found = self.services.queries.own(actor, enabled_only=False)
        if not standing.organization:
            totals = self.services.items.ecosystems.totals()
            return DeviceCounts(totals.used + totals.reserved, totals.used)
        issued = sum(view.used for view in found)
        return DeviceCounts(issued + sum(view.reserved for view in found), issued)


class AuthorityProfileController(Controller):
    path = "/api/v1/users/profiles"
    parameters = AS_OF
    tags = ["certificate manager: users"]
    services: ClassVar[AllocationServices]

    @classmethod
    def bound_to(cls, services: AllocationServices) -> type["AuthorityProfileController"]:
        return type(cls.__name__, (cls,), {"services": services})

    @get(
        "/",
        sync_to_thread=False,
        summary="The profile of an authority the signed-in user may issue with",
    )
    def allowed_profile(
        self,
        actor: ActorDep,
        authority_id: Annotated[
            int, QueryParameter(name="authorityId", ge=0, le=2**53, description="an authority")
        ],
    ) -> ProfileItem:
        items = self.services.items
        standing, found = self.services.queries.own(actor)
        granted = standing.admin or any(view.authority == authority_id for view in found)
        profile, _ = items.profile_of(authority_id)
        view = items.profiles.get(profile) if granted and standing.uses_profile(profile) else None
        if view is None:
            raise NotFound("authority not found", field="authorityId")
        return ProfileItem(view.number, [view.key_algorithm], view.name)
