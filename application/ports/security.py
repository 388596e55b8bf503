"""Secrets, tokens, blind indexes, per-subject keys and the record of failed attempts."""

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID


class PasswordHasher(Protocol):
    def hash(self, secret: str) -> str: ...

    def verify(self, secret: str, hashed: str) -> bool: ...

    def burn(self) -> None:
        """Spend the time of one verification, so unknown identities answer as slowly."""
        ...


class BlindIndex(Protocol):
    def key(self, value: str) -> str:
        """A keyed, irreversible lookup key for a unique value."""
        ...


@dataclass(frozen=True)
class FailureCount:
    failures: int
    last_failure: float
    """Seconds since the epoch."""


class ResetRequests(Protocol):
    """When each login last asked for a password reset code, where every worker sees it."""

    def first_since(self, key: str, now: float, window: float) -> bool:
        """Record a request for `key` and whether it is the first in `window` seconds,
        atomically: of two requests at once, one is first."""
        ...


class FailureLog(Protocol):
    """Failed secret checks by key, where every worker and process sees them."""

    def count(self, key: str) -> FailureCount | None: ...

    def record(self, key: str, now: float, forget_before: float) -> None:
        """One more failure, atomically; a count whose last failure is older than
        `forget_before` starts again at one."""
        ...

    def clear(self, key: str) -> None: ...


class SubjectKeys(Protocol):
    def erase(self, subject: str) -> None: ...


@dataclass(frozen=True)
class TokenClaims:
    subject: UUID
    kind: str
    issued_at: float
    expires_at: float


class TokenCodec(Protocol):
    def issue(self, subject: UUID, kind: str, ttl: int) -> str: ...

    def decode(self, token: str, kind: str) -> TokenClaims:
        """Raise domain Unauthenticated for a bad, expired or wrong-kind token."""
        ...


class SecretBox(Protocol):
    """Encrypts values the API must show again (thing secrets) under a key outside the log."""

    def seal(self, plaintext: str) -> str: ...

    def open(self, sealed: str) -> str: ...
