"""A client's session: what outlives one network connection when the client asks for it.

Subscriptions, QoS 1 messages on their way to the client (sent and not yet acknowledged, or
waiting for room), and what the broker stored for each QoS 1 packet id the client sent, so a
retransmission (DUP) of a message already stored is acknowledged without storing it twice.
"""

import logging
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from uuid import UUID

from interfaces.mqtt.packets import Publish

if TYPE_CHECKING:
    from interfaces.mqtt.connection import Connection

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Session:
    client_id: str
    thing: UUID
    max_queued: int
    expiry: float = 0.0
    """Seconds the session outlives its connection."""
    subscriptions: dict[str, tuple[int, bool]] = field(default_factory=dict)
    """Filter to (granted QoS, no local)."""
    inflight: dict[int, Publish] = field(default_factory=dict)
    queued: deque[Publish] = field(default_factory=deque)
    stored: dict[int, str] = field(default_factory=dict)
    """Inbound QoS 1 packet id to the digest of the message stored under it."""
    connection: "Connection | None" = None
    disconnected_at: float | None = None
    dropped: int = 0
    _last_id: int = 0

    def next_packet_id(self) -> int:
        for _ in range(65535):
            self._last_id = self._last_id % 65535 + 1
            if self._last_id not in self.inflight:
                return self._last_id
        raise RuntimeError("no free packet identifier")

    def enqueue(self, message: Publish) -> None:
        """Hold a QoS 1 message until the client has room for it or reconnects. Past
        `max_queued` the oldest goes, and each loss is logged: never a silent drop."""
        if len(self.queued) >= self.max_queued:
            self.queued.popleft()
            self.dropped += 1
            log.warning(
                "client %s: queue full (%d), dropped its oldest message (%d dropped so far)",
                self.client_id,
                self.max_queued,
                self.dropped,
            )
        self.queued.append(message)

    def expired(self, now: float | None = None) -> bool:
        if self.connection is not None or self.disconnected_at is None:
            return False
        return (now or time.monotonic()) - self.disconnected_at >= self.expiry
