"""Limits on guessing secrets: after a number of failed checks, each further attempt by the
same identity or client address waits, twice as long after each failure, up to a cap.

Failures are counted where every HTTP worker and FleetID process sees them (`FailureLog`), by
keyed hashes (identities are personal data). The count is read before the secret is checked, so
a locked-out guess costs no Argon2; only failures write, so a right secret costs one read.
"""

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from application.ports.metrics import RefusalCounter
from application.ports.security import BlindIndex, FailureCount, FailureLog
from domain.errors import DomainError, Forbidden, Unauthenticated
from domain.identities import comparable

T = TypeVar("T")
MAX_DOUBLINGS = 40
"""Beyond this, any cap is reached: keeps the power of two small."""
CLIENT = "client"
IDENTITY = "identity"


class TooManyAttempts(DomainError):
    reason = "too_many_attempts"

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(f"too many failed attempts: retry in {self.retry_after} s")


@dataclass(frozen=True)
class Limits:
    identity_failures: int
    """Failures in a row an identity may have before sign-in waits; 0: no limit."""
    client_failures: int
    """Failures a client address may have before its secret checks wait; 0: no limit."""
    first_delay: float
    """Seconds the first wait lasts; each further failure doubles it."""
    max_delay: float
    forget_after: float
    """Seconds without a failure after which a count starts again."""

    def wait(self, allowed: int, count: FailureCount | None, now: float) -> float:
        """Seconds until the next attempt may be checked (0 or less: now)."""
        if count is None or count.last_failure < now - self.forget_after:
            return 0.0
        beyond = count.failures - allowed
        if beyond < 0:
            return 0.0
        delay = min(math.ldexp(self.first_delay, min(beyond, MAX_DOUBLINGS)), self.max_delay)
        return count.last_failure + delay - now


class _Watched(NamedTuple):
    allowed: int
    """Failures the counter allows before attempts wait."""
    limit: str
    """Which limit it is, as refusals are counted: CLIENT or IDENTITY."""


class Throttle:
    def __init__(
        self,
        log: FailureLog,
        blind: BlindIndex,
        limits: Limits,
        refusals: RefusalCounter,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._log = log
        self._blind = blind
        self._limits = limits
        self._refusals = refusals
        self._clock = clock

    def _identity_key(self, identity: str | None) -> str | None:
        if identity is None or not self._limits.identity_failures:
            return None
        return self._blind.key(f"throttle:identity:{comparable(identity)}")

    def _watched(self, client: str, identity_key: str | None) -> dict[str, _Watched]:
        """The failure counters an attempt is judged by, with the failures each allows."""
        limits = self._limits
        watched: dict[str, _Watched] = {}
        if limits.client_failures:
            key = self._blind.key(f"throttle:client:{client}")
            watched[key] = _Watched(limits.client_failures, CLIENT)
        if identity_key is not None:
            watched[identity_key] = _Watched(limits.identity_failures, IDENTITY)
        return watched

    def _admit(self, watched: dict[str, _Watched]) -> dict[str, FailureCount | None]:
        """The counts, or TooManyAttempts (counted by the limit that waits longest) while any
        of them must wait."""
        now = self._clock()
        counts = {key: self._log.count(key) for key in watched}
        waits = {k: self._limits.wait(watched[k].allowed, c, now) for k, c in counts.items()}
        longest = max(waits, key=waits.__getitem__, default=None)
        if longest is not None and waits[longest] > 0:
            self._refusals.refused(watched[longest].limit)
            raise TooManyAttempts(waits[longest])
        return counts

    def _record(self, watched: dict[str, _Watched]) -> None:
        failed = self._clock()
        for key in watched:
            self._log.record(key, failed, failed - self._limits.forget_after)

    @contextmanager
    def guarding(self, client: str, identity: str | None = None) -> Iterator[None]:
        """Around a secret check: refused (TooManyAttempts) while the client or the identity
        must wait; an Unauthenticated or Forbidden answer inside counts as a failure of both; a
        success clears the identity's count (not the client's: one good account must not buy
        more guesses at others)."""
        identity_key = self._identity_key(identity)
        watched = self._watched(client, identity_key)
        counts = self._admit(watched)
        try:
            yield
        except (Unauthenticated, Forbidden):
            self._record(watched)
            raise
        if identity_key is not None and counts[identity_key] is not None:
            self._log.clear(identity_key)

    def spend(self, client: str, identity: str) -> None:
        """For a request that costs something whatever it finds (a password reset e-mail):
        refused while the client or the identity must wait, and counted like a failure."""
        watched = self._watched(client, self._identity_key(identity))
        self._admit(watched)
        self._record(watched)

    def admits(self, client: str, check: Callable[[], T | None]) -> T | None:
        """For callers that can only answer yes or no (MQTT authentication): what `check`
        finds, or None when it finds nothing (a failure) or the client must wait (unchecked;
        a broker does not retry after a 429, it would try its next authenticator)."""
        try:
            with self.guarding(client):
                found = check()
                if found is None:
                    raise Unauthenticated("refused")
        except (Unauthenticated, TooManyAttempts):
            return None
        return found
