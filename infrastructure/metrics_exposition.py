"""What a scrape of `GET /metrics` reads: every process's metrics, and figures measured now.

In a `fleetid serve` run (infrastructure/metrics_dir.py) the HTTP workers and the MQTT broker
each write their own files, merged here whichever worker is asked; otherwise (one process, as in
the tests) this process's values. Collectors given to `Scrape` (the projection lag) are read at
each scrape, from the database every process shares.
"""

from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from infrastructure.metrics import REGISTRY
from infrastructure.metrics_dir import shared_dir

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
"""The text format every Prometheus version reads."""


class Scrape:
    def __init__(self, *collectors: Collector) -> None:
        self._registry = CollectorRegistry()
        directory = shared_dir()
        if directory is None:
            self._registry.register(REGISTRY)
        else:
            MultiProcessCollector(self._registry, directory)
        for collector in collectors:
            self._registry.register(collector)

    def text(self) -> bytes:
        return generate_latest(self._registry)
