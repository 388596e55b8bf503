"""Topic names and filters: validity, matching, and an index of subscriptions by their root.

Every filter a client may hold starts with three concrete levels (`channels/{id}/messages` or
`to/module/{id}`), so subscriptions are bucketed by those and a message is matched only against
the filters of its own bucket.
"""

from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


def valid_name(topic: str) -> bool:
    """A topic a client may publish to: not empty, no wildcard."""
    return bool(topic) and "+" not in topic and "#" not in topic


def valid_filter(topic_filter: str) -> bool:
    if not topic_filter:
        return False
    levels = topic_filter.split("/")
    for index, level in enumerate(levels):
        if "#" in level and (level != "#" or index != len(levels) - 1):
            return False
        if "+" in level and level != "+":
            return False
    return True


def matches(topic_filter: str, topic: str) -> bool:
    wanted = topic_filter.split("/")
    given = topic.split("/")
    for index, level in enumerate(wanted):
        if level == "#":
            return True
        if index >= len(given) or (level != "+" and level != given[index]):
            return False
    return len(wanted) == len(given)


def root(topic: str) -> str | None:
    """The first three levels when all three are concrete; None for anything else."""
    levels = topic.split("/", 3)
    if len(levels) < 3 or any(level in ("+", "#") for level in levels[:3]):
        return None
    return "/".join(levels[:3])


class SubscriptionIndex(Generic[T]):
    """Subscribers (any hashable) by filter, found by topic."""

    def __init__(self) -> None:
        self._buckets: dict[str, dict[str, set[T]]] = {}

    def add(self, topic_filter: str, subscriber: T) -> None:
        key = root(topic_filter)
        assert key is not None, "only filters with a concrete root are indexed"
        self._buckets.setdefault(key, {}).setdefault(topic_filter, set()).add(subscriber)

    def discard(self, topic_filter: str, subscriber: T) -> None:
        key = root(topic_filter)
        bucket = self._buckets.get(key) if key else None
        if bucket is None:
            return
        holders = bucket.get(topic_filter)
        if holders is None:
            return
        holders.discard(subscriber)
        if not holders:
            del bucket[topic_filter]
            if not bucket:
                del self._buckets[key]  # type: ignore[arg-type]

    def covers(self, root_topic: str) -> bool:
        """Whether any filter is held under these three concrete levels."""
        return root_topic in self._buckets

    def match(self, topic: str) -> Iterator[tuple[str, T]]:
        key = root(topic)
        bucket = self._buckets.get(key) if key else None
        if not bucket:
            return
        for topic_filter, holders in bucket.items():
            if matches(topic_filter, topic):
                for holder in holders:
                    yield topic_filter, holder
