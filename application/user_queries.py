"""User queries: read models only, filtered by what the caller may see."""

from dataclasses import replace
from uuid import UUID

from application.authorization import Actor, require_visible_user
from application.ports.users import UserFilter, UserPage, UserView, UserViews
from domain.errors import NotFound


class UserQueries:
    def __init__(self, views: UserViews) -> None:
        self._views = views

    def get(self, actor: Actor, user_id: UUID) -> UserView:
        user = self._views.get(user_id)
        if user is None:
            raise NotFound("user not found", field="id")
        require_visible_user(actor, user.id, user.owner)
        return user

    def admin_exists(self) -> bool:
        return self._views.admin_exists()

    def page(self, actor: Actor, query: UserFilter) -> UserPage:
        """Admins list everyone; others list themselves and the users they own."""
        if not actor.is_admin:
            query = replace(query, visible_to=actor.id)
        return self._views.page(query)
