"""The message store in memory: what the telemetry services write and the reader pages."""

import math
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from uuid import UUID

from application.ports.messages import (
    AggregatePage,
    AggregateView,
    Aggregation,
    MessageFilter,
    MessagePage,
    MessageView,
    Receipt,
)
from domain.senml import Measurement

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "eq": lambda stored, asked: stored == asked,
    "lt": lambda stored, asked: stored < asked,
    "le": lambda stored, asked: stored <= asked,
    "gt": lambda stored, asked: stored > asked,
    "ge": lambda stored, asked: stored >= asked,
}
_EQUAL = ("publisher", "name", "subtopic", "string_value", "bool_value", "data_value")
_FOLD: dict[str, Callable[[list[float]], float]] = {
    "min": min,
    "max": max,
    "sum": math.fsum,
    "avg": lambda values: math.fsum(values) / len(values),
}


@dataclass(frozen=True)
class _Stored:
    arrival: int
    view: MessageView


class MemoryMessages:
    """MessageSink and MessageViews over one list; a pack is durable once `append` returns."""

    def __init__(self) -> None:
        self._stored: list[_Stored] = []
        self._receipts: dict[tuple[str, int], str] = {}
        self._lock = threading.Lock()

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
        with self._lock:
            for m in measurements:
                view = MessageView(channel, publisher, protocol, subtopic=subtopic, **asdict(m))
                self._stored.append(_Stored(len(self._stored), view))
            if receipt is not None:
                self._receipts[receipt.client_id, receipt.packet_id] = receipt.digest
        done: Future[None] = Future()
        done.set_result(None)
        return done

    def received(self, client_id: str, packet_id: int) -> str | None:
        return self._receipts.get((client_id, packet_id))

    def page(self, query: MessageFilter) -> MessagePage:
        found = sorted(self._matching(query), key=lambda s: (s.view.time, s.arrival), reverse=True)
        chosen = found[query.offset : query.offset + query.limit]
        return MessagePage(len(found), query.offset, query.limit, [s.view for s in chosen])

    def aggregate(
        self, query: MessageFilter, function: Aggregation, interval: float
    ) -> AggregatePage:
        windows: defaultdict[tuple[float, str, str | None], list[float]] = defaultdict(list)
        for stored in self._matching(query):
            m = stored.view
            if function != "count" and m.value is None:
                continue
            start = math.floor(m.time / interval) * interval
            windows[start, m.name, m.unit].append(m.value if m.value is not None else 0.0)
        ordered = sorted(windows, key=lambda w: (-w[0], w[1], w[2] or ""))
        points = [
            AggregateView(query.channel, name, unit, start, self._fold(function, windows[key]))
            for key in ordered[query.offset : query.offset + query.limit]
            for start, name, unit in [key]
        ]
        return AggregatePage(len(windows), query.offset, query.limit, points)

    @staticmethod
    def _fold(function: Aggregation, values: list[float]) -> float:
        return float(len(values)) if function == "count" else _FOLD[function](values)

    def _matching(self, query: MessageFilter) -> list[_Stored]:
        with self._lock:
            stored = list(self._stored)
        return [s for s in stored if _matches(s.view, query)]


def _matches(m: MessageView, query: MessageFilter) -> bool:
    if m.channel != query.channel:
        return False
    for name in _EQUAL:
        asked = getattr(query, name)
        if asked is not None and getattr(m, name) != asked:
            return False
    if query.since is not None and m.time < query.since:
        return False
    if query.until is not None and m.time >= query.until:
        return False
    if query.value is not None:
        return m.value is not None and _COMPARE[query.comparator](m.value, query.value)
    return True
