"""What the MQTT side keeps outside the log: sessions that outlive their connection, and the
messages queued for FleetID's one connection to an external broker."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

Subscriptions = Sequence[tuple[str, int, bool]]
"""(topic filter, QoS, no local) of each subscription."""


@dataclass(frozen=True)
class StoredSession:
    client_id: str
    thing: UUID
    expiry: float
    subscriptions: list[tuple[str, int, bool]]
    disconnected_at: float | None


class SessionStore(Protocol):
    def load(self) -> list[StoredSession]: ...

    def save(
        self,
        client_id: str,
        thing: UUID,
        expiry: float,
        subscriptions: Subscriptions,
        disconnected_at: float | None = None,
    ) -> None:
        """Queued: the broker does not wait for the store."""
        ...

    def forget(self, client_id: str) -> None: ...

    def close(self) -> None:
        """Write what is queued, then stop."""
        ...


@dataclass(frozen=True)
class Outgoing:
    id: int
    topic: str
    payload: bytes


class Outbox(Protocol):
    def put(self, messages: list[tuple[str, bytes]]) -> None: ...

    def oldest(self, limit: int) -> list[Outgoing]: ...

    def remove(self, ids: list[int]) -> None: ...
