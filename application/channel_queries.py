"""Channel queries: read models only, filtered by what the caller may see."""

from dataclasses import replace
from uuid import UUID

from application.authorization import Actor, require_entity_access
from application.ports import ChannelFilter, ChannelPage, ChannelView, ChannelViews
from domain.errors import NotFound


class ChannelQueries:
    def __init__(self, views: ChannelViews) -> None:
        self._views = views

    def get(self, actor: Actor, channel_id: UUID) -> ChannelView:
        channel = self._views.get(channel_id)
        if channel is None:
            raise NotFound("channel not found", field="id")
        require_entity_access(actor, channel.owner, "channel")
        return channel

    def page(self, actor: Actor, query: ChannelFilter) -> ChannelPage:
        """Admins list every channel (or, asking for `owner`, theirs); others list their own."""
        if not actor.is_admin:
            query = replace(query, owner=actor.id)
        return self._views.page(query)
