"""Users and tokens endpoints (`/users`, `/users/tokens/*`)."""

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter
from msgspec import UNSET

from application.authorization import Actor
from application.ports.users import UserFilter
from application.sessions import Sessions
from application.throttling import Throttle
from application.user_queries import UserQueries
from application.users import NewUser, UserCommands
from domain.causes import Interface
from domain.errors import InvalidValue, Unauthenticated
from domain.switchable import Status
from domain.users import Role
from interfaces.rest.as_of import AS_OF
from interfaces.rest.client_address import client_address
from interfaces.rest.json_bodies import EMPTY_IS_ABSENT
from interfaces.rest.paging import Limit, Offset
from interfaces.rest.user_schemas import (
    ChangeSecret,
    CreateUser,
    IssueToken,
    SearchText,
    TokenResponse,
    UpdateIdentity,
    UpdateOwner,
    UpdateTags,
    UpdateUser,
    UserPageResponse,
    UserResponse,
    parse_metadata_filter,
)

REST = Interface.REST
UserId = Annotated[UUID, PathParameter(description="user id")]
ActorDep = NamedDependency[Actor]


@dataclass(frozen=True)
class UserServices:
    commands: UserCommands
    queries: UserQueries
    sessions: Sessions
    throttle: Throttle
    self_registration: bool


class UsersController(Controller):
    """Reads and commands run on the event loop: reads are short indexed queries on prepared
    statements (a page is at most 100 rows), and commands await their group commit without
    holding a thread. Handing reads to threads measured 3x slower: the threads only contend for
    the GIL. Sign-in (password hashing) and token refresh run in handler threads.

    The services are bound to the class (`bound_to`) rather than injected per request: the
    caller is then a handler's only dependency, which Litestar resolves without a task group."""

    path = "/users"
    parameters = AS_OF
    tags = ["users"]
    opt = EMPTY_IS_ABSENT
    services: ClassVar[UserServices]

    @classmethod
    def bound_to(cls, services: UserServices) -> type["UsersController"]:
        return type(cls.__name__, (cls,), {"services": services})

    @post("/", summary="Create a user (self-registration without a token)")
    async def create(
        self,
        data: JSONBody[CreateUser],
        optional_actor: NamedDependency[Actor | None],
    ) -> Response[UserResponse]:
        if optional_actor is None and not self.services.self_registration:
            raise Unauthenticated("self-registration is disabled; sign in to create users")
        new = NewUser(
            identity=data.credentials.identity,
            secret=data.credentials.secret,
            name=data.name,
            tags=data.tags,
            metadata=data.metadata,
            role=Role(data.role),
            status=Status(data.status),
        )
        try:
            view = await self.services.commands.register(new, optional_actor, REST)
        except InvalidValue as error:
            if error.field in ("identity", "secret"):
                error.field = f"credentials.{error.field}"
            raise
        return Response(
            UserResponse.of(view),
            status_code=201,
            headers={"Location": f"/users/{view.id}", "Access-Control-Expose-Headers": "Location"},
        )

    @post("/tokens/issue", sync_to_thread=True, summary="Sign in: issue access and refresh tokens")
    def issue_token(
        self, request: Request[Any, Any, Any], data: JSONBody[IssueToken]
    ) -> Response[TokenResponse]:
        with self.services.throttle.guarding(client_address(request), data.identity):
            pair = self.services.sessions.issue(data.identity, data.secret)
        return Response(TokenResponse.of(pair), status_code=201)

    @post("/tokens/refresh", sync_to_thread=True, summary="Trade a refresh token for new tokens")
    def refresh_token(self, request_token: NamedDependency[str | None]) -> Response[TokenResponse]:
        if request_token is None:
            raise Unauthenticated("missing bearer refresh token")
        return Response(
            TokenResponse.of(self.services.sessions.refresh(request_token)), status_code=201
        )

    @get("/profile", sync_to_thread=False, summary="The signed-in user")
    def profile(self, actor: ActorDep) -> UserResponse:
        return UserResponse.of(self.services.queries.get(actor, actor.id))

    @get("/{user_id:uuid}", sync_to_thread=False, summary="A user by id")
    def get_user(self, user_id: UserId, actor: ActorDep) -> UserResponse:
        return UserResponse.of(self.services.queries.get(actor, user_id))

    @get("/", sync_to_thread=False, summary="List users (admins: all; others: self and owned)")
    def list_users(
        self,
        actor: ActorDep,
        offset: Offset = 0,
        limit: Limit = 10,
        name: SearchText = None,
        identity: SearchText = None,
        tag: SearchText = None,
        status: FromQuery[Literal["enabled", "disabled", "all"]] = "enabled",
        metadata: Annotated[str | None, QueryParameter(description="JSON object to match")] = None,
        owner_id: Annotated[UUID | None, QueryParameter(description="only users it owns")] = None,
    ) -> UserPageResponse:
        query = UserFilter(
            offset=offset,
            limit=limit,
            name=name,
            identity=identity,
            tag=tag,
            status=status,
            metadata=parse_metadata_filter(metadata),
            owner=owner_id,
        )
        return UserPageResponse.of(self.services.queries.page(actor, query))

    @patch("/{user_id:uuid}", summary="Update name and/or metadata")
    async def update(
        self, user_id: UserId, data: JSONBody[UpdateUser], actor: ActorDep
    ) -> UserResponse:
        view = await self.services.commands.update(
            actor,
            user_id,
            REST,
            name=None if data.name is UNSET else data.name,
            metadata=None if data.metadata is UNSET else data.metadata,
        )
        return UserResponse.of(view)

    @patch("/{user_id:uuid}/tags", summary="Replace tags")
    async def update_tags(
        self, user_id: UserId, data: JSONBody[UpdateTags], actor: ActorDep
    ) -> UserResponse:
        return UserResponse.of(
            await self.services.commands.replace_tags(actor, user_id, data.tags, REST)
        )

    @patch("/{user_id:uuid}/owner", summary="Change owner")
    async def update_owner(
        self, user_id: UserId, data: JSONBody[UpdateOwner], actor: ActorDep
    ) -> UserResponse:
        return UserResponse.of(
            await self.services.commands.change_owner(actor, user_id, data.owner, REST)
        )

    @patch("/{user_id:uuid}/identity", summary="Change identity")
    async def update_identity(
        self,
        user_id: UserId,
        data: JSONBody[UpdateIdentity],
        actor: ActorDep,
    ) -> UserResponse:
        view = await self.services.commands.change_identity(actor, user_id, data.identity, REST)
        return UserResponse.of(view)

    @patch("/secret", summary="Change the signed-in user's secret")
    async def change_secret(self, data: JSONBody[ChangeSecret], actor: ActorDep) -> UserResponse:
        view = await self.services.commands.change_secret(
            actor, data.old_secret, data.new_secret, REST
        )
        return UserResponse.of(view)

    @post("/{user_id:uuid}/enable", status_code=200, summary="Enable")
    async def enable(self, user_id: UserId, actor: ActorDep) -> UserResponse:
        return UserResponse.of(await self.services.commands.enable(actor, user_id, REST))

    @post("/{user_id:uuid}/disable", status_code=200, summary="Disable")
    async def disable(self, user_id: UserId, actor: ActorDep) -> UserResponse:
        return UserResponse.of(await self.services.commands.disable(actor, user_id, REST))
