"""Vacuums a read-model table on PostgreSQL once enough of its versions were closed.

Closing a row version is an UPDATE of `valid_to`, a column in every current-row index's
predicate, so it is never HOT: the closed version stays in those indexes, and index-only scans
fetch its heap page, until VACUUM removes it. Autovacuum decides per table but wakes once a
`autovacuum_naptime` (a minute by default, server-wide), while a burst of updates closes
thousands of versions a second: a list page fell from about 2,000/s to 450/s after one
(docs/architecture.md, "Read models under updates"). The projecting process counts the versions
it closes and vacuums a table (with ANALYZE, so the planner sees the table it now has) once
`FLEETID_VACUUM_AFTER` of them have accumulated, at most once per table every PAUSE seconds.
VACUUM takes no lock that blocks reads or writes; SQLite has no dead versions, so no keeper.
"""

import logging
import threading
import time
from collections import Counter
from collections.abc import Mapping

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

PAUSE = 2.0
"""Seconds between two vacuums of one table."""


class VacuumKeeper:
    def __init__(self, url: str, after: int) -> None:
        self._url = url
        self._after = after
        self._closed: Counter[str] = Counter()
        self._last: dict[str, float] = {}
        self._due = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="vacuum-keeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._due.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def closed(self, counts: Mapping[str, int]) -> None:
        """After a committed batch: how many versions it closed, by table."""
        if not counts:
            return
        with self._lock:
            self._closed.update(counts)
            if any(n >= self._after for n in self._closed.values()):
                self._due.set()

    def _run(self) -> None:
        conn: psycopg.Connection[tuple[object, ...]] | None = None
        while not self._stop.is_set():
            self._due.wait()
            if self._stop.is_set():
                break
            ready, pause = self._ready()
            if not ready:
                self._stop.wait(pause)
                continue
            for table in ready:
                try:
                    conn = conn or psycopg.connect(self._url, autocommit=True)
                    conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
                except psycopg.Error as error:
                    log.warning("vacuuming %s failed: %s", table, error)
                    if conn is not None:
                        conn.close()
                    conn = None
        if conn is not None:
            conn.close()

    def _ready(self) -> tuple[list[str], float]:
        """The tables due now, and how long until the next one's pause ends (0 when none
        waits: then nothing is due until `closed` says so again)."""
        now = time.monotonic()
        ready: list[str] = []
        pause = 0.0
        with self._lock:
            for table, count in self._closed.items():
                if count < self._after:
                    continue
                left = PAUSE - (now - self._last.get(table, -PAUSE))
                if left <= 0:
                    ready.append(table)
                else:
                    pause = min(pause, left) if pause else left
            for table in ready:
                del self._closed[table]
                self._last[table] = now
            if not ready and not pause:
                self._due.clear()
        return ready, pause
