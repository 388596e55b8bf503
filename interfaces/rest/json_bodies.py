"""The request class of the app: JSON bodies that are not UTF-8 are malformed JSON.

Litestar turns msgspec's `DecodeError` into a 400, but msgspec reports invalid UTF-8 as
`UnicodeDecodeError`, which reached the error map as a 500. Decoding bodies here covers every
route that takes a JSON body.
"""

from typing import Any

from litestar import Request
from litestar.exceptions import SerializationException


class JSONBodyRequest(Request[Any, Any, Any]):
    async def json(self) -> Any:
        try:
            return await super().json()
        except UnicodeDecodeError as error:
            raise SerializationException(f"the body is not UTF-8: {error}") from None
