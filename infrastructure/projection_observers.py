"""Process-local reactions to the log (cache drops), run in every process once events commit."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.utils import get_topic

from infrastructure.batch_applier import BATCH, Entry, Unread
from infrastructure.event_store import EventLog


@dataclass(frozen=True)
class Observer:
    """A process-local reaction to some event topics, run in every process (e.g. cache drops)."""

    topics: tuple[str, ...]
    react: Callable[[DomainEventProtocol[Any]], None]


class ProjectionObservers:
    """The observers, and `forget` for each event's originator and version, up to the last
    event seen."""

    def __init__(
        self, log: EventLog, observers: Sequence[Observer], forget: Callable[[UUID, int], None]
    ) -> None:
        self._log = log
        self._observers = list(observers)
        self._topics = frozenset(t for o in observers for t in o.topics)
        self._forget = forget
        self._observed = log.recorder.max_notification_id() or 0

    def add(self, observer: Observer) -> None:
        self._observers.append(observer)
        self._topics |= frozenset(observer.topics)

    def watches(self, topic: str) -> bool:
        return topic in self._topics

    def saw(self, batch: Sequence[Entry]) -> None:
        """As the leader, after committing a non-empty batch."""
        for _, topic, event in batch:
            self._forget(event.originator_id, event.originator_version)
            if not isinstance(event, Unread):
                self._react(topic, event)
        self._observed = max(self._observed, batch[-1][0])

    def react(self, events: Sequence[DomainEventProtocol[Any]]) -> None:
        """This process's own events, committed elsewhere: react now, ahead of `follow`, which
        meets them again later (reactions are cache drops, so twice is harmless)."""
        for event in events:
            self._forget(event.originator_id, event.originator_version)
            topic = get_topic(type(event))
            if topic in self._topics:
                self._react(topic, event)

    def follow(self, stop: int) -> None:
        """As a follower, through the events up to `stop`, which the leader committed."""
        while self._observed < stop:
            notifications = self._log.recorder.select_notifications(
                start=self._observed, limit=BATCH, stop=stop, inclusive_of_start=False
            )
            for notification in notifications:
                self._forget(UUID(str(notification.originator_id)), notification.originator_version)
                if notification.topic in self._topics:
                    event = self._log.mapper.to_domain_event(notification)
                    self._react(notification.topic, event)
            self._observed = notifications[-1].id if len(notifications) == BATCH else stop

    def _react(self, topic: str, event: DomainEventProtocol[Any]) -> None:
        for observer in self._observers:
            if topic in observer.topics:
                observer.react(event)
