"""Tokens: sign-in with identity and secret, refresh, and turning an access token into an Actor."""

from dataclasses import dataclass
from uuid import UUID

from application.authorization import Actor
from application.identity_keys import IdentityKeys
from application.ports.security import BlindIndex, PasswordHasher, TokenCodec
from application.ports.storage import AggregateReader
from application.ports.users import SessionStates
from domain.errors import Unauthenticated
from domain.switchable import Status
from domain.users import Role, User

ACCESS = "access"
REFRESH = "refresh"
RESET = "reset"
"""A password reset token: a kind of its own, so it opens no session and no session opens it."""


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    access_type: str = "Bearer"


class Sessions:
    def __init__(
        self,
        reader: AggregateReader,
        states: SessionStates,
        hasher: PasswordHasher,
        blind: BlindIndex,
        tokens: TokenCodec,
        access_ttl: int,
        refresh_ttl: int,
    ) -> None:
        self._reader = reader
        self._states = states
        self._hasher = hasher
        self._identities = IdentityKeys(blind, reader)
        self._tokens = tokens
        self._access_ttl = access_ttl
        self._refresh_ttl = refresh_ttl

    def issue(self, identity: str, secret: str) -> TokenPair:
        """One answer for every failure, so a caller cannot tell unknown identities apart."""
        user = self._user_by_identity(identity)
        if user is None or user.secret_hash is None:
            self._hasher.burn()
            raise Unauthenticated("wrong identity or secret")
        if not self._hasher.verify(secret, user.secret_hash) or user.status is not Status.ENABLED:
            raise Unauthenticated("wrong identity or secret")
        return self._pair(user.id)

    def refresh(self, refresh_token: str) -> TokenPair:
        claims = self._tokens.decode(refresh_token, REFRESH)
        self._live_actor(claims.subject, claims.issued_at)
        return self._pair(claims.subject)

    def authenticate(self, access_token: str) -> Actor:
        claims = self._tokens.decode(access_token, ACCESS)
        return self._live_actor(claims.subject, claims.issued_at)

    def reset_token(self, identity: str, ttl: int) -> tuple[str, User] | None:
        """A reset token for the enabled user holding `identity`, or None."""
        user = self._user_by_identity(identity)
        if user is None or user.status is not Status.ENABLED:
            return None
        return self._tokens.issue(user.id, RESET, ttl), user

    def resetting(self, reset_token: str) -> Actor:
        """The user a reset token speaks for. It dies with the next secret change, its own
        included: each token resets once."""
        claims = self._tokens.decode(reset_token, RESET)
        return self._live_actor(claims.subject, claims.issued_at)

    def _live_actor(self, user_id: UUID, issued_at: float) -> Actor:
        """Tokens die with the user: disabled, erased, or issued before the last status or secret
        change (re-enable included, so a sign-in racing a disable cannot revive its token)."""
        state = self._states.session_state(user_id)
        if state is None or state.status != Status.ENABLED.value:
            raise Unauthenticated("user is not enabled")
        if state.sessions_since is not None and issued_at < state.sessions_since.timestamp():
            raise Unauthenticated("token was issued before the user's last status or secret change")
        return Actor(id=user_id, role=Role(state.role))

    def _pair(self, user_id: UUID) -> TokenPair:
        return TokenPair(
            access_token=self._tokens.issue(user_id, ACCESS, self._access_ttl),
            refresh_token=self._tokens.issue(user_id, REFRESH, self._refresh_ttl),
        )

    def _user_by_identity(self, identity: str) -> User | None:
        holder = self._identities.holder(identity)
        if holder is None:
            return None
        user = self._reader.get(holder)
        return user if isinstance(user, User) else None
