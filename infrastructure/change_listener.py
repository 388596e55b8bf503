"""Wakes the projection runner when another process commits events or projections (PostgreSQL)."""

import logging
import threading
from collections.abc import Sequence

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

PROJECTED_CHANNEL = "fleetid_projected"


class ChangeListener:
    """LISTENs on the given channels and sets `wake` on each notification, until `stop`."""

    def __init__(
        self,
        url: str,
        channels: Sequence[str],
        *,
        wake: threading.Event,
        stop: threading.Event,
        interval: float,
    ) -> None:
        self._url = url
        self._channels = list(channels)
        self._wake = wake
        self._stop = stop
        self._interval = interval

    def run(self) -> None:
        """LISTEN for other processes' commits; reconnect on loss, polling covers the gap."""
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True) as conn:
                    for channel in self._channels:
                        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=self._interval, stop_after=1):
                            self._wake.set()
            except psycopg.Error:
                log.warning("lost the PostgreSQL notification channel; reconnecting")
                self._stop.wait(self._interval)
