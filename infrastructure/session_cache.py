"""Session states (status, role, sessions_since) kept in memory between the events that change them.

Every authenticated request needs one; reading it from the read model would cost a query per
request. The cache forgets a user when this process sees an event that changes its session state,
and a generation counter keeps a read that raced such an event from being cached.
"""

import threading
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.utils import get_topic

from application.ports.users import SessionState, UserViews
from domain.users import User

TOPICS = tuple(
    get_topic(cls) for cls in (User.Enabled, User.Disabled, User.SecretChanged, User.Erased)
)
MAX_ENTRIES = 100_000


class SessionStateCache:
    def __init__(self, views: UserViews) -> None:
        self._views = views
        self._states: dict[UUID, SessionState] = {}
        self._generation = 0
        self._lock = threading.Lock()

    def session_state(self, user_id: UUID) -> SessionState | None:
        state = self._states.get(user_id)
        if state is not None:
            return state
        generation = self._generation
        state = self._views.session_state(user_id)
        if state is not None:
            with self._lock:
                if generation == self._generation:
                    if len(self._states) >= MAX_ENTRIES:
                        self._states.clear()
                    self._states[user_id] = state
        return state

    def observe(self, event: DomainEventProtocol[Any]) -> None:
        with self._lock:
            self._generation += 1
            self._states.pop(UUID(str(event.originator_id)), None)
