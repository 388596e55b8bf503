"""Bearer-token authentication as Litestar dependencies."""

from typing import Any

from litestar import Request
from litestar.di import Provide

from application.authorization import Actor
from application.read_time import at_present
from application.sessions import Sessions
from domain.errors import Unauthenticated
from interfaces.rest.raw_headers import header


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
