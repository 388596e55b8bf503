"""Reading telemetry back: a thing with m_read on the channel, or a user who may read it."""

from application.authorization import Actor
from application.ports import (
    BlindIndex,
    ChannelViews,
    ConnectionViews,
    GroupViews,
    MessageFilter,
    MessagePage,
    MessageViews,
)
from application.things import secret_lookup
from domain.errors import Forbidden, NotFound, Unauthenticated


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

    def page_for_thing(self, secret: str, query: MessageFilter) -> MessagePage:
        """401 for an unknown or disabled secret; 403 unless connected with m_read."""
        access = self._connections.channel_access(secret_lookup(self._blind, secret), query.channel)
        if access is None or not access.thing_enabled:
            raise Unauthenticated("unknown or disabled thing secret")
        if not access.permits("m_read"):
            raise Forbidden("this thing may not read this channel (m_read)")
        return self._messages.page(query)

    def page_for_user(self, actor: Actor, query: MessageFilter) -> MessagePage:
        """Admins, the channel's owner and its members with m_read; other members get 403,
        anyone else 404 (the channel is not theirs to know of)."""
        channel = self._channels.get(query.channel)
        if channel is None:
            raise NotFound("channel not found", field="id")
        if not (actor.is_admin or channel.owner == actor.id):
            held = self._memberships.member_actions(actor.id, channel.id)
            if not held:
                raise NotFound("channel not found", field="id")
            if "m_read" not in held:
                raise Forbidden("reading this channel's messages needs m_read")
        return self._messages.page(query)
