"""Channel queries: read models only, filtered by what the caller may see."""

from dataclasses import replace
from typing import Literal
from uuid import UUID

from application.authorization import Actor
from application.ports.channels import ChannelFilter, ChannelPage, ChannelView, ChannelViews
from application.ports.groups import GroupView, GroupViews
from domain.errors import NotFound


class ChannelQueries:
    def __init__(self, views: ChannelViews, memberships: GroupViews) -> None:
        self._views = views
        self._memberships = memberships

    def get(self, actor: Actor, channel_id: UUID) -> ChannelView:
        """Seen by admins, its owner and its members."""
        channel = self._views.get(channel_id)
        if channel is None or not self._sees(actor, channel.owner, channel_id):
            raise NotFound("channel not found", field="id")
        return channel

    def require_visible(self, actor: Actor, channel_id: UUID) -> None:
        """NotFound, as for a channel that does not exist, unless the actor may see it. Admins
        see every channel: for them it costs no read (the access check is a hot path)."""
        if not actor.is_admin:
            self.get(actor, channel_id)

    def page(self, actor: Actor, query: ChannelFilter) -> ChannelPage:
        """Admins list every channel (or, asking for `owner`, theirs); others the channels they
        own or are members of."""
        if not actor.is_admin:
            query = replace(query, visible_to=actor.id)
        return self._views.page(query)

    def in_hierarchy(
        self, actor: Actor, group_id: UUID, direction: Literal[-1, 1], query: ChannelFilter
    ) -> ChannelPage:
        """The channels opened in a group and every group below it (1) or above it (-1)."""
        path = self._group(actor, group_id).path
        within = (
            replace(query, within=path) if direction == 1 else replace(query, ancestors_of=path)
        )
        return self.page(actor, within)

    def _group(self, actor: Actor, group_id: UUID) -> GroupView:
        group = self._memberships.get(group_id)
        if group is None or not self._sees(actor, group.owner, group_id):
            raise NotFound("group not found", field="parentID")
        return group

    def _sees(self, actor: Actor, owner: UUID | None, entity_id: UUID) -> bool:
        """Admins, the owner and members see a channel or group."""
        return (
            actor.is_admin
            or owner == actor.id
            or bool(self._memberships.member_actions(actor.id, entity_id))
        )
