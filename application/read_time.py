"""When reads answer for: now, or as of a past log position.

A request that asks for `as_of` sets the position for everything it calls; the read models'
adapters (infrastructure/read_connections.py) read it and answer from the versions true then.
Authorization reads the present inside such a block, with `at_present`.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

AS_OF: ContextVar[int | None] = ContextVar("fleetid_as_of", default=None)
"""The log position reads in this context answer as of; None: now."""


@contextmanager
def at_present() -> Iterator[None]:
    """Reads in this block see the read models as they are now, inside an `as_of` block too."""
    token = AS_OF.set(None)
    try:
        yield
    finally:
        AS_OF.reset(token)


@contextmanager
def as_of(position: int) -> Iterator[None]:
    """Every read in this block (and what it calls) sees the read models as they were when
    the projections had applied `position`."""
    token = AS_OF.set(position)
    try:
        yield
    finally:
        AS_OF.reset(token)
