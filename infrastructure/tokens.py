"""JWT access and refresh tokens, signed with the server's Ed25519 key (EdDSA)."""

import time
from uuid import UUID

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from application.ports.security import TokenClaims
from domain.errors import Unauthenticated

ISSUER = "fleetid"
ALGORITHM = "EdDSA"


VERIFIED_CACHE_SIZE = 50_000


class JwtCodec:
    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        self._public = key.public_key()
        self._verified: dict[tuple[str, str], TokenClaims] = {}

    def issue(self, subject: UUID, kind: str, ttl: int) -> str:
        now = time.time()
        claims = {"iss": ISSUER, "sub": str(subject), "type": kind, "iat": now, "exp": now + ttl}
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def decode(self, token: str, kind: str) -> TokenClaims:
        """A token's signature is checked once; later uses only check its expiry."""
        known = self._verified.get((token, kind))
        if known is not None and known.expires_at > time.time():
            return known
        claims = self._verify(token, kind)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()
        self._verified[token, kind] = claims
        return claims

    def _verify(self, token: str, kind: str) -> TokenClaims:
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
