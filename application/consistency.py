"""Running a command: retry on stale writes, then wait until the read models show the result."""

from collections.abc import Callable
from typing import TypeVar

from application.ports import ReadModelSync, StaleWrite
from domain.errors import Conflict

T = TypeVar("T")

ATTEMPTS = 8


class ConcurrentModification(Conflict):
    reason = "concurrent_modification"


def run_command(sync: ReadModelSync, command: Callable[[], tuple[T, int]]) -> T:
    """`command` loads fresh state, decides, saves and returns (result, position).

    A stale write means another command won the race; re-running on fresh state either succeeds
    or raises the domain error the new state calls for (e.g. identity taken).
    """
    for _ in range(ATTEMPTS):
        try:
            result, position = command()
        except StaleWrite:
            continue
        sync.wait_for(position)
        return result
    raise ConcurrentModification("the entity kept changing; try again")
