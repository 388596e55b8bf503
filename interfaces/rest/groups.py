"""Groups (`/groups`), their members and the users' policies on them (`/users/policies`)."""

from dataclasses import dataclass, replace
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from litestar import Controller, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter
from msgspec import UNSET, Struct

from application.authorization import Actor
from application.group_queries import GroupQueries
from application.groups import GroupCommands, NewGroup
from application.policy_queries import PolicyQueries
from application.ports.groups import GroupFilter
from application.ports.policies import PolicyFilter
from application.ports.users import UserFilter
from domain.causes import Interface
from domain.switchable import Status
from interfaces.rest.as_of import AS_OF
from interfaces.rest.group_schemas import (
    CreateGroup,
    GroupPageResponse,
    GroupResponse,
    MembershipsResponse,
    MembersResponse,
    UpdateGroup,
)
from interfaces.rest.json_bodies import EMPTY_IS_ABSENT
from interfaces.rest.paging import Limit, Offset
from interfaces.rest.policy_schemas import (
    Action,
    Actions,
    Object,
    Owner,
    PolicyPageResponse,
    PolicyResponse,
    Subject,
)
from interfaces.rest.query_rules import OwnerAlias, ParentAlias, either
from interfaces.rest.user_schemas import SearchText, UserPageResponse, parse_metadata_filter

REST = Interface.REST
GroupId = Annotated[UUID, PathParameter(description="group id")]
ActorDep = NamedDependency[Actor]
StatusFilter = FromQuery[Literal["enabled", "disabled", "all"]]
Metadata = Annotated[str | None, QueryParameter(description="JSON object to match")]


class UserPolicy(Struct):
    subject: UUID
    object: UUID
    actions: Actions


@dataclass(frozen=True)
class GroupServices:
    commands: GroupCommands
    queries: GroupQueries
    policies: PolicyQueries


