"""The Digital Twin API's twins (`/api/gemini/v1/digital-twins`): a twin as created, the
caller's twins, a twin as a DID document, and proof that a caller holds a twin's key."""

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from litestar import Controller, MediaType, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, PathParameter, QueryParameter
from msgspec import Meta, Struct

from application.authorization import Actor
from application.ports.twins import TwinView
from application.twins import TwinQueries
from domain.errors import InvalidValue
from interfaces.rest.as_of import AS_OF
from interfaces.rest.auth import ENTITY_KEY_OPT
from interfaces.rest.mass_operation_schemas import END, NAME_PATTERN, TEXT, Kid
from interfaces.rest.paging import Limit, Offset

ActorDep = NamedDependency[Actor]
ObjectIdPath = Annotated[
    str, PathParameter(description="the twin's objectId", pattern=NAME_PATTERN % 128)
]
ObjectTypeQuery = Annotated[
    str | None, QueryParameter(name="objectType", max_length=128, pattern=TEXT)
]
MAX_MESSAGE = 64 * 1024


class KeyMetaResponse(Struct):
    algorithms: list[str]


class KeyResponse(Struct, rename="camel"):
    kid: str
    kms: str
    type: str
    public_key_hex: str
    meta: KeyMetaResponse


class ServiceResponse(Struct):
    key: str
    uri: str
    description: str


class TwinResponse(Struct, rename="camel"):
    object_id: str
    object_type: str
    services: list[ServiceResponse]
    keys: list[KeyResponse]
    did: str
    owner: str
    thing_id: str | None
    """The FleetID thing it is the twin of (its objectId is the thing's id), or null."""
    created_at: datetime
    updated_at: datetime | None


class TwinsPage(Struct):
    total: int
    offset: int
    limit: int
    items: list[TwinResponse]


class VerifyBody(Struct, forbid_unknown_fields=False):
    kid: Kid
    message: Annotated[
        str,
        Meta(
            max_length=2 * MAX_MESSAGE,
            description="the signed bytes, written as `encoding` says (at most 64 KiB)",
        ),
    ]
    signature: Annotated[
        str, Meta(min_length=2, max_length=512, pattern=r"^(?:[0-9A-Fa-f]{2})+" + END)
    ]
    """Hexadecimal: r||s (64 bytes) or DER for ES256K and ES256, 64 bytes for EdDSA."""
    encoding: Literal["utf-8", "hex", "base64url"] = "utf-8"
    """How `message` writes the signed bytes."""


class VerifyResponse(Struct):
    valid: bool
    kid: str
    algorithm: str


@dataclass(frozen=True)
class TwinServices:
    queries: TwinQueries


class TwinsController(Controller):
    path = "/api/gemini/v1/digital-twins"
    tags = ["digital twins"]
    parameters = AS_OF
    services: ClassVar[TwinServices]

    @classmethod
    def bound_to(
        cls, services: TwinServices, callers: dict[str, Provide]
    ) -> type["TwinsController"]:
        """`callers` says who calls it (users, and identity entities by their API keys)."""
        attributes = {"services": services, "dependencies": callers, "opt": {ENTITY_KEY_OPT: True}}
        return type(cls.__name__, (cls,), attributes)

    @get("/", sync_to_thread=False, summary="The caller's twins (an admin: all)")
    def list_twins(
        self,
        actor: ActorDep,
        offset: Offset = 0,
        limit: Limit = 10,
        object_type: ObjectTypeQuery = None,
    ) -> TwinsPage:
        queries = self.services.queries
        found = queries.page(actor, offset, limit, object_type or None)
        return TwinsPage(
            found.total, found.offset, found.limit, [self._twin(t) for t in found.items]
        )

    @get("/{object_id:str}", sync_to_thread=False, summary="A twin as created")
    def get_twin(self, object_id: ObjectIdPath, actor: ActorDep) -> TwinResponse:
        return self._twin(self.services.queries.get(actor, object_id))

    @get(
        "/{object_id:str}/did.json",
        sync_to_thread=False,
        media_type=MediaType.JSON,
        summary="The twin as a W3C DID document (did:web)",
        description="Its keys as JsonWebKey2020 verification methods, its services as service "
        "endpoints; see docs/digital-twins.md.",
    )
    def did_document(self, object_id: ObjectIdPath, actor: ActorDep) -> dict[str, Any]:
        return self.services.queries.did_document(actor, object_id)

    @post(
        "/{object_id:str}/verify",
        status_code=200,
        sync_to_thread=False,
        summary="Whether a signature over a message is valid for one of the twin's keys",
        description="ES256K for Secp256k1 keys, ES256 for P-256, EdDSA for Ed25519; the "
        "message is signed as its bytes (SHA-256 for the ECDSA ones).",
    )
    def verify(
        self, object_id: ObjectIdPath, data: JSONBody[VerifyBody], actor: ActorDep
    ) -> VerifyResponse:
        message = _message(data.message, data.encoding)
        found = self.services.queries.verify(
            actor, object_id, data.kid, message, bytes.fromhex(data.signature)
        )
        return VerifyResponse(found.valid, found.kid, found.algorithm)

    def _twin(self, twin: TwinView) -> TwinResponse:
        return TwinResponse(
            object_id=twin.object_id,
            object_type=twin.object_type,
            services=[ServiceResponse(s["key"], s["uri"], s["description"]) for s in twin.services],
            keys=[
                KeyResponse(
                    k["kid"],
                    k["kms"],
                    k["type"],
                    k["publicKeyHex"],
                    KeyMetaResponse(k["algorithms"]),
                )
                for k in twin.keys
            ],
            did=self.services.queries.did(twin.object_id),
            owner=str(twin.owner),
            thing_id=str(twin.thing) if twin.thing else None,
            created_at=twin.created_at,
            updated_at=twin.updated_at,
        )


def _message(text: str, encoding: str) -> bytes:
    try:
        if encoding == "hex":
            data = bytes.fromhex(text)
        elif encoding == "base64url":
            padded = text + "=" * (-len(text) % 4)
            data = base64.b64decode(padded, altchars=b"-_", validate=True)
        else:
            data = text.encode("utf-8")
    except (ValueError, binascii.Error):
        raise InvalidValue(f"message is not {encoding}", field="message") from None
    if len(data) > MAX_MESSAGE:
        raise InvalidValue(f"message is at most {MAX_MESSAGE} bytes", field="message")
    return data
