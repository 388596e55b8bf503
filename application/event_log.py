"""The event log for auditors: every event, in global order, as stored.

Only auditors and admins read it. It is the whole history, never compacted; personal fields are
shown as stored, sealed under keys that erasure destroys.
"""

from application.authorization import Actor
from application.ports.event_log import EventFilter, EventLogViews, EventPage
from domain.errors import Forbidden, InvalidValue

MAX_LIMIT = 1000


class EventLogQueries:
    def __init__(self, views: EventLogViews) -> None:
        self._views = views

    def page(self, actor: Actor, query: EventFilter) -> EventPage:
        if not actor.reads_the_log:
            raise Forbidden("only auditors and admins read the event log")
        if not 1 <= query.limit <= MAX_LIMIT:
            raise InvalidValue(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
        if query.after < 0:
            raise InvalidValue("after must not be negative", field="after")
        return self._views.page(query)
