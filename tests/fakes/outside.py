"""The remaining ports kept in memory: failed attempts, sent mail, erased subjects' keys."""

import threading
from typing import Any

from application.ports.mail import Mail
from application.ports.security import FailureCount


class MemoryFailureLog:
    def __init__(self) -> None:
        self._counts: dict[str, FailureCount] = {}
        self._lock = threading.Lock()

    def count(self, key: str) -> FailureCount | None:
        return self._counts.get(key)

    def record(self, key: str, now: float, forget_before: float) -> None:
        """Counts forgotten go on the way, as the table's do."""
        with self._lock:
            kept = {k: c for k, c in self._counts.items() if c.last_failure >= forget_before}
            seen = kept.get(key)
            kept[key] = FailureCount(seen.failures + 1 if seen else 1, now)
            self._counts = kept

    def clear(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)


class MemoryResetRequests:
    def __init__(self) -> None:
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def first_since(self, key: str, now: float, window: float) -> bool:
        with self._lock:
            last = self._last.get(key)
            if last is not None and last >= now - window:
                return False
            self._last[key] = now
            return True


class MemorySealedKeys:
    def __init__(self) -> None:
        self._keys: dict[str, bytes] = {}

    def put(self, ref: str, algorithm: str, sealed: bytes) -> None:
        self._keys[ref] = sealed

    def get(self, ref: str) -> bytes | None:
        return self._keys.get(ref)


class MemoryMailer:
    """The outbox a scenario reads, as an operator reads the outbox table."""

    def __init__(self) -> None:
        self.sent: list[Mail] = []

    def send(self, mail: Mail) -> None:
        self.sent.append(mail)


class MemorySubjectKeys:
    """Which subjects were erased: in memory no event is sealed, so there is no key to drop."""

    def __init__(self) -> None:
        self.erased: set[str] = set()

    def erase(self, subject: str) -> None:
        self.erased.add(subject)


class NotInThisTier:
    """Stands in for the auditors' ports (the Merkle log, the exported event log, access
    history): they read the stored log itself, so they are tested on real databases only
    (tests/integration/test_log_tree.py, test_event_log.py, test_access_explain.py). Any use
    fails, naming the port, rather than answering something made up."""

    def __init__(self, port: str) -> None:
        self._port = port

    def __getattr__(self, name: str) -> Any:
        raise NotImplementedError(f"{self._port}.{name}: tested on real databases only")
