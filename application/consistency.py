"""Running a command: save, retry on stale writes, then wait until the read models show it.

Commands are awaited, not run in threads: a command waiting for its group commit holds no
thread, so many can share one commit without a thread each.
"""

import asyncio
import random
from collections.abc import Callable, Sequence
from typing import TypeVar

from eventsourcing.domain import Aggregate

from application.ports.storage import EventWriter, ReadModelSync, StaleWrite
from domain.errors import Conflict

T = TypeVar("T")

ATTEMPTS = 24
BACKOFF_SECONDS = 0.002
MAX_BACKOFF_SECONDS = 0.05
"""A rerun waits a random time up to BACKOFF_SECONDS doubled after each stale write, at most
MAX_BACKOFF_SECONDS: a command that lost a race to one that keeps its state cached (another
process's) would otherwise lose each rerun the same way. Under two writers hammering one entity
a command loses about a third of its reruns, so 24 make a 409 a matter of seconds of contention,
not of bad luck."""


class ConcurrentModification(Conflict):
    reason = "concurrent_modification"


async def run_command(
    writer: EventWriter,
    sync: ReadModelSync,
    command: Callable[[], tuple[T, Sequence[Aggregate]]],
) -> T:
    """`command` loads fresh state, decides, and returns (result, aggregates to save).

    A stale write means another command won the race; re-running on fresh state either succeeds
    or raises the domain error the new state calls for (e.g. identity taken). `command` may
    raise StaleWrite itself when what it loaded is older than what the read models already
    showed (another process's change this one has not followed yet): it is re-run alike.
    """
    for attempt in range(ATTEMPTS):
        try:
            result, changed = command()
            position = await asyncio.wrap_future(writer.submit(*changed))
        except StaleWrite:
            await asyncio.sleep(
                random.uniform(0, min(MAX_BACKOFF_SECONDS, BACKOFF_SECONDS * 2**attempt))
            )
            continue
        await sync.settled(position)
        return result
    raise ConcurrentModification("the entity kept changing; try again")
