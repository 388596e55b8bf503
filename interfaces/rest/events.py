"""`GET /events`: the event log for auditors, paged by global position.

Each event is the JSON line `fleetid log export` writes (the bytes the log's Merkle tree
hashes), placed in the page as it is, so what an auditor reads here can be checked the same way.
"""

from typing import Annotated, Any, ClassVar
from uuid import UUID

import msgspec
from litestar import Controller, MediaType, Response, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromQuery, QueryParameter

from application.authorization import Actor
from application.event_log import MAX_LIMIT, EventLogQueries
from application.ports.event_log import EventFilter
from interfaces.rest.times import DATE_TIME, time_bound

MAX_POSITION = 2**63 - 1


class EventEntry(msgspec.Struct):
    """One event, as `fleetid log export` writes it (documentation of the bytes sent)."""

    position: int
    aggregate_id: str
    aggregate_type: str
    version: int
    event_type: str
    recorded_at: str | None
    actor: str | None
    actor_kind: str | None
    interface: str | None
    data: dict[str, Any]


class EventsPage(msgspec.Struct):
    events: list[EventEntry]
    next: int
    more: bool


Name = Annotated[str | None, QueryParameter(max_length=64)]


class EventsController(Controller):
    path = "/events"
    tags = ["event log"]
    queries: ClassVar[EventLogQueries]

    @classmethod
    def bound_to(cls, queries: EventLogQueries) -> type["EventsController"]:
        return type(cls.__name__, (cls,), {"queries": queries})

    @get(
        "/",
        sync_to_thread=False,
        responses={200: ResponseSpec(EventsPage, description="a page of the event log")},
        summary="Events after a position, oldest first (auditors and admins)",
        description='Answers `{"events": [...], "next": N, "more": bool}`; pass `next` '
        "as `after` for the following page, now or later to follow the log. Each event carries "
        "its position, aggregate, version, type, recorded time, actor, interface and data as "
        "stored.",
    )
    def list_events(
        self,
        actor: NamedDependency[Actor],
        after: Annotated[
            int, QueryParameter(ge=0, description="a log position; any beyond the log is its end")
        ] = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 100,
        aggregate_id: FromQuery[UUID | None] = None,
        aggregate_type: Name = None,
        event_type: Name = None,
        actor_id: Annotated[str | None, QueryParameter(name="actor", max_length=64)] = None,
        since: Annotated[
            str | None,
            QueryParameter(name="from", description="recorded at or after", schema_extra=DATE_TIME),
        ] = None,
        until: Annotated[
            str | None,
            QueryParameter(name="to", description="recorded before", schema_extra=DATE_TIME),
        ] = None,
    ) -> Response[bytes]:
        page = self.queries.page(
            actor,
            EventFilter(
                after=min(after, MAX_POSITION),
                limit=limit,
                aggregate_id=aggregate_id,
                aggregate_type=aggregate_type,
                event_type=event_type,
                actor=actor_id,
                since=None if since is None else time_bound(since, "from"),
                until=None if until is None else time_bound(until, "to"),
            ),
        )
        tail = f'],"next":{page.next},"more":{"true" if page.more else "false"}}}'
        body = b'{"events":[' + b",".join(page.lines) + tail.encode()
        return Response(body, media_type=MediaType.JSON)
