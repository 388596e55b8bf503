"""PRISM long-form DIDs, encoded by `protobuf` from the method's own message definitions.

`did:prism:<hash>:<state>`: the state is the base64url (unpadded) of an `AtalaOperation` holding
a `CreateDIDOperation`; the hash is the hex SHA-256 of those same bytes. The messages below are
the part of the method's `node_models.proto` a create operation uses, with its field numbers
(fields FleetID never writes, such as ledger data, are left out: decoding skips them)."""

import base64
import binascii
import hashlib
import re
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError

from application.ports.entities import DecodedDid, DidKey
from domain.errors import InvalidValue

PACKAGE = "io.iohk.atala.prism.protos"
USAGES = (
    "unknown",
    "master",
    "issuing",
    "keyAgreement",
    "authentication",
    "revocation",
    "capabilityInvocation",
    "capabilityDelegation",
)
"""KeyUsage by number: UNKNOWN_KEY = 0, MASTER_KEY = 1, … CAPABILITY_DELEGATION_KEY = 7."""
LONG_FORM = re.compile(r"did:prism:([0-9a-f]{64}):([A-Za-z0-9_-]+)")
MAX_STATE = 64 * 1024

_F = descriptor_pb2.FieldDescriptorProto


def _field(
    name: str, number: int, kind: int, type_name: str = "", *, repeated: bool = False
) -> dict[str, Any]:
    label = _F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL
    field = {"name": name, "number": number, "type": kind, "label": label}
    return {**field, "type_name": f".{PACKAGE}.{type_name}"} if type_name else field


def _file() -> descriptor_pb2.FileDescriptorProto:
    file = descriptor_pb2.FileDescriptorProto(
        name="fleetid/prism_did.proto", package=PACKAGE, syntax="proto3"
    )
    usage = file.enum_type.add(name="KeyUsage")
    for number, name in enumerate(
        (
            "UNKNOWN_KEY",
            "MASTER_KEY",
            "ISSUING_KEY",
            "KEY_AGREEMENT_KEY",
            "AUTHENTICATION_KEY",
            "REVOCATION_KEY",
            "CAPABILITY_INVOCATION_KEY",
            "CAPABILITY_DELEGATION_KEY",
        )
    ):
        usage.value.add(name=name, number=number)
    messages: dict[str, list[dict[str, Any]]] = {
        "ECKeyData": [
            _field("curve", 1, _F.TYPE_STRING),
            _field("x", 2, _F.TYPE_BYTES),
            _field("y", 3, _F.TYPE_BYTES),
        ],
        "CompressedECKeyData": [
            _field("curve", 1, _F.TYPE_STRING),
            _field("data", 2, _F.TYPE_BYTES),
        ],
        "PublicKey": [
            _field("id", 1, _F.TYPE_STRING),
            _field("usage", 2, _F.TYPE_ENUM, "KeyUsage"),
            _field("ec_key_data", 8, _F.TYPE_MESSAGE, "ECKeyData"),
            _field("compressed_ec_key_data", 9, _F.TYPE_MESSAGE, "CompressedECKeyData"),
        ],
        "Service": [
            _field("id", 1, _F.TYPE_STRING),
            _field("type", 2, _F.TYPE_STRING),
            _field("service_endpoint", 3, _F.TYPE_STRING),
        ],
        "DIDCreationData": [
            _field("public_keys", 2, _F.TYPE_MESSAGE, "PublicKey", repeated=True),
            _field("services", 3, _F.TYPE_MESSAGE, "Service", repeated=True),
            _field("context", 4, _F.TYPE_STRING, repeated=True),
        ],
        "CreateDIDOperation": [
            _field("did_data", 1, _F.TYPE_MESSAGE, "DIDCreationData"),
        ],
        "AtalaOperation": [
            _field("create_did", 1, _F.TYPE_MESSAGE, "CreateDIDOperation"),
        ],
    }
    for name, fields in messages.items():
        message = file.message_type.add(name=name)
        for field in fields:
            message.field.add(**field)
    key = file.message_type[2]
    key.oneof_decl.add(name="key_data")
    for field in key.field:
        if field.number in (8, 9):
            field.oneof_index = 0
    operation = file.message_type[6]
    operation.oneof_decl.add(name="operation")
    operation.field[0].oneof_index = 0
    return file


_pool = descriptor_pool.DescriptorPool()
_pool.Add(_file())
AtalaOperation = message_factory.GetMessageClass(
    _pool.FindMessageTypeByName(f"{PACKAGE}.AtalaOperation")
)


class PrismDids:
    def long_form(self, keys: list[DidKey]) -> str:
        operation = AtalaOperation()
        data = operation.create_did.did_data
        for key in keys:
            added = data.public_keys.add(id=key.id, usage=USAGES.index(key.usage))
            added.compressed_ec_key_data.curve = key.curve
            added.compressed_ec_key_data.data = key.public_key
        state = operation.SerializeToString(deterministic=True)
        encoded = base64.urlsafe_b64encode(state).rstrip(b"=").decode()
        return f"did:prism:{hashlib.sha256(state).hexdigest()}:{encoded}"

    def decode(self, did: str) -> DecodedDid:
        matched = LONG_FORM.fullmatch(did)
        if matched is None or len(matched[2]) > MAX_STATE:
            raise InvalidValue("not a PRISM long-form DID", field="did")
        method_id, encoded = matched.groups()
        try:
            state = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            operation = AtalaOperation.FromString(state)
        except (binascii.Error, ValueError, DecodeError):
            raise InvalidValue("the DID's state does not decode", field="did") from None
        if hashlib.sha256(state).hexdigest() != method_id:
            raise InvalidValue("the DID's hash is not that of its state", field="did")
        if not operation.HasField("create_did"):
            raise InvalidValue("the DID's state is not a create operation", field="did")
        keys = [
            DidKey(
                key.id,
                USAGES[key.usage] if key.usage < len(USAGES) else "unknown",
                key.compressed_ec_key_data.curve,
                key.compressed_ec_key_data.data,
            )
            for key in operation.create_did.did_data.public_keys
            if key.HasField("compressed_ec_key_data")
        ]
        return DecodedDid(method_id, keys)
