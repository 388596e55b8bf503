"""Who is calling, for the limits on guessing secrets."""

from typing import Any

from litestar import Request


def client_address(request: Request[Any, Any, Any]) -> str:
    """The socket's peer address. Behind a reverse proxy every client shares the proxy's
    address, so the per-client limit then counts them all together (README, Operating)."""
    client = request.client
    return client.host if client is not None else "unknown"
