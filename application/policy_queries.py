"""Policy listings (`GET /users/policies`, `GET /things/policies`), as Magistrala scopes them:
an admin sees every policy, anyone else only the policies they granted."""

from dataclasses import replace

from application.authorization import Actor
from application.ports.policies import PolicyFilter, PolicyPage, PolicyViews
from domain.policies import check_actions


class PolicyQueries:
    def __init__(self, views: PolicyViews) -> None:
        self._views = views

    def page(self, actor: Actor, query: PolicyFilter) -> PolicyPage:
        if query.action is not None:
            check_actions([query.action], field="action")
        if actor.is_admin:
            return self._views.page(query)
        return self._views.page(replace(query, owner=actor.id))
