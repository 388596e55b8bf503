"""Reading telemetry back: a thing with m_read on the channel, or a user who may read it.

Only the `reader_for_*` methods hand out a `ChannelMessages`, so every read is authorized for
the channel it reads.
"""

from dataclasses import replace
from uuid import UUID

from application.authorization import Actor
from application.ports.channels import ChannelViews
from application.ports.connections import ConnectionViews
from application.ports.groups import GroupViews
from application.ports.messages import (
    AggregatePage,
    Aggregation,
    MessageFilter,
    MessagePage,
    MessageViews,
)
from application.ports.security import BlindIndex
from application.things import secret_lookup
from domain.errors import Forbidden, NotFound, Unauthenticated
from domain.policies import READ


class ChannelMessages:
    """One channel's messages, for a reader found allowed to read them."""

    def __init__(self, views: MessageViews, channel: UUID) -> None:
        self._views = views
        self._channel = channel

    def page(self, query: MessageFilter) -> MessagePage:
        return self._views.page(replace(query, channel=self._channel))

    def aggregate(
        self, query: MessageFilter, function: Aggregation, interval: float
    ) -> AggregatePage:
        return self._views.aggregate(replace(query, channel=self._channel), function, interval)


class MessageQueries:
    def __init__(
        self,
        messages: MessageViews,
        connections: ConnectionViews,
        channels: ChannelViews,
        memberships: GroupViews,
        blind: BlindIndex,
    ) -> None:
        self._messages = messages
        self._connections = connections
        self._channels = channels
        self._memberships = memberships
        self._blind = blind

    def reader_for_thing(self, secret: str, channel_id: UUID) -> ChannelMessages:
        """401 for an unknown or disabled secret; 403 unless connected with m_read."""
        access = self._connections.channel_access(secret_lookup(self._blind, secret), channel_id)
        if access is None or not access.thing_enabled:
            raise Unauthenticated("unknown or disabled thing secret")
        if not access.permits(READ):
            raise Forbidden("this thing may not read this channel (m_read)")
        return ChannelMessages(self._messages, channel_id)

    def reader_for_user(self, actor: Actor, channel_id: UUID) -> ChannelMessages:
        """Admins, the channel's owner and its members with m_read; other members get 403,
        anyone else 404 (the channel is not theirs to know of)."""
        channel = self._channels.get(channel_id)
        if channel is None:
            raise NotFound("channel not found", field="id")
        if not (actor.is_admin or channel.owner == actor.id):
            held = self._memberships.member_actions(actor.id, channel.id)
            if not held:
                raise NotFound("channel not found", field="id")
            if READ not in held:
                raise Forbidden("reading this channel's messages needs m_read")
        return ChannelMessages(self._messages, channel_id)
