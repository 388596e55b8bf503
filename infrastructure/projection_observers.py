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
    """The observers, and the log's aggregate cache, kept in step with each event up to the
    last one seen: a cached aggregate takes the events others committed (`followed`), so the
    next command on it needs no reload."""

    def __init__(self, log: EventLog, observers: Sequence[Observer]) -> None:
        self._log = log
        self._cache = log.cache
        self._observers = list(observers)
        self._topics = frozenset(t for o in observers for t in o.topics)
        self._observed = log.recorder.max_notification_id() or 0

    def add(self, observer: Observer) -> None:
        self._observers.append(observer)
        self._topics |= frozenset(observer.topics)

    def watches(self, topic: str) -> bool:
        return topic in self._topics

    def saw(self, batch: Sequence[Entry]) -> None:
        """As the leader, after committing a non-empty batch."""
        for _, topic, event in batch:
            if isinstance(event, Unread):
                self._cache.outdated(event.originator_id, event.originator_version)
            else:
                self._cache.followed(event)
                self._react(topic, event)
        self._observed = max(self._observed, batch[-1][0])

    def react(self, events: Sequence[DomainEventProtocol[Any]]) -> None:
        """This process's own events, committed elsewhere: react now, ahead of `follow`, which
        meets them again later (reactions are cache drops, so twice is harmless)."""
        for event in events:
            self._cache.outdated(event.originator_id, event.originator_version)
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
                watched = notification.topic in self._topics
                cached = self._cache.behind(
                    UUID(str(notification.originator_id)), notification.originator_version
                )
                if not (watched or cached):
                    continue
                event = self._log.mapper.to_domain_event(notification)
                if cached:
                    self._cache.followed(event)
                if watched:
                    self._react(notification.topic, event)
            self._observed = notifications[-1].id if len(notifications) == BATCH else stop

    def _react(self, topic: str, event: DomainEventProtocol[Any]) -> None:
        for observer in self._observers:
            if topic in observer.topics:
                observer.react(event)
