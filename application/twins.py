"""Reading digital twins: as created, listed, as a DID document; and proving a twin's key.

A twin is its owner's and admins' to read; anyone else gets 404, as for an objectId that has
no twin. The DID method is `did:web`: a twin's DID names the URL its document is served at,
`{FLEETID_PUBLIC_URL}/api/gemini/v1/digital-twins/{objectId}/did.json`, so a resolver that the
owner lets through reaches it by the method's own rule."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from application.authorization import Actor, can_see_entity
from application.ports.twins import PublicKeys, TwinFilter, TwinPage, TwinView, TwinViews
from domain.errors import NotFound
from domain.twins import ALGORITHMS, KEY_KINDS

TWINS_PATH = "/api/gemini/v1/digital-twins"
CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"]


def did_of(public_url: str, object_id: str) -> str:
    """did:web's method-specific id: the host (its port's colon encoded), then each path
    segment, joined by colons; characters outside the method's own set percent-encoded."""
    url = urlsplit(public_url)
    segments = [*url.path.split("/"), *TWINS_PATH.split("/"), object_id]
    parts = [_encoded(url.netloc), *(_encoded(s) for s in segments if s)]
    return "did:web:" + ":".join(parts)


def _encoded(part: str) -> str:
    return quote(part, safe="").replace("~", "%7E")


@dataclass(frozen=True)
class Verification:
    valid: bool
    kid: str
    algorithm: str


class TwinQueries:
    def __init__(self, views: TwinViews, keys: PublicKeys, public_url: str) -> None:
        self._views = views
        self._keys = keys
        self._public_url = public_url

    def get(self, actor: Actor, object_id: str) -> TwinView:
        found = self._views.get(object_id)
        if found is None or not can_see_entity(actor, found.owner):
            raise NotFound("digital twin not found", field="objectId")
        return found

    def page(self, actor: Actor, offset: int, limit: int, object_type: str | None) -> TwinPage:
        owner = None if actor.is_admin else actor.id
        return self._views.page(TwinFilter(offset, limit, owner, object_type))

    def did(self, object_id: str) -> str:
        return did_of(self._public_url, object_id)

    def did_document(self, actor: Actor, object_id: str) -> dict[str, Any]:
        twin = self.get(actor, object_id)
        did = self.did(object_id)
        methods = [
            {
                "id": f"{did}#{_encoded(key['kid'])}",
                "type": "JsonWebKey2020",
                "controller": did,
                "publicKeyJwk": self._keys.jwk(
                    KEY_KINDS[key["type"]], bytes.fromhex(key["publicKeyHex"])
                ),
            }
            for key in twin.keys
        ]
        references = [method["id"] for method in methods]
        document: dict[str, Any] = {
            "@context": CONTEXTS,
            "id": did,
            "verificationMethod": methods,
            "authentication": references,
            "assertionMethod": references,
        }
        if twin.services:
            document["service"] = [
                {
                    "id": f"{did}#{_encoded(service['key'])}",
                    "type": service["key"],
                    "serviceEndpoint": service["uri"],
                    **({"description": service["description"]} if service["description"] else {}),
                }
                for service in twin.services
            ]
        return document

    def verify(
        self, actor: Actor, object_id: str, kid: str, message: bytes, signature: bytes
    ) -> Verification:
        twin = self.get(actor, object_id)
        key = next((k for k in twin.keys if k["kid"] == kid), None)
        if key is None:
            raise NotFound("the twin has no key of this kid", field="kid")
        kind = KEY_KINDS[key["type"]]
        raw = bytes.fromhex(key["publicKeyHex"])
        valid = self._keys.verify(kind, raw, message, signature)
        return Verification(valid, kid, ALGORITHMS[kind])
