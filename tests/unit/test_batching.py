"""The group-commit mechanism both writers share, without a database: what is queued together is
committed together, a refused item fails alone, any other failure fails everyone it touched.

The first item's commit blocks until the test has queued the rest, so that they wait in one
batch for certain."""

import threading
from collections.abc import Sequence
from concurrent.futures import Future

import pytest

from infrastructure.batching import GroupCommit, Outcome


class Refused(Exception):
    """Stands for the database refusing an item."""


class Gone(Exception):
    """Stands for a lost connection: not about the items."""


class Store:
    """Commits ints: refuses a batch with a negative one, and fails one with an int of 100 or
    more as if the connection were lost."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.commits: list[list[int]] = []
        self.stored: list[int] = []
        self.settled: list[tuple[list[int], list[Outcome]]] = []
        self.stopped_on = ""

    def commit(self, items: Sequence[int]) -> None:
        self.entered.set()
        self.release.wait(10)
        self.commits.append(list(items))
        if any(i < 0 for i in items):
            raise Refused(f"refused {items}")
        if any(i >= 100 for i in items):
            raise Gone("the database is gone")
        self.stored += items

    def settle(self, items: Sequence[int], outcomes: Sequence[Outcome]) -> None:
        """Records what the writer knew before answering anyone."""
        self.settled.append((list(items), list(outcomes)))

    def stop(self) -> None:
        self.stopped_on = threading.current_thread().name


def writer(store: Store, max_weight: int = 100) -> GroupCommit[int, str]:
    return GroupCommit(
        name="test-writer",
        commit=store.commit,
        refusal=lambda e: ValueError(str(e)) if isinstance(e, Refused) else None,
        result=lambda item: f"stored {item}",
        weight=lambda item: 2,
        max_weight=max_weight,
        join_timeout=10,
        settled=store.settle,
        stopped=store.stop,
    )


def queued_behind(
    store: Store, group: GroupCommit[int, str], first: int, *rest: int
) -> list[Future[str]]:
    """Submits `first`, and `rest` once the writer is busy committing it, then lets it go on."""
    futures = [group.submit(first)]
    store.entered.wait(10)
    futures += [group.submit(i) for i in rest]
    store.release.set()
    return futures


def test_a_refused_item_fails_alone_and_everyone_else_is_answered_in_order() -> None:
    store = Store()
    group = writer(store)
    first, before, bad, after = queued_behind(store, group, 1, 2, -3, 4)
    assert [f.result(10) for f in (first, before, after)] == ["stored 1", "stored 2", "stored 4"]
    with pytest.raises(ValueError, match="refused"):
        bad.result(10)
    group.close()
    assert store.commits == [[1], [2, -3, 4], [2], [-3], [4]]
    assert store.stored == [1, 2, 4]
    assert store.settled[1] == ([2, -3, 4], [None, bad.exception(), None])


def test_a_failure_not_about_the_items_fails_them_and_the_rest_untried() -> None:
    store = Store()
    group = writer(store)
    alone, ok, bad, gone, untried = queued_behind(store, group, 100, 2, -3, 101, 5)
    group.close()
    assert isinstance(alone.exception(10), Gone)
    assert ok.result(10) == "stored 2"
    assert isinstance(bad.exception(10), ValueError)
    assert isinstance(gone.exception(10), Gone)
    assert untried.exception(10) is gone.exception(10)
    assert store.commits == [[100], [2, -3, 101, 5], [2], [-3], [101]]


def test_batches_stop_growing_at_the_weight_bound_and_close_commits_what_is_queued() -> None:
    store = Store()
    group = writer(store, max_weight=4)
    futures = queued_behind(store, group, 0, 1, 2, 3, 4)
    group.close()
    assert [f.result(10) for f in futures] == [f"stored {i}" for i in range(5)]
    assert store.commits == [[0], [1, 2], [3, 4]]
    assert store.stopped_on == "test-writer"
