"""Publishes the positions the read models reached, and waits for one, blocking or async."""

import asyncio
import threading
import time
from collections.abc import Callable

from application.ports.storage import ConsistencyTimeout

BUSY_POLL_SECONDS = 0.002
"""How often a follower re-reads positions while one of its commands is waiting."""


class ReadModelWaiters:
    """`nudge` is called while a wait goes on: a follower then re-reads the positions sooner."""

    def __init__(
        self, positions: dict[str, int], *, timeout: float, nudge: Callable[[], None]
    ) -> None:
        self.positions = positions
        self._timeout = timeout
        self._nudge = nudge
        self._waiters = 0
        self._done = threading.Condition()

    @property
    def position(self) -> int:
        return min(self.positions.values(), default=0)

    @property
    def waiting(self) -> bool:
        return self._waiters > 0

    def publish(self, positions: dict[str, int]) -> None:
        with self._done:
            self.positions = positions
            self._done.notify_all()

    def advance(self, position: int) -> None:
        """Every read model is known to be at `position` at least (the writer process said so)."""
        with self._done:
            self.positions = {name: max(at, position) for name, at in self.positions.items()}
            self._done.notify_all()

    def wait_for(self, position: int) -> None:
        deadline = time.monotonic() + self._timeout
        with self._done:
            self._waiters += 1
            try:
                while self.position < position:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise self._timed_out(position)
                    self._nudge()
                    self._done.wait(remaining)
            finally:
                self._waiters -= 1

    async def settled(self, position: int) -> None:
        """`wait_for` for the event loop. On the leader the writer has usually applied the
        position before its caller resumes; a follower polls the positions its leader commits."""
        if self.position >= position:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeout
        with self._done:
            self._waiters += 1
        try:
            while self.position < position:
                if loop.time() > deadline:
                    raise self._timed_out(position)
                self._nudge()
                await asyncio.sleep(BUSY_POLL_SECONDS)
        finally:
            with self._done:
                self._waiters -= 1

    def _timed_out(self, position: int) -> ConsistencyTimeout:
        return ConsistencyTimeout(f"read models are behind: at {self.position}, need {position}")
