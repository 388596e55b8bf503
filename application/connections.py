"""Connections: a thing's policy on a channel, granted, changed and revoked in bulk.

Connecting N things to M channels is one commit of N x M policies: all or nothing. Both ends
must exist, be the caller's own (or it an admin) and be enabled; an end the caller sees as a
member is refused with 403, one it may not see at all with 404. Access decisions read the read
model (`ConnectionQueries.check`); after a disconnect or a disable returns, the next check
denies.
"""

from collections.abc import Callable, Sequence
from functools import partial
from typing import Protocol
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.authorization import (
    CLIENT_ACTIONS,
    Actor,
    require_entity_owner,
)
from application.bulk import MAX_BULK
from application.consistency import run_command
from application.ports.connections import ConnectionViews
from application.ports.policies import PolicyView
from application.ports.security import BlindIndex
from application.ports.storage import AggregateReader, EventWriter, ReadModelSync
from application.things import secret_lookup
from domain.causes import Interface
from domain.channels import Channel
from domain.errors import Conflict, Forbidden, InvalidValue, NotFound
from domain.policies import CONNECTION_ACTIONS, Kind, Policy, check_actions
from domain.switchable import Status
from domain.things import Thing
from domain.users import User


class EntityDisabled(Conflict):
    reason = "entity_disabled"


def policy_view(policy: Policy) -> PolicyView:
    return PolicyView(
        subject=policy.subject,
        object=policy.object,
        actions=list(policy.actions),
        owner=policy.owner,
        created_at=policy.created_on,
        updated_at=policy.modified_on if policy.version > 1 else None,
        updated_by=policy.updated_by,
    )


class MemberChanges(Protocol):
    async def change_member(
        self, actor: Actor, user_id: UUID, group_id: UUID, actions: Sequence[str], via: Interface
    ) -> None: ...


