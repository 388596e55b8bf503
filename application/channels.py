"""Channel commands: open (one or many, all or nothing), update, enable and disable."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from application.authorization import Actor, require_entity_owner
from application.bulk import check_size, entry
from application.consistency import run_command
from application.groups import held_actions, require_right, visible_group
from application.ports.channels import ChannelView
from application.ports.storage import AggregateReader, EventWriter, ReadModelSync
from domain.causes import Cause, Interface
from domain.channels import Channel
from domain.errors import Conflict, NotFound
from domain.switchable import Status


class ChannelExists(Conflict):
    reason = "channel_exists"


@dataclass(frozen=True)
class NewChannel:
    id: UUID | None = None
    name: str = ""
    description: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    status: Status = Status.ENABLED
    parent: UUID | None = None
    """A group to open the channel in: the actor needs g_add there (or to own it, or admin)."""


def view_of(channel: Channel) -> ChannelView:
    return ChannelView(
        id=channel.id,
        name=channel.name,
        description=channel.description,
        metadata=dict(channel.metadata),
        owner=channel.owner,
        parent=channel.parent,
        status=channel.status.value,
        created_at=channel.created_on,
        updated_at=channel.modified_on if channel.version > 1 else None,
        updated_by=channel.updated_by,
    )


class ChannelCommands:
    def __init__(self, reader: AggregateReader, writer: EventWriter, sync: ReadModelSync) -> None:
        self._reader = reader
        self._writer = writer
        self._sync = sync

    async def open(self, actor: Actor, new: NewChannel, via: Interface) -> ChannelView:
        return (await self._open(actor, [new], via, bulk=False))[0]

    async def open_many(
        self, actor: Actor, batch: Sequence[NewChannel], via: Interface
    ) -> list[ChannelView]:
        """All or nothing; the first bad entry is named by index (`[2].id`)."""
        check_size(batch, "channels")
        return await self._open(actor, batch, via, bulk=True)

    async def update(
        self,
        actor: Actor,
        channel_id: UUID,
        via: Interface,
        *,
        name: str | None,
        description: str | None,
        metadata: dict[str, Any] | None,
    ) -> ChannelView:
        def change(channel: Channel, cause: Cause) -> None:
            channel.update(name, description, metadata, cause)

        return await self._change(actor, channel_id, via, change)

    async def enable(self, actor: Actor, channel_id: UUID, via: Interface) -> ChannelView:
        return await self._change(actor, channel_id, via, lambda c, cause: c.enable(cause))

    async def disable(self, actor: Actor, channel_id: UUID, via: Interface) -> ChannelView:
        return await self._change(actor, channel_id, via, lambda c, cause: c.disable(cause))

    async def _open(
        self, actor: Actor, batch: Sequence[NewChannel], via: Interface, *, bulk: bool
    ) -> list[ChannelView]:
        cause = actor.cause(via)
        ids = [new.id or uuid4() for new in batch]
        for index, channel_id in enumerate(ids):
            if channel_id in ids[:index]:
                where = f"[{index}]." if bulk else ""
                raise ChannelExists("the id is repeated in this request", field=f"{where}id")

        def command() -> tuple[list[ChannelView], list[Aggregate]]:
            channels: list[Channel] = []
            for index, (channel_id, new) in enumerate(zip(ids, batch, strict=True)):
                with entry(index if bulk else None):
                    channels.append(self._new_channel(channel_id, new, actor, cause))
            return [view_of(c) for c in channels], list(channels)

        return await run_command(self._writer, self._sync, command)

    def _new_channel(
        self, channel_id: UUID, new: NewChannel, actor: Actor, cause: Cause
    ) -> Channel:
        if self._reader.get(channel_id) is not None:
            raise ChannelExists("an entity with this id already exists", field="id")
        if new.parent is not None:
            group = visible_group(self._reader, actor, new.parent, field="parent_id")
            require_right(self._reader, actor, group, "g_add", "open a channel in this group")
        channel = Channel.open(
            id=channel_id,
            name=new.name,
            description=new.description,
            metadata=new.metadata,
            owner=actor.id,
            cause=cause,
            parent=new.parent,
        )
        if new.status is Status.DISABLED:
            channel.disable(cause)
        return channel

    async def _change(
        self,
        actor: Actor,
        channel_id: UUID,
        via: Interface,
        change: Callable[[Channel, Cause], None],
    ) -> ChannelView:
        def command() -> tuple[ChannelView, list[Aggregate]]:
            channel = self._reader.get(channel_id)
            if not isinstance(channel, Channel):
                raise NotFound("channel not found", field="id")
            require_entity_owner(
                actor,
                channel.owner,
                "channel",
                lambda: bool(held_actions(self._reader, actor, channel)),
            )
            change(channel, actor.cause(via))
            return view_of(channel), [channel]

        return await run_command(self._writer, self._sync, command)
