"""The certificate manager's User API (`/api/v1/users`): its users are FleetID users, known
there by number, with contact details and privileges (application/member_rules.py says who
may do what)."""

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

from litestar import Controller, MediaType, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter

from application.authorization import Actor
from application.members import MemberCommands, MemberQueries, NewMember
from application.ports.members import MemberView
from application.ports.organizations import OrganizationViews
from application.throttling import Throttle
from application.users import UserCommands
from domain.causes import Interface
from domain.errors import InvalidValue, Unauthenticated
from domain.memberships import MemberRole
from interfaces.rest.as_of import AS_OF
from interfaces.rest.client_address import client_address
from interfaces.rest.member_schemas import (
    ContactBody,
    EmailBody,
    MemberResponse,
    MemberUpdate,
    NewMemberBody,
    PasswordChange,
    SearchBody,
)
from interfaces.rest.value_schemas import optional_number

Lookup = Annotated[str, QueryParameter(min_length=1, max_length=254, description="exact text")]

ActorDep = NamedDependency[Actor]
Number = Annotated[int, PathParameter(description="a number", ge=0, le=2**53)]
REST = Interface.REST


@dataclass(frozen=True)
class MemberServices:
    commands: MemberCommands
    queries: MemberQueries
    users: UserCommands
    organizations: OrganizationViews
    throttle: Throttle

    def answer(self, view: MemberView) -> MemberResponse:
        organization = view.membership.organization
        found = self.organizations.get(organization) if organization else None
        return MemberResponse.of(view, "" if found is None else found.name)


def _empty() -> Response[bytes]:
    return Response(b"", status_code=200, media_type=MediaType.TEXT)


class MembersController(Controller):
    path = "/api/v1/users"
    parameters = AS_OF
    tags = ["certificate manager: users"]
    services: ClassVar[MemberServices]

    @classmethod
    def bound_to(cls, services: MemberServices) -> type["MembersController"]:
        return type(cls.__name__, (cls,), {"services": services})

    @get("/", sync_to_thread=False, summary="The signed-in user")
    def current(self, actor: ActorDep) -> MemberResponse:
        return self.services.answer(self.services.queries.current(actor))

    @get("/{user_number:int}", sync_to_thread=False, summary="A user, by number")
    def get_member(
        self,
        user_number: Number,
        actor: ActorDep,
        organization_id: Annotated[
            int | None, optional_number("organizationId", "its organization")
        ] = None,
    ) -> MemberResponse:
        found = self.services.queries.get(actor, user_number, organization_id)
        return self.services.answer(found)

    @post(
        "/organizations/{organization_id:int}",
        status_code=200,
        summary="An organization's users, by number, found by login, name or e-mail",
    )
    async def of_organization(
        self,
        organization_id: Number,
        actor: ActorDep,
        data: JSONBody[SearchBody],
        role: Annotated[
            str | None,
            QueryParameter(
                description="user, org_admin or eco_admin, in any letter case",
                pattern="^(?i:user|org_admin|eco_admin)$",
            ),
        ] = None,
    ) -> list[MemberResponse]:
        wanted = None if role is None else MemberRole(role.upper())
        found = self.services.queries.of_organization(
            actor, organization_id, wanted, data.search_line
        )
        return [self.services.answer(view) for view in found]

    @put("/", status_code=200, summary="Create a user; answers its number")
    async def create(self, data: JSONBody[NewMemberBody], actor: ActorDep) -> int:
        new = NewMember(
            data.credentials.login, data.credentials.password, data.contact(), data.privileges()
        )
        return await self.services.commands.create(actor, new, REST)

    @put("/current", status_code=200, media_type=MediaType.TEXT, summary="Change own contact")
    async def update_current(self, data: JSONBody[ContactBody], actor: ActorDep) -> Response[bytes]:
        await self.services.commands.update_own(actor, data.contact(), REST)
        return _empty()

    @put("/update_email", status_code=200, media_type=MediaType.TEXT, summary="Change own e-mail")
    async def update_email(self, data: JSONBody[EmailBody], actor: ActorDep) -> Response[bytes]:
        await self.services.commands.update_own_email(actor, data.email, REST)
        return _empty()

    @put(
        "/credentials",
        status_code=200,
        summary="Change own password; false when the current one is wrong",
    )
    async def change_password(
        self, request: Request[Any, Any, Any], data: JSONBody[PasswordChange], actor: ActorDep
    ) -> bool:
        if data.new_password != data.repeated_new_password:
            raise InvalidValue("the repeated password differs", field="repeatedNewPassword")
        try:
            with self.services.throttle.guarding(client_address(request), str(actor.id)):
                await self.services.users.change_secret(
                    actor, data.current_password, data.new_password, REST
                )
        except Unauthenticated:
            return False
        return True

    @put(
        "/{user_number:int}",
        status_code=200,
        media_type=MediaType.TEXT,
        summary="Change a user's contact and privileges",
    )
    async def update(
        self, user_number: Number, data: JSONBody[MemberUpdate], actor: ActorDep
    ) -> Response[bytes]:
        privileges = [body.privilege() for body in data.user_privileges]
        await self.services.commands.update(actor, user_number, data.contact(), privileges, REST)
        return _empty()

    @get("/check_email", sync_to_thread=False, summary="Whether a user has this e-mail")
    def check_email(self, actor: ActorDep, email: Lookup) -> bool:
        return self.services.queries.email_taken(actor, email)

    @get("/check_user", sync_to_thread=False, summary="Whether a user signs in with this login")
    def check_user(self, actor: ActorDep, username: Lookup) -> bool:
        return self.services.commands.login_taken(actor, username)

    @get(
        "/remove_user",
        media_type=MediaType.TEXT,
        summary="Remove a user: it leaves the certificate manager and its account is disabled",
    )
    async def remove_user(
        self,
        actor: ActorDep,
        user_id: Annotated[
            int, QueryParameter(name="userId", description="its number", ge=0, le=2**53)
        ],
    ) -> Response[bytes]:
        await self.services.commands.remove(actor, user_id, REST)
        return _empty()
