"""The event log as auditors read it, and the history access explanations replay."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID


@dataclass(frozen=True)
class EventFilter:
    after: int = 0
    """Events after this log position (the previous page's `next`)."""
    limit: int = 100
    aggregate_id: UUID | None = None
    aggregate_type: str | None = None
    event_type: str | None = None
    actor: str | None = None
    since: datetime | None = None
    """Inclusive lower bound on the recorded time."""
    until: datetime | None = None
    """Exclusive upper bound on the recorded time."""


@dataclass(frozen=True)
class EventPage:
    lines: list[bytes]
    """Each event as its exported JSON line (infrastructure/log_entries.py)."""
    next: int
    """The `after` of the next page: this page's last position (the query's when it is empty)."""
    more: bool
    """Whether more events matched than the page holds."""


class EventLogViews(Protocol):
    def page(self, query: EventFilter) -> EventPage: ...


Version = tuple[int, int | None, Any]
"""One version of a value: (valid_from, valid_to, value), valid_to None while current."""


@dataclass(frozen=True)
class LoggedEvent:
    position: int
    aggregate_id: str
    aggregate_type: str
    event_type: str


class AccessHistory(Protocol):
    """The inputs of access decisions through time, from the read models' history rows."""

    def kind_of(self, entity: UUID) -> str | None:
        """'user', 'thing', 'channel' or 'group' (None: no such id was ever recorded)."""
        ...

    def column(self, kind: str, entity: UUID, column: str, until: int) -> list[Version]:
        """The versions of one column of a user, thing, channel or group begun by `until`."""
        ...

    def policies(
        self, subject: UUID, until: int, objects: Collection[UUID] | None = None
    ) -> dict[UUID, list[Version]]:
        """The versions of the actions `subject` held on each object (only `objects`, if
        given), begun by `until`."""
        ...

    def events_at(self, positions: Collection[int]) -> dict[int, LoggedEvent]: ...
