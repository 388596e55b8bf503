"""Group commit: one writer thread turns many concurrent submissions into few transactions.

The event log and the message store both face callers that each want a few rows committed and
wait for the outcome. Committing once per caller costs one transaction (and, on SQLite, one turn
of the write lock and one WAL sync) each; a `GroupCommit` instead takes everything pending when
its thread wakes, commits it as one batch, and answers each caller's future. When the combined
commit fails because the database refused some of the items themselves, it commits each item on
its own, so that only the culprit fails; when it fails for another reason (a lost connection, a
lock timeout) trying each alone would fail as well, so every caller gets that error.

What differs between the stores — how items are committed, which errors are refusals and what
the caller sees of one, what has to happen before callers are answered — is given as functions.
"""

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from infrastructure.metrics import COMMIT_BATCH_SIZE, COMMIT_DURATION

T = TypeVar("T")
R = TypeVar("R")

NOTHING_HELD: AbstractContextManager[Any] = contextlib.nullcontext()

Outcome = BaseException | None
"""What became of one item: None when committed, else the error its caller receives."""


@dataclass
class _Submitted(Generic[T, R]):
    item: T
    future: Future[R] = field(default_factory=Future)


def _nothing_to_do(*_: object) -> None:
    """The default of the optional hooks."""


class GroupCommit(Generic[T, R]):
    """A daemon thread that commits submitted items in batches and answers each submitter.

    Items are committed and answered in the order they were submitted. A batch holds whatever
    is queued when the thread wakes, up to `max_weight` (measured by `weight`, e.g. rows): the
    bound keeps one transaction, and the wait of its first caller, from growing without limit.
    """

    def __init__(
        self,
        *,
        name: str,
        commit: Callable[[Sequence[T]], None],
        refusal: Callable[[BaseException], BaseException | None],
        result: Callable[[T], R],
        weight: Callable[[T], int],
        max_weight: int,
        join_timeout: float,
        settled: Callable[[Sequence[T], Sequence[Outcome]], None] = _nothing_to_do,
        holding: AbstractContextManager[Any] = NOTHING_HELD,
        stopped: Callable[[], None] = _nothing_to_do,
    ) -> None:
        """Start the thread `name`.

        - `commit` commits the items in one transaction, or raises and commits none of them.
        - `refusal` tells whether an error of `commit` is the database refusing the items
          themselves: it returns what the caller at fault receives, or None when the error is
          not about the items (then committing each alone could not help).
        - `result` is what a caller whose item was committed receives.
        - `settled` sees each batch's outcomes before any of its callers is answered, so that
          what callers then read reflects their writes; `holding` is held around each batch,
          from its commit(s) to its answers.
        - `stopped` runs on the thread when it ends, to release what the commits kept open.
        - `close` waits up to `join_timeout` seconds for what is queued to be committed.

        Each batch's size and commit time are measured under `name` (infrastructure/metrics.py).
        """
        self._commit = commit
        self._refusal = refusal
        self._result = result
        self._weight = weight
        self._max_weight = max_weight
        self._join_timeout = join_timeout
        self._settled = settled
        self._holding = holding
        self._stopped = stopped
        self._queue: queue.SimpleQueue[_Submitted[T, R] | None] = queue.SimpleQueue()
        self._batch_sizes = COMMIT_BATCH_SIZE.labels(name)
        self._commit_times = COMMIT_DURATION.labels(name)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, item: T) -> Future[R]:
        """Queue the item for the next batch; the future resolves once its commit has returned."""
        submitted: _Submitted[T, R] = _Submitted(item)
        self._queue.put(submitted)
        return submitted.future

    def close(self) -> None:
        """Commit what was submitted before, then stop the thread."""
        self._queue.put(None)
        self._thread.join(timeout=self._join_timeout)

    def _run(self) -> None:
        try:
            while True:
                first = self._queue.get()
                if first is None:
                    return
                batch, stop = self._drain(first)
                with self._holding:
                    started = time.perf_counter()
                    outcomes = self._commit_batch([s.item for s in batch])
                    self._commit_times.observe(time.perf_counter() - started)
                    self._batch_sizes.observe(len(batch))
                    self._settle(batch, outcomes)
                if stop:
                    return
        finally:
            self._stopped()

    def _drain(self, first: _Submitted[T, R]) -> tuple[list[_Submitted[T, R]], bool]:
        """The batch that starts with `first`, and whether `close` was called behind it."""
        batch, weight = [first], self._weight(first.item)
        while weight < self._max_weight:
            try:
                nxt = self._queue.get_nowait()
            except queue.Empty:
                break
            if nxt is None:
                return batch, True
            batch.append(nxt)
            weight += self._weight(nxt.item)
        return batch, False

    def _commit_batch(self, items: Sequence[T]) -> list[Outcome]:
        try:
            self._commit(items)
        except BaseException as error:
            refusal = self._refusal(error)
            if refusal is None:
                return [error] * len(items)
            if len(items) == 1:
                return [refusal]
            return self._commit_each(items)
        return [None] * len(items)

    def _commit_each(self, items: Sequence[T]) -> list[Outcome]:
        """One transaction per item; a failure that is not a refusal fails the rest untried."""
        outcomes: list[Outcome] = []
        for index, item in enumerate(items):
            try:
                self._commit([item])
            except BaseException as error:
                refusal = self._refusal(error)
                if refusal is None:
                    return outcomes + [error] * (len(items) - index)
                outcomes.append(refusal)
                continue
            outcomes.append(None)
        return outcomes

    def _settle(self, batch: Sequence[_Submitted[T, R]], outcomes: Sequence[Outcome]) -> None:
        self._settled([s.item for s in batch], outcomes)
        for submitted, outcome in zip(batch, outcomes, strict=True):
            if outcome is None:
                submitted.future.set_result(self._result(submitted.item))
            else:
                submitted.future.set_exception(outcome)
