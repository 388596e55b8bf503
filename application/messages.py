"""Publishing telemetry: a thing sends a SenML pack to a channel it may write to.

Messages are not events (docs/architecture.md §1): the publisher is authenticated and
authorized against the read model, the pack is resolved whole, and its records go to the
message store. The call returns only once they are durable, so an accepted pack is never lost.
"""

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from application.ports.connections import ChannelAccess, ConnectionViews
from application.ports.messages import MessageSink, Receipt
from application.ports.security import BlindIndex
from application.things import secret_lookup
from domain.errors import Forbidden, Unauthenticated
from domain.senml import resolve


@dataclass(frozen=True)
class Publisher:
    """A thing found allowed to write to a channel: only `authorize` makes one, so nothing is
    published unchecked. Interfaces authorize before they decode, so an unknown sender's
    payload is never parsed."""

    thing: UUID
    channel: UUID


class MessageCommands:
    def __init__(
        self,
        views: ConnectionViews,
        blind: BlindIndex,
        sink: MessageSink,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._views = views
        self._blind = blind
        self._sink = sink
        self._clock = clock

    def authorize(self, secret: str, channel_id: UUID) -> Publisher:
        """401 for an unknown or disabled secret, 403 unless connected to the enabled channel
        with m_write."""
        access = self._views.channel_access(secret_lookup(self._blind, secret), channel_id)
        return _publisher(access, channel_id)

    def already_stored(self, receipt: Receipt) -> bool:
        """Whether this very packet was stored before (a retransmission after a lost ack)."""
        return self._sink.received(receipt.client_id, receipt.packet_id) == receipt.digest

    def authorize_thing(self, thing_id: UUID, channel_id: UUID) -> Publisher:
        """As `authorize`, for a thing its transport has authenticated already (MQTT)."""
        return _publisher(self._views.thing_access(thing_id, channel_id), channel_id)

    async def publish(
        self,
        publisher: Publisher,
        pack: Any,
        protocol: str,
        receipt: Receipt | None = None,
        subtopic: str | None = None,
    ) -> int:
        """Store the pack's records, under the subtopic it was sent to; how many. Returns once
        they are durable. The subtopic was checked by the interface it came through, as MQTT
        topics are (`application.mqtt_access`)."""
        count, stored = self._append(publisher, pack, protocol, receipt, subtopic)
        await asyncio.wrap_future(stored)
        return count

    def submit(
        self,
        publisher: Publisher,
        pack: Any,
        protocol: str,
        receipt: Receipt | None = None,
        subtopic: str | None = None,
    ) -> Future[None]:
        """As `publish`, without waiting: the future resolves once the records are durable. An
        interface that acknowledges a burst of messages waits once for all of them, not once
        for each."""
        return self._append(publisher, pack, protocol, receipt, subtopic)[1]

    def _append(
        self,
        publisher: Publisher,
        pack: Any,
        protocol: str,
        receipt: Receipt | None,
        subtopic: str | None,
    ) -> tuple[int, Future[None]]:
        received_at = self._clock()
        measurements = resolve(pack, received_at)
        stored = self._sink.append(
            publisher.channel,
            publisher.thing,
            protocol,
            received_at,
            measurements,
            receipt,
            subtopic,
        )
        return len(measurements), stored


def _publisher(access: ChannelAccess | None, channel_id: UUID) -> Publisher:
    if access is None or not access.thing_enabled:
        raise Unauthenticated("unknown or disabled thing")
    if not access.may_publish:
        raise Forbidden("this thing may not publish to this channel (m_write)")
    return Publisher(access.thing, channel_id)
