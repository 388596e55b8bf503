"""The embedded broker's limits: every broker-side bound is explicit (docs/architecture.md §7)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_packet: int = 256 * 1024
    receive_maximum: int = 256
    """QoS 1 publishes a client may have unacknowledged, each way."""
    max_subscriptions: int = 100
    """Topic filters one session may hold."""
    max_queued: int = 10_000
    """QoS 1 messages kept for one session while its client is away or slow."""
    max_buffered: int = 16 * 1024 * 1024
    """Bytes waiting in a socket's buffer before its client is deemed stuck and disconnected."""
    connect_timeout: float = 10.0
    max_session_expiry: float = 24 * 60 * 60
    recheck_interval: float = 0.2
