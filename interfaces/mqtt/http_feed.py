"""Messages accepted over HTTP reach the channel's MQTT subscribers.

HTTP workers are other processes, so the broker follows the message store itself: each pack
stored over HTTP (its records share channel, publisher, subtopic and arrival time) is published
on `channels/{channel}/messages`, or `channels/{channel}/messages/{subtopic}` when it was sent
to one, as resolved SenML JSON at QoS 1. Rows committed out of id order
(concurrent writers on PostgreSQL) are waited for: an id missing below newer ones is a
transaction still committing, and is given `gap_wait` seconds before it is passed over.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from itertools import groupby

import msgspec

from application.ports.messages import MessageFeed, StoredMessage
from domain.senml import resolved_record

log = logging.getLogger(__name__)
Route = Callable[[str, bytes], object]
"""Publishes (topic, payload) to the channel's subscribers."""


class HttpFeed:
    """`listened` tells whether the channel (by id) has a subscriber: the embedded broker knows,
    and packs nobody will receive are not read back; behind a bridge the broker that holds the
    subscriptions is another, so every pack is read and published."""

    def __init__(
        self,
        feed: MessageFeed,
        route: Route,
        listened: Callable[[str], bool] = lambda _channel: True,
        interval: float = 0.05,
        gap_wait: float = 2.0,
    ) -> None:
        self._feed = feed
        self._route = route
        self._listened = listened
        self._interval = interval
        self._order = ArrivalOrder(feed.last_id(), gap_wait)

    async def run(self) -> None:
        while True:
            try:
                ids, rows = await asyncio.to_thread(
                    self._feed.after, self._order.watermark, self._listened
                )
                fresh = self._order.accept(ids, time.monotonic())
                self._deliver([row for row in rows if row.id in fresh])
            except Exception:
                log.exception("following the message store failed; retrying")
            await asyncio.sleep(self._interval)

    def _deliver(self, rows: list[StoredMessage]) -> None:
        for (channel, _publisher, _at, subtopic), pack in groupby(
            rows, key=lambda row: (row.channel, row.publisher, row.received_at, row.subtopic)
        ):
            payload = msgspec.json.encode([resolved_record(row.measurement) for row in pack])
            topic = f"channels/{channel}/messages"
            self._route(topic if subtopic is None else f"{topic}/{subtopic}", payload)


class ArrivalOrder:
    """Which ids are new, when rows may become visible out of id order."""

    def __init__(self, watermark: int, gap_wait: float) -> None:
        self.watermark = watermark
        """Every id up to here has been seen, or was waited for `gap_wait` seconds."""
        self._gap_wait = gap_wait
        self._seen: set[int] = set()
        self._gap_since: dict[int, float] = {}

    def accept(self, ids: list[int], now: float) -> set[int]:
        """The ids not seen before, out of those read above the watermark."""
        fresh = {i for i in ids if i > self.watermark and i not in self._seen}
        self._seen |= fresh
        while self._seen:
            following = self.watermark + 1
            if following in self._seen:
                self._seen.remove(following)
                self._gap_since.pop(following, None)
            elif now - self._gap_since.setdefault(following, now) >= self._gap_wait:
                self._gap_since.pop(following)
            else:
                break
            self.watermark = following
        return fresh
