"""SenML payloads as they arrive (JSON or CBOR bytes) decoded into packs for `domain.senml`.

CBOR packs use integer labels (RFC 8428 §6), may write numbers as decimal fractions, and carry
`vd` as a byte string; all are turned into the JSON form, so one resolver serves every encoding
and interface.
"""

import base64
import io
from decimal import Decimal
from typing import Any

import cbor2

from domain.errors import DomainError, InvalidValue
from interfaces.json_payloads import decode_json

SENML_JSON = "application/senml+json"
SENML_CBOR = "application/senml+cbor"
JSON = "application/json"
"""What Magistrala's clients send: read as SenML JSON, the only JSON a pack may be."""
PACK_MEDIA_TYPES = (SENML_JSON, SENML_CBOR, JSON)
SELF_DESCRIBED = b"\xd9\xd9\xf7"
"""Tag 55799 (RFC 8949 §3.4.6), which marks bytes as CBOR and means nothing else."""
CBOR_LABELS = {
    -1: "bver",
    -2: "bn",
    -3: "bt",
    -4: "bu",
    -5: "bv",
    -6: "bs",
    0: "n",
    1: "u",
    2: "v",
    3: "vs",
    4: "vb",
    5: "s",
    6: "t",
    7: "ut",
    8: "vd",
}


class UnsupportedMediaType(DomainError):
    reason = "unsupported_media_type"


class MalformedPayload(InvalidValue):
    reason = "malformed_payload"


def decode_pack(body: bytes, content_type: str | None) -> Any:
    """The pack, or MalformedPayload for anything undecodable: every interface must be able
    to answer a bad payload, never fail on it (an MQTT client would resend it forever)."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type in (SENML_JSON, JSON):
        return decode_json(body, object)
    if media_type == SENML_CBOR:
        return _from_cbor(body)
    raise UnsupportedMediaType(f"send {', '.join(PACK_MEDIA_TYPES)}, not {media_type or 'nothing'}")


def _from_cbor(body: bytes) -> Any:
    """One CBOR item, optionally behind the self-describe tag, and nothing after it (as JSON
    with trailing data is refused). The tag is stripped rather than decoded: cbor2 turns a
    tagged item's arrays and maps into tuples and frozendicts."""
    document = body.removeprefix(SELF_DESCRIBED)
    stream = io.BytesIO(document)
    try:
        pack = cbor2.CBORDecoder(stream).decode()
    except (cbor2.CBORDecodeError, RecursionError, ValueError) as error:
        raise MalformedPayload(f"the body is not CBOR: {error}") from None
    if stream.tell() != len(document):
        extra = len(document) - stream.tell()
        raise MalformedPayload(f"the body has {extra} bytes after its CBOR item")
    if not isinstance(pack, list):
        return pack
    return [_labelled(record) if isinstance(record, dict) else record for record in pack]


def _labelled(record: dict[Any, Any]) -> dict[Any, Any]:
    named = {
        CBOR_LABELS.get(key, key): float(value) if isinstance(value, Decimal) else value
        for key, value in record.items()
    }
    data = named.get("vd")
    if isinstance(data, bytes):
        named["vd"] = base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
    return named
