"""JWT access and refresh tokens, signed with the server's Ed25519 key (EdDSA)."""

import time
from uuid import UUID

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from application.ports import TokenClaims
from domain.errors import Unauthenticated

ISSUER = "fleetid"
ALGORITHM = "EdDSA"


class JwtCodec:
    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        self._public = key.public_key()

    def issue(self, subject: UUID, kind: str, ttl: int) -> str:
        now = time.time()
        claims = {"iss": ISSUER, "sub": str(subject), "type": kind, "iat": now, "exp": now + ttl}
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def decode(self, token: str, kind: str) -> TokenClaims:
        try:
            claims = jwt.decode(
                token,
                self._public,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "type"]},
            )
            subject = UUID(claims["sub"])
        except (jwt.PyJWTError, ValueError):
            raise Unauthenticated("invalid or expired token") from None
        if claims["type"] != kind:
            raise Unauthenticated(f"expected a {kind} token")
        return TokenClaims(subject, kind, float(claims["iat"]), float(claims["exp"]))
