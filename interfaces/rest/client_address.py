"""Who is calling, for the limits on guessing secrets."""

from typing import Any

from litestar import Request

from interfaces.rest.raw_headers import header

TRUSTED_PROXIES = "trusted_proxies"
"""The app state key of the addresses whose X-Forwarded-For is believed."""


def client_address(request: Request[Any, Any, Any]) -> str:
    """The socket's peer address; when that peer is a trusted proxy
    (FLEETID_TRUSTED_PROXIES), the nearest address in X-Forwarded-For that is not one. Anyone
    else's X-Forwarded-For is ignored: a client must not pick the address it is counted by."""
    client = request.client
    peer = client.host if client is not None else "unknown"
    trusted: frozenset[str] = request.app.state[TRUSTED_PROXIES]
    if peer not in trusted:
        return peer
    hops = (header(request, b"x-forwarded-for") or "").split(",")
    return next((hop for hop in map(str.strip, reversed(hops)) if hop not in trusted and hop), peer)