class GroupsController(Controller):
    path = "/groups"
    parameters = AS_OF
    tags = ["groups"]
    opt = EMPTY_IS_ABSENT
    services: ClassVar[GroupServices]

    @classmethod
    def bound_to(cls, services: GroupServices) -> type["GroupsController"]:
        return type(cls.__name__, (cls,), {"services": services})

    @post("/", summary="Create a group (below an existing parent, optionally)")
    async def create(self, data: JSONBody[CreateGroup], actor: ActorDep) -> Response[GroupResponse]:
        new = NewGroup(
            name=data.name,
            description=data.description,
            metadata=data.metadata,
            parent=None if data.parent_id is UNSET else data.parent_id,
            status=Status(data.status),
        )
        view = await self.services.commands.form(actor, new, REST)
        return Response(
            GroupResponse.of(view),
            status_code=201,
            headers={"Location": f"/groups/{view.id}", "Access-Control-Expose-Headers": "Location"},
        )

    @get("/{group_id:uuid}", sync_to_thread=False, summary="A group by id")
    def get_group(self, group_id: GroupId, actor: ActorDep) -> GroupResponse:
        return GroupResponse.of(self.services.queries.get(actor, group_id))

    @get("/", sync_to_thread=False, summary="List groups (admins: all; others: owned or joined)")
    def list_groups(
        self,
        actor: ActorDep,
        offset: Offset = 0,
        limit: Limit = 10,
        name: SearchText = None,
        status: StatusFilter = "enabled",
        metadata: Metadata = None,
        parent_id: Annotated[UUID | None, QueryParameter(name="parentID")] = None,
        owner_id: Annotated[UUID | None, QueryParameter(name="ownerID")] = None,
        owner_alias: OwnerAlias = None,
        parent_alias: ParentAlias = None,
        tree: FromQuery[bool] = False,
        dir: Annotated[  # the seed's name for it
            Literal[-1, 1] | None,
            QueryParameter(
                description="with parentID: 1 every group below it, -1 every group above it "
                "(without parentID it has nothing to apply to and is ignored)"
            ),
        ] = None,
    ) -> GroupPageResponse:
        owner_id = either(owner_id, owner_alias, "ownerID")
        parent_id = either(parent_id, parent_alias, "parentID")
        query = GroupFilter(
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
            return GroupPageResponse.of(queries.page(actor, query), tree=tree)
        query = replace(query, excluded=parent_id)
        found = (queries.children if dir == 1 else queries.parents)(actor, parent_id, query)
        return GroupPageResponse.of(found, tree=tree)

    @get("/{group_id:uuid}/parents", sync_to_thread=False, summary="The group and its ancestors")
    def parents(
        self,
        group_id: GroupId,
        actor: ActorDep,
        offset: Offset = 0,
        limit: Limit = 10,
        status: StatusFilter = "all",
        tree: FromQuery[bool] = False,
    ) -> GroupPageResponse:
        query = GroupFilter(offset=offset, limit=limit, status=status)
        group = self.services.queries.get(actor, group_id)
        page = self.services.queries.parents(actor, group_id, query)
        return GroupPageResponse.of(page, relative_to=group, tree=tree)

    @get("/{group_id:uuid}/children", sync_to_thread=False, summary="The group and its subtree")
    def children(
        self,
        group_id: GroupId,
        actor: ActorDep,
        offset: Offset = 0,
        limit: Limit = 10,
        status: StatusFilter = "all",
        tree: FromQuery[bool] = False,
    ) -> GroupPageResponse:
        query = GroupFilter(offset=offset, limit=limit, status=status)
        group = self.services.queries.get(actor, group_id)
        page = self.services.queries.children(actor, group_id, query)
        return GroupPageResponse.of(page, relative_to=group, tree=tree)

    @put(
        "/{group_id:uuid}",
        summary="Change name, description and metadata; what is left out is kept",
    )
    async def update(
        self, group_id: GroupId, data: JSONBody[UpdateGroup], actor: ActorDep
    ) -> GroupResponse:
        view = await self.services.commands.update(
            actor,
            group_id,
            REST,
            name=None if data.name is UNSET else data.name,
            description=None if data.description is UNSET else data.description,
            metadata=None if data.metadata is UNSET else data.metadata,
        )
        return GroupResponse.of(view)

    @post("/{group_id:uuid}/enable", status_code=200, summary="Enable")
    async def enable(self, group_id: GroupId, actor: ActorDep) -> GroupResponse:
        return GroupResponse.of(await self.services.commands.enable(actor, group_id, REST))

    @post("/{group_id:uuid}/disable", status_code=200, summary="Disable")
    async def disable(self, group_id: GroupId, actor: ActorDep) -> GroupResponse:
        return GroupResponse.of(await self.services.commands.disable(actor, group_id, REST))

    @get("/{group_id:uuid}/members", sync_to_thread=False, summary="The users in a group")
    def members(
        self,
        group_id: GroupId,
        actor: ActorDep,
        offset: Offset = 0,
        limit: Limit = 10,
        name: SearchText = None,
        identity: SearchText = None,
        tag: SearchText = None,
        status: StatusFilter = "enabled",
        metadata: Metadata = None,
    ) -> MembersResponse:
        query = UserFilter(
            offset=offset,
            limit=limit,
            name=name,
            identity=identity,
            tag=tag,
            status=status,
            metadata=parse_metadata_filter(metadata),
        )
        page = UserPageResponse.of(self.services.queries.members(actor, group_id, query))
        return MembersResponse(page.limit, page.offset, page.total, page.users)


class MembershipsController(Controller):
    """A user's policies on groups (`/users/policies`) and its memberships."""

    tags = ["groups"]
    opt = EMPTY_IS_ABSENT
    parameters = AS_OF
    services: ClassVar[GroupServices]

    @classmethod
    def bound_to(cls, services: GroupServices) -> type["MembershipsController"]:
        return type(cls.__name__, (cls,), {"services": services})

    @post("/users/policies", summary="Assign a user to a group with actions")
    async def assign(self, data: JSONBody[UserPolicy], actor: ActorDep) -> Response[PolicyResponse]:
        view = await self.services.commands.assign(
            actor, data.subject, data.object, data.actions, REST
        )
        return Response(PolicyResponse.of(view), status_code=201)

    @get("/users/policies", sync_to_thread=False, summary="Policies of users on groups, channels")
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
        query = PolicyFilter("user", offset, limit, subject, object, action or None, owner)
        return PolicyPageResponse.of(self.services.policies.page(actor, query))

    @put("/users/policies", status_code=204, summary="Change a member's actions")
    async def change(self, data: JSONBody[UserPolicy], actor: ActorDep) -> None:
        await self.services.commands.change_member(
            actor, data.subject, data.object, data.actions, REST
        )

    @delete(
        "/users/policies/{subject:uuid}/{object_id:uuid}",
        status_code=204,
        summary="Unassign a user from a group",
    )
    async def unassign(
        self,
        subject: Annotated[UUID, PathParameter(description="user id")],
        object_id: Annotated[UUID, PathParameter(description="group id")],
        actor: ActorDep,
    ) -> None:
        await self.services.commands.unassign(actor, subject, object_id, REST)

    @get("/users/{user_id:uuid}/memberships", sync_to_thread=False, summary="A user's groups")
    def memberships(
        self,
        user_id: Annotated[UUID, PathParameter(description="user id")],
        actor: ActorDep,
        offset: Offset = 0,
        limit: Limit = 10,
        status: StatusFilter = "enabled",
    ) -> MembershipsResponse:
        query = GroupFilter(offset=offset, limit=limit, status=status)
        page = self.services.queries.memberships(actor, user_id, query)
        groups = [GroupResponse.of(g) for g in page.items]
        return MembershipsResponse(page.limit, page.offset, page.total, groups)
