"""The request class of the app: how JSON bodies are read before their types are checked.

Litestar turns msgspec's `DecodeError` into a 400, but msgspec reports invalid UTF-8 as
`UnicodeDecodeError`, which reached the error map as a 500. Decoding bodies here covers every
route that takes a JSON body.

Magistrala's clients send every field of their structs: `"id": ""`, `"status": ""`, empty
credentials, `null` for an unset list. Magistrala reads an empty value as an absent one, so the
routes of its API (controllers with `opt=EMPTY_IS_ABSENT`) drop such members before the body is
typed. Only the members of the body itself and of its `credentials` are dropped: metadata is the
client's own data and keeps its empty strings.
"""

from typing import Any

from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import SerializationException
from litestar.params import Body

from application.bulk import MAX_BULK

EMPTY = ("", None)
NESTED_FIELDS = frozenset({"credentials"})
EMPTY_IS_ABSENT_KEY = "empty_is_absent"
EMPTY_IS_ABSENT = {EMPTY_IS_ABSENT_KEY: True}
BULK = Body(
    media_type=RequestEncodingType.JSON,
    schema_extra={"min_items": 1, "max_items": MAX_BULK},
    description=f"1 to {MAX_BULK} entries, created all or none",
)
"""A bulk body as the document shows it; application/bulk.py checks it, naming the field."""


def without_empty(body: Any) -> Any:
    """`body` with the empty members of each object dropped (bulk bodies are lists of them)."""
    if isinstance(body, list):
        return [without_empty(entry) for entry in body]
    if not isinstance(body, dict):
        return body
    return {
        key: without_empty(value) if key in NESTED_FIELDS else value
        for key, value in body.items()
        if value not in EMPTY
    }


class JSONBodyRequest(Request[Any, Any, Any]):
    async def json(self) -> Any:
        try:
            body = await super().json()
        except UnicodeDecodeError as error:
            raise SerializationException(f"the body is not UTF-8: {error}") from None
        if self.route_handler.opt.get(EMPTY_IS_ABSENT_KEY):
            return without_empty(body)
        return body
