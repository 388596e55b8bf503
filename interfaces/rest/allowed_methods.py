"""The `Allow` header of OPTIONS answers, from the app's routes as they finally are.

Litestar writes a path's OPTIONS answer from the methods the path had when its first handler
was registered; a path served by several controllers (`/groups`: the list and the create,
`/things/policies`: connect, change) then lists only some. The header is rewritten here from
the complete route table (RFC 9110 §9.3.7).
"""

from typing import Any

from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.types import Message, Scope

ALLOWED = "allowed_methods"


def remember_allowed_methods(app: Litestar) -> None:
    """Each route path's methods as an `Allow` value, once every handler is registered."""
    app.state[ALLOWED] = {
        route.path_format: ", ".join(sorted(route.methods)).encode()
        for route in app.routes
        if isinstance(route, HTTPRoute)
    }


async def complete_allow(message: Message, scope: Scope) -> None:
    if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
        return
    table: dict[str, bytes] = scope["litestar_app"].state.get(ALLOWED, {})
    methods = table.get(scope.get("path_template", ""))
    if methods is None:
        return
    headers: list[tuple[bytes, Any]] = list(message.get("headers", []))
    message["headers"] = [(k, v) for k, v in headers if k.lower() != b"allow"] + [
        (b"allow", methods)
    ]
