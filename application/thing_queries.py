"""Thing queries: read models only, filtered by what the caller may see."""

from dataclasses import replace
from uuid import UUID

from application.authorization import Actor, require_thing_right
from application.ports.connections import ConnectionViews
from application.ports.security import BlindIndex
from application.ports.things import ThingFilter, ThingPage, ThingView, ThingViews
from application.things import secret_lookup, shown_to
from domain.errors import NotFound, Unauthenticated


class ThingQueries:
    def __init__(self, views: ThingViews, blind: BlindIndex, rights: ConnectionViews) -> None:
        self._views = views
        self._blind = blind
        self._rights = rights

    def get(self, actor: Actor, thing_id: UUID) -> ThingView:
        thing = self._views.get(thing_id)
        if thing is None:
            raise NotFound("thing not found", field="id")
        require_thing_right(
            actor, thing.owner, lambda: self._rights.thing_actions(actor.id, thing_id), "c_list"
        )
        return shown_to(actor, thing)

    def page(self, actor: Actor, query: ThingFilter) -> ThingPage:
        """Admins list every thing (or, asking for `owner`, theirs); others the things they own
        or may list (`c_list` on a channel the thing is connected to), with the secrets of
        their own things only."""
        if actor.is_admin:
            return self._views.page(query)
        page = self._views.page(replace(query, visible_to=actor.id))
        return replace(page, items=[shown_to(actor, thing) for thing in page.items])

    def identify(self, secret: str) -> UUID:
        """The enabled thing holding `secret`; unknown and disabled things look the same."""
        thing_id = self._views.identify(secret_lookup(self._blind, secret))
        if thing_id is None:
            raise Unauthenticated("unknown or disabled thing")
        return thing_id
