"""Telemetry: where messages are stored and how they are read."""

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Literal, Protocol
from uuid import UUID

from domain.senml import Measurement


@dataclass(frozen=True)
class Receipt:
    """The transport packet a pack came in (MQTT client and QoS 1 packet id, with a digest of
    what it carried), stored with the pack so a retransmission is recognised."""

    client_id: str
    packet_id: int
    digest: str


class MessageSink(Protocol):
    def append(
        self,
        channel: UUID,
        publisher: UUID,
        protocol: str,
        received_at: float,
        measurements: Sequence[Measurement],
        receipt: Receipt | None = None,
        subtopic: str | None = None,
    ) -> Future[None]:
        """Store the measurements (and the receipt, in the same transaction); the future
        resolves once they are durable."""
        ...

    def received(self, client_id: str, packet_id: int) -> str | None:
        """The digest last stored under this client's packet id."""
        ...


Comparator = Literal["eq", "lt", "le", "gt", "ge"]


@dataclass(frozen=True)
class MessageFilter:
    channel: UUID
    offset: int = 0
    limit: int = 10
    publisher: UUID | None = None
    name: str | None = None
    value: float | None = None
    comparator: Comparator = "eq"
    """How `value` compares the stored value with the one asked for (stored `lt` asked, …)."""
    string_value: str | None = None
    bool_value: bool | None = None
    data_value: str | None = None
    since: float | None = None
    """Inclusive lower bound on `time` (the API's `from`)."""
    until: float | None = None
    """Exclusive upper bound on `time` (the API's `to`)."""
    subtopic: str | None = None
    """Exactly this subtopic (`a/b` of `channels/{id}/messages/a/b`)."""


@dataclass(frozen=True)
class MessageView:
    channel: UUID
    publisher: UUID
    protocol: str
    name: str
    unit: str | None
    time: float
    update_time: float | None
    value: float | None
    string_value: str | None
    bool_value: bool | None
    data_value: str | None
    sum: float | None
    subtopic: str | None = None


@dataclass(frozen=True)
class MessagePage:
    total: int
    offset: int
    limit: int
    messages: list[MessageView]


Aggregation = Literal["min", "max", "avg", "sum", "count"]


@dataclass(frozen=True)
class AggregateView:
    """One time window of one series (name and unit): `count` counts every matching message,
    the other functions the numeric values."""

    channel: UUID
    name: str
    unit: str | None
    time: float
    """Start of the window, in seconds since the epoch (a multiple of the interval)."""
    value: float | None


@dataclass(frozen=True)
class AggregatePage:
    total: int
    offset: int
    limit: int
    points: list[AggregateView]


class MessageViews(Protocol):
    def page(self, query: MessageFilter) -> MessagePage:
        """Newest first (time, then arrival), `total` counting every match."""
        ...

    def aggregate(
        self, query: MessageFilter, function: Aggregation, interval: float
    ) -> AggregatePage:
        """Matching messages folded per series and window of `interval` seconds, newest
        window first; `total` counts the windows."""
        ...


@dataclass(frozen=True)
class StoredMessage:
    id: int
    channel: UUID
    publisher: UUID
    received_at: float
    measurement: Measurement
    subtopic: str | None = None


class MessageFeed(Protocol):
    """The message store in arrival order, for what follows it as it grows (the MQTT side
    delivering the packs accepted over HTTP)."""

    def last_id(self) -> int: ...

    def after(
        self, last_id: int, listened: Callable[[str], bool], limit: int = 5000
    ) -> tuple[list[int], list[StoredMessage]]:
        """The ids of the rows after `last_id` (in id order), and whole those of them stored
        over HTTP to a channel `listened` (by its id) holds: telemetry over MQTT is most of the
        table, and packs nobody subscribed to are most of the rest; both are only counted.
        The rows may include some above `last_id` that the ids do not (committed since)."""
        ...
