"""Twin keys read by maintained libraries: `cryptography` for the NIST and secp256k1 curves
(from_encoded_point refuses a point off its curve), libsodium (PyNaCl) for Ed25519, whose
point `cryptography` would take unchecked."""

import base64

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from nacl.bindings import crypto_core_ed25519_is_valid_point

CURVES: dict[str, tuple[ec.EllipticCurve, str]] = {
    "Secp256k1": (ec.SECP256K1(), "secp256k1"),
    "P-256": (ec.SECP256R1(), "P-256"),
}
ED25519 = "Ed25519"
COORDINATE = 32


class CryptographyKeys:
    def fault(self, kind: str, raw: bytes) -> str | None:
        if kind == ED25519:
            if len(raw) != COORDINATE:
                return "an Ed25519 public key is 32 bytes"
            if not crypto_core_ed25519_is_valid_point(raw):
                return "not a point of Ed25519 (or one of small order)"
            return None
        curve, name = CURVES[kind]
        if len(raw) not in (COORDINATE + 1, 2 * COORDINATE + 1):
            return f"a {name} public key is 33 bytes (compressed) or 65 (uncompressed)"
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(curve, raw)
        except ValueError:
            return f"not a point of {name}"
        return None

    def jwk(self, kind: str, raw: bytes) -> dict[str, str]:
        if kind == ED25519:
            return {"kty": "OKP", "crv": "Ed25519", "x": _b64(raw)}
        curve, name = CURVES[kind]
        numbers = ec.EllipticCurvePublicKey.from_encoded_point(curve, raw).public_numbers()
        return {
            "kty": "EC",
            "crv": name,
            "x": _b64(numbers.x.to_bytes(COORDINATE, "big")),
            "y": _b64(numbers.y.to_bytes(COORDINATE, "big")),
        }

    def verify(self, kind: str, raw: bytes, message: bytes, signature: bytes) -> bool:
        try:
            if kind == ED25519:
                ed25519.Ed25519PublicKey.from_public_bytes(raw).verify(signature, message)
                return True
            curve, _ = CURVES[kind]
            key = ec.EllipticCurvePublicKey.from_encoded_point(curve, raw)
            if len(signature) == 2 * COORDINATE:
                r = int.from_bytes(signature[:COORDINATE], "big")
                s = int.from_bytes(signature[COORDINATE:], "big")
                signature = encode_dss_signature(r, s)
            key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
            return True
        except (InvalidSignature, ValueError):
            return False


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
