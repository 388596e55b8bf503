"""Every HTTP request observed once, around the whole app: its id, its count and its duration.

**Request ids.** Every answer carries one in `X-Request-ID`, and so does every log line written
while handling it (infrastructure/logging_config.py). A caller's own id (a proxy's, a client's)
is kept when it is a short token of safe characters, so one id follows the request through every
hop; anything else could forge or break log lines, and is replaced by a fresh one: this
process's random prefix and a counter, unique across workers and restarts without a system call
per request.

**Metrics.** Requests are counted and timed by method, route template and status, never the raw
path: ids would make a series per entity and put them in the metrics. A request no route matched
(404, 405) is `unmatched`; a method outside HTTP's usual few is `other`, since a client chooses
it. The labelled children are kept per label set, since looking them up costs more than
counting.

One wrapper does both, outside Litestar's routing and exception handling (`observe`): middleware
given to Litestar runs only once a route has matched, so it would miss 404s and 405s.
"""

import itertools
import os
import re
import time
from typing import Any

from litestar.types import ASGIApp, Receive, Scope, Send

from infrastructure.logging_config import REQUEST_ID
from infrastructure.metrics import HTTP_DURATION, HTTP_REQUESTS

HEADER = b"x-request-id"
SAFE_ID = re.compile(rb"[A-Za-z0-9._-]{1,64}")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"

_PREFIX = os.urandom(6).hex()
_COUNTER = itertools.count(1)
_COUNTED: dict[tuple[str, str, int], Any] = {}
_TIMED: dict[tuple[str, str], Any] = {}


def observe(app: ASGIApp) -> ASGIApp:
    async def handle(scope: Scope, receive: Receive, send: Send) -> None:
        plain: Any = scope
        if plain["type"] != "http":
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _presented(plain["headers"]) or f"{_PREFIX}-{next(_COUNTER):x}".encode()
        status = 500

        async def send_observed(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (HEADER, request_id)]
            await send(message)

        token = REQUEST_ID.set(request_id.decode())
        try:
            await app(scope, receive, send_observed)
        finally:
            REQUEST_ID.reset(token)
            method = plain["method"] if plain["method"] in METHODS else "other"
            _record(method, plain.get("path_template") or UNMATCHED, status, started)

    return handle


def _record(method: str, route: str, status: int, started: float) -> None:
    counted = _COUNTED.get((method, route, status))
    if counted is None:
        counted = _COUNTED[method, route, status] = HTTP_REQUESTS.labels(method, route, str(status))
    timed = _TIMED.get((method, route))
    if timed is None:
        timed = _TIMED[method, route] = HTTP_DURATION.labels(method, route)
    counted.inc()
    timed.observe(time.perf_counter() - started)


def _presented(headers: list[tuple[bytes, bytes]]) -> bytes | None:
    for name, value in headers:
        if name == HEADER:
            return bytes(value) if SAFE_ID.fullmatch(value) else None
    return None
