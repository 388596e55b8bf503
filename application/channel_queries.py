"""Channel queries: read models only, filtered by what the caller may see."""

from dataclasses import replace
from uuid import UUID

from application.authorization import Actor
from application.ports import ChannelFilter, ChannelPage, ChannelView, ChannelViews, GroupViews
from domain.errors import NotFound


class ChannelQueries:
    def __init__(self, views: ChannelViews, memberships: GroupViews) -> None:
        self._views = views
        self._memberships = memberships

    def get(self, actor: Actor, channel_id: UUID) -> ChannelView:
        """Seen by admins, its owner and its members."""
        channel = self._views.get(channel_id)
        if channel is None or not (
            actor.is_admin
            or channel.owner == actor.id
            or self._memberships.member_actions(actor.id, channel_id)
        ):
            raise NotFound("channel not found", field="id")
        return channel

    def page(self, actor: Actor, query: ChannelFilter) -> ChannelPage:
        """Admins list every channel (or, asking for `owner`, theirs); others the channels they
        own or are members of."""
        if not actor.is_admin:
            query = replace(query, visible_to=actor.id)
        return self._views.page(query)
