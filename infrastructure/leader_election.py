"""Whether this process applies the projections: it does while it holds the projection lock."""

from collections.abc import Callable

from infrastructure.leadership import ProjectionLock


class LeaderElection:
    """`elected` runs each time this process becomes the leader."""

    def __init__(self, lock: ProjectionLock, elected: Callable[[], None]) -> None:
        self._lock = lock
        self._elected = elected
        self._leading = False

    @property
    def leading(self) -> bool:
        return self._leading

    def try_lead(self) -> bool:
        was_leading = self._leading
        self._leading = self._lock.try_acquire()
        if self._leading and not was_leading:
            self._elected()
        return self._leading

    def step_down(self) -> None:
        """Follow from now on: another process applied first (the positions fenced this one)."""
        self._leading = False
        self._lock.release()

    def release(self) -> None:
        """Free the lock for another process, as this one stops."""
        self._lock.release()
