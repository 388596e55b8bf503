"""Group commands: form, update, enable, disable; and memberships (a user's policy on a group).

Who may do what to a group: admins and its owner everything; a member what its actions allow
(`g_update` update, `g_delete` enable/disable and remove members, `g_add` add members and change
their actions). The rules read the write model: the member's Policy aggregate.

A member grants only what it holds (and `LIST_ACTION`), or `g_add` alone would let it hand
itself or a friend every other right on the owner's group or channel.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from application.authorization import Actor
from application.connections import policy_view
from application.consistency import run_command
from application.ports.groups import GroupView
from application.ports.policies import PolicyView
from application.ports.storage import AggregateReader, EventWriter, ReadModelSync
from domain.causes import Cause, Interface
from domain.channels import Channel
from domain.errors import Forbidden, NotFound
from domain.groups import Group
from domain.policies import Kind, Policy, check_actions
from domain.switchable import Status
from domain.users import User

LIST_ACTION = "g_list"
"""What the Magistrala API adds to every grant: a member may grant it without holding it."""


@dataclass(frozen=True)
class NewGroup:
    name: str = ""
    description: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    parent: UUID | None = None
    status: Status = Status.ENABLED


def view_of(group: Group) -> GroupView:
    return GroupView(
        id=group.id,
        name=group.name,
        description=group.description,
        metadata=dict(group.metadata),
        owner=group.owner,
        parent=group.parent,
        path=group.path,
        level=group.level,
        status=group.status.value,
        created_at=group.created_on,
        updated_at=group.modified_on if group.version > 1 else None,
        updated_by=group.updated_by,
    )


class GroupCommands:
    def __init__(self, reader: AggregateReader, writer: EventWriter, sync: ReadModelSync) -> None:
        self._reader = reader
        self._writer = writer
        self._sync = sync

    async def form(self, actor: Actor, new: NewGroup, via: Interface) -> GroupView:
        """A child needs the right to add to its parent: owner, admin or `g_add` there."""

        def command() -> tuple[GroupView, list[Aggregate]]:
            cause = actor.cause(via)
            parent = None
            if new.parent is not None:
                parent = self._group(new.parent, actor, field="parent_id")
                self._require(actor, parent, "g_add", "add a group below this one")
            group = Group.form(
                id=uuid4(),
                name=new.name,
                description=new.description,
                metadata=new.metadata,
                owner=actor.id,
                parent=parent,
                cause=cause,
            )
            if new.status is Status.DISABLED:
                group.disable(cause)
            return view_of(group), [group]

        return await run_command(self._writer, self._sync, command)

    async def update(
        self,
        actor: Actor,
        group_id: UUID,
        via: Interface,
        *,
        name: str | None,
        description: str | None,
        metadata: dict[str, Any] | None,
    ) -> GroupView:
        def change(group: Group, cause: Cause) -> None:
            self._require(actor, group, "g_update", "update this group")
            group.update(name, description, metadata, cause)

        return await self._change(actor, group_id, via, change)

    async def enable(self, actor: Actor, group_id: UUID, via: Interface) -> GroupView:
        def change(group: Group, cause: Cause) -> None:
            self._require(actor, group, "g_delete", "enable this group")
            group.enable(cause)

        return await self._change(actor, group_id, via, change)

    async def disable(self, actor: Actor, group_id: UUID, via: Interface) -> GroupView:
        def change(group: Group, cause: Cause) -> None:
            self._require(actor, group, "g_delete", "disable this group")
            group.disable(cause)

        return await self._change(actor, group_id, via, change)

    async def assign(
        self, actor: Actor, user_id: UUID, group_id: UUID, actions: Sequence[str], via: Interface
    ) -> PolicyView:
        """Make a user a member with `actions` (or give a member exactly these actions). The
        object is a group or a channel: channel members hold `c_*` actions over the things
        connected to it, and `c_share` lets a member share the channel with other users."""
        wanted = check_actions(actions)

        def command() -> tuple[PolicyView, list[Aggregate]]:
            group = self._container(group_id, actor, field="object")
            held = self._actions(actor, group)
            if not (isinstance(group, Channel) and "c_share" in held):
                self._require(actor, group, "g_add", "add members to this group")
            require_grantable(actor, group, held, wanted)
            user = self._reader.get(user_id)
            if not isinstance(user, User) or user.is_erased:
                raise NotFound("user not found", field="subject")
            cause = actor.cause(via)
            policy = self._reader.get(Policy.id_for(user_id, group_id))
            if isinstance(policy, Policy):
                if policy.active:
                    require_grantable(actor, group, held, policy.actions, changing=True)
                policy.allow(wanted, actor.id, cause)
            else:
                policy = Policy.grant(
                    subject=user_id,
                    subject_kind=Kind.USER,
                    object=group_id,
                    object_kind=Kind.GROUP if isinstance(group, Group) else Kind.CHANNEL,
                    actions=wanted,
                    owner=actor.id,
                    cause=cause,
                )
            return policy_view(policy), [policy]

        return await run_command(self._writer, self._sync, command)

    async def change_member(
        self, actor: Actor, user_id: UUID, group_id: UUID, actions: Sequence[str], via: Interface
    ) -> None:
        wanted = check_actions(actions)

        def change(group: Group | Channel, policy: Policy, cause: Cause) -> None:
            held = self._actions(actor, group)
            require_grantable(actor, group, held, policy.actions, changing=True)
            require_grantable(actor, group, held, wanted)
            policy.change_actions(wanted, cause)

        await self._membership(actor, user_id, group_id, via, "g_add", change)

    async def unassign(self, actor: Actor, user_id: UUID, group_id: UUID, via: Interface) -> None:
        await self._membership(
            actor, user_id, group_id, via, "g_delete", lambda _, policy, cause: policy.revoke(cause)
        )

    async def _membership(
        self,
        actor: Actor,
        user_id: UUID,
        group_id: UUID,
        via: Interface,
        action: str,
        change: Callable[[Group | Channel, Policy, Cause], None],
    ) -> None:
        def command() -> tuple[None, list[Aggregate]]:
            group = self._container(group_id, actor, field="object")
            self._require(actor, group, action, "change the members of this group")
            policy = self._reader.get(Policy.id_for(user_id, group_id))
            if not isinstance(policy, Policy) or not policy.active:
                raise NotFound("the user is not a member of the group", field="subject")
            change(group, policy, actor.cause(via))
            return None, [policy]

        await run_command(self._writer, self._sync, command)

    async def _change(
        self, actor: Actor, group_id: UUID, via: Interface, change: Callable[[Group, Cause], None]
    ) -> GroupView:
        def command() -> tuple[GroupView, list[Aggregate]]:
            group = self._group(group_id, actor, field="id")
            change(group, actor.cause(via))
            return view_of(group), [group]

        return await run_command(self._writer, self._sync, command)

    def _group(self, group_id: UUID, actor: Actor, *, field: str) -> Group:
        return visible_group(self._reader, actor, group_id, field=field)

    def _container(self, object_id: UUID, actor: Actor, *, field: str) -> Group | Channel:
        """A group, or a channel (Magistrala's channels are groups of things)."""
        channel = self._reader.get(object_id)
        if isinstance(channel, Channel) and (
            actor.is_admin or channel.owner == actor.id or self._actions(actor, channel)
        ):
            return channel
        return self._group(object_id, actor, field=field)

    def _require(self, actor: Actor, group: Group | Channel, action: str, doing: str) -> None:
        require_right(self._reader, actor, group, action, doing)

    def _actions(self, actor: Actor, group: Group | Channel) -> list[str]:
        return held_actions(self._reader, actor, group)


def held_actions(reader: AggregateReader, actor: Actor, group: Group | Channel) -> list[str]:
    """The actions the actor's membership of a group or channel grants (none if not a member)."""
    policy = reader.get(Policy.id_for(actor.id, group.id))
    return list(policy.actions) if isinstance(policy, Policy) and policy.active else []


def require_grantable(
    actor: Actor,
    group: Group | Channel,
    held: Sequence[str],
    actions: Sequence[str],
    *,
    changing: bool = False,
) -> None:
    """Owners and admins grant anything; a member only what it holds itself, and LIST_ACTION.
    `changing`: `actions` are what a membership holds now, for a member may not take from
    another a right it could not have granted either."""
    if actor.is_admin or group.owner == actor.id:
        return
    beyond = ", ".join(a for a in actions if a not in held and a != LIST_ACTION)
    if beyond and changing:
        raise Forbidden(f"the membership holds actions the caller does not: {beyond}")
    if beyond:
        raise Forbidden(
            f"a member may only grant the actions it holds, not {beyond}", field="actions"
        )


def require_right(
    reader: AggregateReader, actor: Actor, group: Group | Channel, action: str, doing: str
) -> None:
    if actor.is_admin or group.owner == actor.id or action in held_actions(reader, actor, group):
        return
    raise Forbidden(f"only an admin, the owner or a member with {action} may {doing}")


def visible_group(reader: AggregateReader, actor: Actor, group_id: UUID, *, field: str) -> Group:
    """The group, if the actor may see it (admin, owner, member); else NotFound."""
    group = reader.get(group_id)
    if isinstance(group, Group) and (
        actor.is_admin or group.owner == actor.id or held_actions(reader, actor, group)
    ):
        return group
    raise NotFound("group not found", field=field)
