"""JSON read from raw bytes (SenML packs, broker hooks): one way to refuse what is not JSON.

msgspec reports bytes that are not UTF-8 as `UnicodeDecodeError`, not as its own `DecodeError`,
so a decoder that catches only the latter lets them through as a server error.
"""

from typing import TypeVar

import msgspec

from domain.errors import InvalidValue

T = TypeVar("T")


class MalformedJSON(InvalidValue):
    reason = "malformed_json"


class TooDeep(InvalidValue):
    """The same reason a request body nested too deeply gets from the API's error map."""

    reason = "too_deep"


def decode_json(data: bytes, kind: type[T]) -> T:
    """`data` as `kind`; a document that is not UTF-8 JSON or is nested past the
    interpreter's depth raises MalformedJSON or TooDeep (a document of
    the wrong shape still raises msgspec's ValidationError, for the caller to name the field)."""
    try:
        return msgspec.json.decode(data, type=kind)
    except msgspec.ValidationError:
        raise
    except (msgspec.DecodeError, UnicodeDecodeError) as error:
        raise MalformedJSON(f"the body is not UTF-8 JSON: {error}") from None
    except RecursionError:
        raise TooDeep("the JSON document is nested too deeply") from None
