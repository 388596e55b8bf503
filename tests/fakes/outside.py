"""The remaining ports kept in memory: failed attempts, sent mail, erased subjects' keys."""

import threading
from typing import Any

from application.ports.mail import Mail
from application.ports.security import FailureCount
from infrastructure.issued_keys import KeySeal


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


class MemoryIssuedKeys:
    """`IssuedKeys` as SqlIssuedKeys answers it, sealed by the real seal."""

    def __init__(self, seal: KeySeal) -> None:
        self._seal = seal
        self._rows: dict[str, tuple[int, int, bytes]] = {}

    def put(self, batch: int, keys: list[tuple[int, str, bytes]]) -> None:
        for index, serial, sealed in keys:
            self._rows[serial] = (batch, index, sealed)

    def discard_from(self, batch: int, index: int) -> None:
        self._rows = {k: v for k, v in self._rows.items() if v[0] != batch or v[1] < index}

    def sealed(self, batch: int, first: int, last: int) -> dict[str, bytes]:
        return {k: v[2] for k, v in self._rows.items() if v[0] == batch and first <= v[1] <= last}

    def destroy(self, batch: int) -> None:
        self._rows = {k: v for k, v in self._rows.items() if v[0] != batch}

    def open(self, serial: str, sealed: bytes) -> bytes:
        return self._seal.open(serial, sealed)


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
