"""`as_of` on the registry's reads: `GET /things?as_of=2026-11-30T10:00:00Z` (or a log position)
answers exactly as the same request would have then.

The read models keep every row version with the positions between which it was true, so the
past is read from the same tables with the same statements, on connections that see only the
versions true at that position (infrastructure/read_connections.py). Authorization reads the
past too: the answer is the one the caller would have got then, with the rights they have now.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from litestar.openapi.spec import OpenAPIFormat, OpenAPIType, Schema
from litestar.params import QueryParameter
from litestar.types import ASGIApp, Receive, Scope, Send

from application.read_time import as_of
from domain.errors import InvalidValue, NotFound
from interfaces.rest.times import time_bound

AS_OF = {
    "as_of": QueryParameter(
        annotation=str | None,
        name="as_of",
        required=False,
        description="Answer as of this log position, or RFC 3339 time (reads only). "
        "A position the read models have not reached yet answers 404; empty is absent.",
        schema_extra={
            "one_of": [
                Schema(type=OpenAPIType.STRING, pattern="^[0-9]*$"),
                Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.DATE_TIME),
            ]
        },
    )
}
"""The parameter as the OpenAPI document shows it on the registry's controllers."""


def resolver(
    position_at: Callable[[datetime], int], applied: Callable[[], int]
) -> Callable[[str], int]:
    """Turns `as_of` into a log position the read models have reached."""

    def resolve(raw: str) -> int:
        position = (
            int(raw)
            if raw.isascii() and raw.isdigit()
            else position_at(time_bound(raw, "as_of", "a log position or an RFC 3339 time"))
        )
        if position > applied():
            raise NotFound(
                f"as_of {position} is ahead of the read models ({applied()})", field="as_of"
            )
        return position

    return resolve


def as_of_middleware(
    resolve: Callable[[str], int], paths: tuple[str, ...]
) -> Callable[[ASGIApp], ASGIApp]:
    """`paths`: the prefixes of the reads that take `as_of`, declared with each aggregate
    (interfaces/aggregates.py)."""

    def middleware(app: ASGIApp) -> ASGIApp:
        async def handle(scope: Scope, receive: Receive, send: Send) -> None:
            plain: Any = scope
            raw = _requested(plain) if plain["type"] == "http" else None
            if raw is None:
                await app(scope, receive, send)
                return
            if plain["method"] not in ("GET", "HEAD") or not _reads_of(plain["path"], paths):
                raise InvalidValue(
                    "as_of applies to reads of users, things, channels, groups and access",
                    field="as_of",
                )
            with as_of(resolve(raw)):
                await app(scope, receive, send)

        return handle

    return middleware


def _requested(scope: Any) -> str | None:
    query: bytes = scope.get("query_string", b"")
    if b"as_of=" not in query:
        return None
    values = parse_qs(query.decode("latin-1")).get("as_of")
    if values and len(values) > 1:
        raise InvalidValue("as_of is given more than once", field="as_of")
    return values[0] if values and values[0] else None


def _reads_of(path: str, paths: tuple[str, ...]) -> bool:
    return path.startswith(paths) and not path.endswith("/messages")
