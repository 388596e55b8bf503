"""Pausing CPython's cyclic garbage collector around bulk batches.

A catch-up batch holds tens of thousands of events and rows alive until it commits; each
collection promotes them, and every quarter of the heap promoted that way sets off a full
collection that walks the whole heap. In a rebuild that was half the run time. The batch's
objects are freed by reference counting as soon as it ends, so pausing the collector while
it runs costs no memory worth counting. The pause is process-wide: other threads' cyclic
garbage waits for the batch to end (a second or so), which is why only bulk batches pause.
"""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_was_enabled = True


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection until the last thread inside leaves; then as before."""
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