class ConnectionCommands:
    def __init__(
        self,
        reader: AggregateReader,
        writer: EventWriter,
        sync: ReadModelSync,
        members: MemberChanges,
        rights: ConnectionViews,
    ) -> None:
        self._members = members
        self._rights = rights
        self._reader = reader
        self._writer = writer
        self._sync = sync

    async def connect(
        self,
        actor: Actor,
        things: Sequence[UUID],
        channels: Sequence[UUID],
        actions: Sequence[str] | None,
        via: Interface,
    ) -> list[PolicyView]:
        allowed = check_actions(CONNECTION_ACTIONS if actions is None else actions)
        pairs = _pairs(things, channels)

        def command() -> tuple[list[PolicyView], list[Aggregate]]:
            cause = actor.cause(via)
            self._usable(actor, things, channels)
            changed: list[Policy] = []
            for thing_id, channel_id in pairs:
                policy = self._reader.get(Policy.id_for(thing_id, channel_id))
                if isinstance(policy, Policy):
                    policy.allow(allowed, actor.id, cause)
                else:
                    policy = Policy.grant(
                        subject=thing_id,
                        subject_kind=Kind.THING,
                        object=channel_id,
                        object_kind=Kind.CHANNEL,
                        actions=allowed,
                        owner=actor.id,
                        cause=cause,
                    )
                changed.append(policy)
            return [policy_view(p) for p in changed], list(changed)

        return await run_command(self._writer, self._sync, command)

    async def disconnect(
        self,
        actor: Actor,
        things: Sequence[UUID],
        channels: Sequence[UUID],
        via: Interface,
        *,
        require_connected: bool = False,
    ) -> None:
        """Pairs that are not connected are skipped, unless `require_connected` (one pair)."""
        pairs = _pairs(things, channels)

        def command() -> tuple[None, list[Aggregate]]:
            cause = actor.cause(via)
            self._visible(actor, things, channels)
            revoked: list[Aggregate] = []
            for thing_id, channel_id in pairs:
                policy = self._reader.get(Policy.id_for(thing_id, channel_id))
                if isinstance(policy, Policy) and policy.active:
                    policy.revoke(cause)
                    revoked.append(policy)
                elif require_connected:
                    raise NotFound("the thing is not connected to the channel", field="object")
            return None, revoked

        await run_command(self._writer, self._sync, command)

    async def change_actions(
        self, actor: Actor, thing_id: UUID, channel_id: UUID, actions: Sequence[str], via: Interface
    ) -> None:
        """The subject is a thing (its connection changes) or a user (a member of the channel,
        changed under the membership rules)."""
        wanted = check_actions(actions)
        if isinstance(self._reader.get(thing_id), User):
            await self._members.change_member(actor, thing_id, channel_id, wanted, via)
            return

        def command() -> tuple[None, list[Aggregate]]:
            self._visible(actor, [thing_id], [channel_id])
            policy = self._reader.get(Policy.id_for(thing_id, channel_id))
            if not isinstance(policy, Policy) or not policy.active:
                raise NotFound("the thing is not connected to the channel", field="object")
            policy.change_actions(wanted, actor.cause(via))
            return None, [policy]

        await run_command(self._writer, self._sync, command)

    def _visible(
        self, actor: Actor, things: Sequence[UUID], channels: Sequence[UUID]
    ) -> tuple[list[Thing], list[Channel]]:
        found_things: list[Thing] = []
        for index, thing_id in enumerate(things):
            thing = self._reader.get(thing_id)
            if not isinstance(thing, Thing):
                raise NotFound("thing not found", field=f"subjects[{index}]")
            _require_owned(
                actor,
                thing.owner,
                "thing",
                f"subjects[{index}]",
                partial(self._may_see_thing, actor, thing_id),
            )
            found_things.append(thing)
        found_channels: list[Channel] = []
        for index, channel_id in enumerate(channels):
            channel = self._reader.get(channel_id)
            if not isinstance(channel, Channel):
                raise NotFound("channel not found", field=f"objects[{index}]")
            _require_owned(
                actor,
                channel.owner,
                "channel",
                f"objects[{index}]",
                partial(self._is_member, actor, channel_id),
            )
            found_channels.append(channel)
        return found_things, found_channels

    def _may_see_thing(self, actor: Actor, thing_id: UUID) -> bool:
        """A member of one of its channels with a `c_*` action sees the thing."""
        return bool(self._rights.thing_actions(actor.id, thing_id) & CLIENT_ACTIONS)

    def _is_member(self, actor: Actor, channel_id: UUID) -> bool:
        policy = self._reader.get(Policy.id_for(actor.id, channel_id))
        return isinstance(policy, Policy) and policy.active

    def _usable(self, actor: Actor, things: Sequence[UUID], channels: Sequence[UUID]) -> None:
        found_things, found_channels = self._visible(actor, things, channels)
        for index, thing in enumerate(found_things):
            if thing.status is not Status.ENABLED:
                raise EntityDisabled(
                    "a disabled thing cannot be connected", field=f"subjects[{index}]"
                )
        for index, channel in enumerate(found_channels):
            if channel.status is not Status.ENABLED:
                raise EntityDisabled(
                    "a disabled channel cannot be connected", field=f"objects[{index}]"
                )


def _require_owned(
    actor: Actor, owner: UUID | None, kind: str, field: str, is_member: Callable[[], bool]
) -> None:
    try:
        require_entity_owner(actor, owner, kind, is_member)
    except (Forbidden, NotFound) as error:
        error.field = field
        raise


class ConnectionQueries:
    def __init__(self, views: ConnectionViews, blind: BlindIndex) -> None:
        self._views = views
        self._blind = blind

    def check(self, secret: str, channel_id: UUID, action: str) -> UUID:
        """The id of the thing holding `secret`; Forbidden unless it may do `action` on the
        channel."""
        check_actions([action], field="action")
        access = self._views.channel_access(secret_lookup(self._blind, secret), channel_id)
        if access is None or not access.permits(action):
            raise Forbidden(f"no {action} access to this channel")
        return access.thing


def _pairs(things: Sequence[UUID], channels: Sequence[UUID]) -> list[tuple[UUID, UUID]]:
    if not things:
        raise InvalidValue("at least one thing is required", field="subjects")
    if not channels:
        raise InvalidValue("at least one channel is required", field="objects")
    pairs = list(dict.fromkeys((t, c) for t in things for c in channels))
    if len(pairs) > MAX_BULK:
        raise InvalidValue(f"at most {MAX_BULK} connections per request", field="subjects")
    return pairs
