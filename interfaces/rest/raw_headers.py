"""Reading one request header straight from the ASGI scope.

`request.headers` builds a full header mapping on first use; hooks that run on every request
need one or two values and read them here instead.
"""

from typing import Any

from litestar import Request


def header(request: Request[Any, Any, Any], name: bytes) -> str | None:
    """`name` in lower case, as ASGI servers deliver header names."""
    for key, value in request.scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None
