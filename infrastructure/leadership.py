"""Which process applies the projections: the one holding a lock; the others follow.

The lock only saves work. Correctness does not depend on it: the runner advances a projection's
position with a compare-and-set in the same transaction as its rows, so a second writer that
slipped in (a lock lost to a dropped connection, say) rolls back instead of applying twice.
"""

import contextlib
import fcntl
import logging
import os
import threading
import time
from pathlib import Path
from typing import Protocol

import psycopg

log = logging.getLogger(__name__)

ADVISORY_KEY = 0x46_4C_45_45_54_49_44  # "FLEETID"
LIVENESS_SECONDS = 1.0


class ProjectionLock(Protocol):
    def try_acquire(self) -> bool:
        """True while this process holds the lock (cheap to call repeatedly)."""
        ...

    def release(self) -> None: ...


class NeverLeads:
    """For a process whose saves the writer process commits: that process applies, this one
    follows (were it to lead, it would read back and apply what the writer applies itself)."""

    def try_acquire(self) -> bool:
        return False

    def release(self) -> None:
        """Nothing is held."""


class FileLock:
    """For SQLite: processes sharing a database file share this lock file beside it."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class AdvisoryLock:
    """For PostgreSQL: a session advisory lock on a connection of its own; lost with it."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None
        self._checked_at = 0.0

    def try_acquire(self) -> bool:
        """While held, the connection is checked at most once a second: the position fence,
        not this check, is what keeps a lost lock from applying twice."""
        try:
            if self._conn is not None:
                now = time.monotonic()
                if now - self._checked_at > LIVENESS_SECONDS:
                    self._conn.execute("SELECT 1")
                    self._checked_at = now
                return True
            conn = psycopg.connect(self._url, autocommit=True, connect_timeout=5)
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (ADVISORY_KEY,)).fetchone()
            if row is None or not row[0]:
                conn.close()
                return False
            self._conn = conn
            return True
        except psycopg.Error:
            log.warning("projection lock connection lost; following until it can be retaken")
            self.release()
            return False

    def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
            self._conn = None


class DatabaseWriteLock:
    """For SQLite: one writer at a time across threads and processes, queued by the kernel.

    SQLite's own busy handler sleeps and retries with growing pauses, which turns contention
    between the event writer, the projections and other worker processes into milliseconds of
    idle waiting. A thread lock orders this process's writers (flock does not exclude threads
    sharing a descriptor); flock then orders the processes."""

    def __init__(self, path: Path) -> None:
        self._thread_lock = threading.Lock()
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    def __enter__(self) -> None:
        self._thread_lock.acquire()
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._thread_lock.release()
            raise

    def __exit__(self, *_: object) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._thread_lock.release()
