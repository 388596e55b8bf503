"""A mass operation's items as the document writes them, read one by one: an item whose shape
is wrong is that item's error (named by its path, e.g. `keys[0].publicKeyHex`), never the
request's. What is read is kept as the domain stores it (domain/mass_operations.Item), without
the private keys the document's deprecated `privateKeyHex` may carry."""

import re
from typing import Annotated, Any

import msgspec
from msgspec import Meta, Struct

from domain.mass_operations import ADD_SERVICE, CREATE, OPERATION_TYPES, Item
from domain.twins import KEY_KINDS, MAX_SERVICES

MAX_KEYS = 16
MAX_ALGORITHMS = 16
MAX_REASON = 300
END = r"(?![\s\S])"
"""The end of the text: `$` also matches before a final newline (Python and ECMAScript alike)."""
NAME_PATTERN = r"^(?!\.\.?" + END + r")[A-Za-z0-9._~:@!$&'()*+,;=-]{1,%d}" + END
"""objectIds, kids and service keys: characters a URL path segment and a DID's fragment
take as they are; not `.` or `..`, which URLs drop as path segments."""
TEXT = r"^[^\x00-\x1f\x7f]*" + END
ObjectId = Annotated[str, Meta(pattern=NAME_PATTERN % 128)]
Kid = Annotated[str, Meta(pattern=NAME_PATTERN % 256)]
Label = Annotated[str, Meta(min_length=1, max_length=128, pattern=TEXT)]
Uri = Annotated[str, Meta(min_length=1, max_length=2048, pattern=r"^[^\s\x00-\x1f\x7f]+" + END)]
"""Taken as given (the document's own example is `string`): a DID document lists it as the
service's endpoint."""
Description = Annotated[str, Meta(max_length=1024, pattern=TEXT)]
PublicKeyHex = Annotated[str, Meta(pattern=r"^(?:[0-9A-Fa-f]{2}){32,65}" + END)]
Algorithm = Annotated[str, Meta(min_length=1, max_length=64, pattern=TEXT)]
_PATH = re.compile(r" - at `\$\.?([^`]*)`$")
_MISSING = re.compile(r"Object missing required field `([^`]+)`")
_OBJECT_ID = re.compile(NAME_PATTERN % 128)


class ServiceBody(Struct, forbid_unknown_fields=False):
    key: ObjectId
    uri: Uri
    description: Description | None = None


class KeyMeta(Struct, forbid_unknown_fields=False):
    algorithms: Annotated[list[Algorithm], Meta(max_length=MAX_ALGORITHMS)] | None = None


class KeyBody(Struct, rename="camel", forbid_unknown_fields=False):
    kid: Kid
    kms: Label
    public_key_hex: PublicKeyHex
    type: str | None = None
    meta: KeyMeta | None = None


class ItemBody(Struct, rename="camel", forbid_unknown_fields=False):
    operation_type: str
    object_id: ObjectId
    object_type: Label
    services: Annotated[list[ServiceBody], Meta(max_length=MAX_SERVICES)] | None = None
    keys: Annotated[list[KeyBody], Meta(max_length=MAX_KEYS)] | None = None


class ItemFault(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def stored_item(raw: dict[str, Any]) -> Item:
    """The item as stored: its content when sound, else what names it and why it is not."""
    discarded = _private_keys(raw)
    kept: Item = {"discarded": discarded} if discarded else {}
    try:
        body = msgspec.convert(raw, ItemBody)
        return {**_content(body), **kept}
    except msgspec.ValidationError as error:
        field, reason = _located(str(error))
    except ItemFault as fault:
        field, reason = fault.field, fault.reason
    operation_type = raw.get("operationType")
    object_id = raw.get("objectId")
    if isinstance(operation_type, str) and operation_type in OPERATION_TYPES:
        kept["operationType"] = operation_type
    if isinstance(object_id, str) and _OBJECT_ID.match(object_id):
        kept["objectId"] = object_id
    return {**kept, "error": {"code": "invalid_value", "field": field, "reason": reason}}


def _content(body: ItemBody) -> Item:
    if body.operation_type not in OPERATION_TYPES:
        raise ItemFault("operationType", f"must be one of {', '.join(OPERATION_TYPES)}")
    services = [
        {"key": s.key, "uri": s.uri, "description": s.description or ""}
        for s in body.services or ()
    ]
    keys = [_key(place, key) for place, key in enumerate(body.keys or ())]
    _unique(services, "key", "services")
    _unique(keys, "kid", "keys")
    if body.operation_type == ADD_SERVICE:
        if not services:
            raise ItemFault("services", "addService needs at least one service")
        if keys:
            raise ItemFault("keys", "addService adds services only; keys are given at creation")
    item: Item = {
        "operationType": body.operation_type,
        "objectId": body.object_id,
        "objectType": body.object_type,
        "services": services,
    }
    if body.operation_type == CREATE:
        item["keys"] = keys
    return item


def _key(place: int, key: KeyBody) -> dict[str, Any]:
    raw = bytes.fromhex(key.public_key_hex)
    kind = key.type or ("Ed25519" if len(raw) == 32 else "Secp256k1")
    if kind not in KEY_KINDS:
        raise ItemFault(f"keys[{place}].type", f"must be one of {', '.join(KEY_KINDS)}")
    return {
        "kid": key.kid,
        "kms": key.kms,
        "type": kind,
        "publicKeyHex": raw.hex(),
        "algorithms": list(key.meta.algorithms or ()) if key.meta else [],
    }


def _unique(entries: list[dict[str, Any]], name: str, field: str) -> None:
    seen: set[str] = set()
    for place, entry in enumerate(entries):
        if entry[name] in seen:
            raise ItemFault(f"{field}[{place}].{name}", f"a second {name} {entry[name]!r}")
        seen.add(entry[name])


def _private_keys(raw: dict[str, Any]) -> list[str]:
    keys = raw.get("keys")
    if not isinstance(keys, list):
        return []
    return [
        f"keys[{place}].privateKeyHex"
        for place, key in enumerate(keys)
        if isinstance(key, dict) and key.get("privateKeyHex") not in (None, "")
    ]


def _located(message: str) -> tuple[str, str]:
    """msgspec's message as a field path and a reason."""
    at = _PATH.search(message)
    field = at.group(1) if at else ""
    reason = _PATH.sub("", message)
    missing = _MISSING.search(reason)
    if missing:
        field = f"{field}.{missing.group(1)}" if field else missing.group(1)
    return field, reason[:MAX_REASON]
