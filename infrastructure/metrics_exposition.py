"""What a scrape of `GET /metrics` reads: every process's metrics, and figures measured now.

In a `fleetid serve` run (infrastructure/metrics_dir.py) the HTTP workers and the MQTT broker
each write their own files, merged here whichever worker is asked; otherwise (one process, as in
the tests) this process's values. Collectors given to `Scrape` (the projection lag) are read at
each scrape, from the database every process shares.
"""

import threading
import time

from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from infrastructure.metrics import REGISTRY
from infrastructure.metrics_dir import shared_dir

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
"""The text format every Prometheus version reads."""
FRESH_FOR = 1.0
"""Seconds a rendered scrape is answered again: far below any scrape interval, and it bounds
what a flood of scrapes costs (each merges every process's files and queries the database)."""


class Scrape:
    def __init__(self, *collectors: Collector, fresh_for: float = FRESH_FOR) -> None:
        self._fresh_for = fresh_for
        self._rendered: tuple[float, bytes] | None = None
        self._lock = threading.Lock()
        self._registry = CollectorRegistry()
        directory = shared_dir()
        if directory is None:
            self._registry.register(REGISTRY)
        else:
            MultiProcessCollector(self._registry, directory)
        for collector in collectors:
            self._registry.register(collector)

    def text(self) -> bytes:
        """Concurrent scrapes wait for one render rather than each making their own."""
        with self._lock:
            now = time.monotonic()
            if self._rendered is None or now - self._rendered[0] >= self._fresh_for:
                self._rendered = (now, generate_latest(self._registry))
            return self._rendered[1]
