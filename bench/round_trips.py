"""A write, then its read on a connection of its own, timed while wrk loads the server.

The write goes over one keep-alive connection; each read opens a new one, which the server
hands to any of its workers, so with two workers about half of the reads are served by a
worker that did not write. The pair's time is what a client waits from sending the write to
holding its read; a read that does not show the write is counted, and fails the bench.
The probe writes the admin's own tags, which no wrk scenario touches.
"""

import threading
import time
from dataclasses import dataclass, field

from bench.api import Client


@dataclass
class RoundTrips:
    pairs_ms: list[float] = field(default_factory=list)
    stale: int = 0
    failed: int = 0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.pairs_ms)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


class Probe:
    """Runs pairs back to back on a thread of its own from `start` until `stop`."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self._host, self._port, self._token = host, port, token
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._run, name="round-trips", daemon=True)
        self.result = RoundTrips()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> RoundTrips:
        self._halt.set()
        self._thread.join(timeout=60)
        return self.result

    def _run(self) -> None:
        writer = Client(self._host, self._port, self._token)
        try:
            status, profile = writer.call("GET", "/users/profile")
            if status != 200:
                self.result.failed += 1
                return
            path = f"/users/{profile['id']}"
            count = 0
            while not self._halt.is_set():
                count += 1
                self._pair(writer, path, f"probe-{count}")
        finally:
            writer.close()

    def _pair(self, writer: Client, path: str, tag: str) -> None:
        began = time.perf_counter()
        status, _ = writer.call("PATCH", f"{path}/tags", {"tags": [tag]})
        if status != 200:
            self.result.failed += 1
            return
        reader = Client(self._host, self._port, self._token)
        try:
            status, body = reader.call("GET", path)
        finally:
            reader.close()
        elapsed = (time.perf_counter() - began) * 1000
        if status != 200:
            self.result.failed += 1
        elif body.get("tags") != [tag]:
            self.result.stale += 1
        else:
            self.result.pairs_ms.append(elapsed)
