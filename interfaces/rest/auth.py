"""Bearer-token authentication as Litestar dependencies."""

from typing import Any

from litestar import Request
from litestar.di import Provide

from application.admin_access import EntityAccess
from application.authorization import Actor
from application.read_time import at_present
from application.sessions import Sessions
from domain.errors import Unauthenticated
from interfaces.rest.client_address import client_address
from interfaces.rest.raw_headers import header

ENTITY_KEY_HEADER = b"apikey"
ENTITY_KEY_OPT = "entity_key"
"""Marks the handlers an identity entity may call by its API key, for the OpenAPI document."""


def bearer_token(request: Request[Any, Any, Any]) -> str | None:
    value = header(request, b"authorization")
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Authorization header must be 'Bearer <token>'")
    return token.strip()


def auth_dependencies(sessions: Sessions) -> dict[str, Provide]:
    """Run on the event loop: one indexed read, cheaper than a hop to a thread and back. The
    caller is who they are now, also in a request for the past (`as_of`)."""

    def actor(request: Request[Any, Any, Any]) -> Actor:
        token = bearer_token(request)
        if token is None:
            raise Unauthenticated("missing bearer token")
        with at_present():
            return sessions.authenticate(token)

    def optional_actor(request: Request[Any, Any, Any]) -> Actor | None:
        token = bearer_token(request)
        if token is None:
            return None
        with at_present():
            return sessions.authenticate(token)

    return {
        "actor": Provide(actor, sync_to_thread=False),
        "optional_actor": Provide(optional_actor, sync_to_thread=False),
    }


def entity_or_user(sessions: Sessions, entities: EntityAccess) -> dict[str, Provide]:
    """The caller of routes an identity entity may call by its API key (`apikey`) as a user
    of its own: a request with a bearer token is a user's, as everywhere."""
    as_user = auth_dependencies(sessions)["actor"].dependency

    def actor(request: Request[Any, Any, Any]) -> Actor:
        key = header(request, ENTITY_KEY_HEADER)
        if key is None or header(request, b"authorization"):
            user: Actor = as_user(request)
            return user
        with at_present():
            return entities.authenticate(key, client_address(request))

    return {"actor": Provide(actor, sync_to_thread=False)}
