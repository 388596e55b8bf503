"""Group queries: groups, their trees, members and a user's memberships, from the read model."""

from dataclasses import replace
from uuid import UUID

from application.authorization import Actor, require_visible_user
from application.ports.groups import GroupFilter, GroupPage, GroupView, GroupViews
from application.ports.users import UserFilter, UserPage, UserViews
from domain.errors import Forbidden, NotFound

MEMBER_LISTING = ("g_list", "c_list")
"""A member holding one of these may list the group's members."""


class GroupQueries:
    def __init__(self, groups: GroupViews, users: UserViews) -> None:
        self._groups = groups
        self._users = users

    def get(self, actor: Actor, group_id: UUID) -> GroupView:
        group = self._groups.get(group_id)
        if group is None or not self._sees(actor, group):
            raise NotFound("group not found", field="id")
        return group

    def page(self, actor: Actor, query: GroupFilter) -> GroupPage:
        """Admins list every group; others the groups they own or are members of."""
        if not actor.is_admin:
            query = replace(query, visible_to=actor.id)
        return self._groups.page(query)

    def children(self, actor: Actor, group_id: UUID, query: GroupFilter) -> GroupPage:
        """The group and every group below it."""
        group = self.get(actor, group_id)
        return self.page(actor, replace(query, within=group.path))

    def parents(self, actor: Actor, group_id: UUID, query: GroupFilter) -> GroupPage:
        """The group and every group above it."""
        group = self.get(actor, group_id)
        return self.page(actor, replace(query, ancestors_of=group.path))

    def members(self, actor: Actor, group_id: UUID, query: UserFilter) -> UserPage:
        group = self.get(actor, group_id)
        if not (actor.is_admin or group.owner == actor.id):
            actions = self._groups.member_actions(actor.id, group_id)
            if not any(action in actions for action in MEMBER_LISTING):
                raise Forbidden("listing members needs g_list or c_list on the group")
        return self._users.page(replace(query, member_of=group_id, visible_to=None))

    def memberships(self, actor: Actor, user_id: UUID, query: GroupFilter) -> GroupPage:
        """The groups a user is a member of; seen by admins, the user, its owner, and members
        holding `c_list` in a group the user is in."""
        user = self._users.get(user_id)
        if user is None:
            raise NotFound("user not found", field="id")
        if "c_list" not in self._groups.shared_actions(actor.id, user_id):
            require_visible_user(actor, user.id, user.owner)
        return self._groups.page(replace(query, member=user_id))

    def _sees(self, actor: Actor, group: GroupView) -> bool:
        if actor.is_admin or group.owner == actor.id:
            return True
        return bool(self._groups.member_actions(actor.id, group.id))
