"""Key pairs and items for the digital twins' tests: real keys of each curve, made here."""

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

MASS = "/api/gemini/v1/mass-operations"
TWINS = "/api/gemini/v1/digital-twins"


@dataclass(frozen=True)
class KeyPair:
    type: str
    private: Any

    @property
    def public_hex(self) -> str:
        public = self.private.public_key()
        if self.type == "Ed25519":
            return str(public.public_bytes_raw().hex())
        point = serialization.PublicFormat.UncompressedPoint
        return str(public.public_bytes(serialization.Encoding.X962, point).hex())

    @property
    def private_hex(self) -> str:
        if self.type == "Ed25519":
            return str(self.private.private_bytes_raw().hex())
        return f"{self.private.private_numbers().private_value:064x}"

    def sign(self, message: bytes, der: bool = False) -> bytes:
        if self.type == "Ed25519":
            signed: bytes = self.private.sign(message)
            return signed
        signature: bytes = self.private.sign(message, ec.ECDSA(hashes.SHA256()))
        if der:
            return signature
        r, s = decode_dss_signature(signature)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def key_pair(kind: str = "Secp256k1") -> KeyPair:
    if kind == "Ed25519":
        return KeyPair(kind, ed25519.Ed25519PrivateKey.generate())
    curve = ec.SECP256K1() if kind == "Secp256k1" else ec.SECP256R1()
    return KeyPair(kind, ec.generate_private_key(curve))


def key_entry(pair: KeyPair, kid: str = "key-1", **extra: Any) -> dict[str, Any]:
    return {
        "kid": kid,
        "kms": "local",
        "type": pair.type,
        "publicKeyHex": pair.public_hex,
        "meta": {"algorithms": ["ES256K"] if pair.type == "Secp256k1" else []},
        **extra,
    }


def create(
    object_id: str,
    object_type: str = "sensor",
    services: list[dict[str, str]] | None = None,
    keys: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "operationType": "createDigitalTwin",
        "objectId": object_id,
        "objectType": object_type,
        "services": services if services is not None else [service("mqtt")],
        "keys": keys if keys is not None else [],
    }


def add_service(
    object_id: str, services: list[dict[str, str]], object_type: str = "sensor"
) -> dict[str, Any]:
    return {
        "operationType": "addService",
        "objectId": object_id,
        "objectType": object_type,
        "services": services,
    }


def service(
    key: str, uri: str = "mqtts://broker.example:8883", description: str = ""
) -> dict[str, str]:
    return {"key": key, "uri": uri, "description": description}
