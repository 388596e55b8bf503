"""Thing queries: read models only, filtered by what the caller may see."""

from dataclasses import replace
from uuid import UUID

from application.authorization import Actor, require_entity_access
from application.ports import BlindIndex, ThingFilter, ThingPage, ThingView, ThingViews
from application.things import secret_lookup
from domain.errors import NotFound, Unauthenticated


class ThingQueries:
    def __init__(self, views: ThingViews, blind: BlindIndex) -> None:
        self._views = views
        self._blind = blind

    def get(self, actor: Actor, thing_id: UUID) -> ThingView:
        thing = self._views.get(thing_id)
        if thing is None:
            raise NotFound("thing not found", field="id")
        require_entity_access(actor, thing.owner, "thing")
        return thing

    def page(self, actor: Actor, query: ThingFilter) -> ThingPage:
        """Admins list every thing (or, asking for `owner`, theirs); others list their own."""
        if not actor.is_admin:
            query = replace(query, owner=actor.id)
        return self._views.page(query)

    def identify(self, secret: str) -> UUID:
        """The enabled thing holding `secret`; unknown and disabled things look the same."""
        thing_id = self._views.identify(secret_lookup(self._blind, secret))
        if thing_id is None:
            raise Unauthenticated("unknown or disabled thing")
        return thing_id
