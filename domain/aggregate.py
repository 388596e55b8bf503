"""The base every FleetID aggregate shares, so that no event can be recorded without its cause."""

from typing import ClassVar

from eventsourcing.domain import Aggregate

from domain.causes import Cause


class FleetAggregate(Aggregate):
    """Event bodies replace attributes (`self.tags = tags`) and never mutate them in place:
    the write side hands out shallow copies of cached aggregates and relies on it.

    Every event carries its cause. Each event after the first also records who acted as the
    aggregate's `updated_by`, here and nowhere else, unless the aggregate says it keeps no
    such record (`records_updater = False`)."""

    records_updater: ClassVar[bool] = True
    cacheable: ClassVar[bool] = True
    """False for an aggregate too large to keep in every process's cache of recent ones."""
    updated_by: str | None

    class Event(Aggregate.Event):
        cause: Cause
        personal_fields: ClassVar[frozenset[str]] = frozenset()
        """Fields holding the subject's personal data: sealed under the subject's key in the log."""
        secret_fields: ClassVar[frozenset[str]] = frozenset()
        """Fields holding a secret or a secret's hash: sealed like personal data, so that neither
        auditors nor anyone who reads the log can read or attack it offline, and erasure shreds
        it. Events stored before hashes were sealed hold the hash in the clear, and still load."""

        def apply(self, aggregate: "FleetAggregate") -> None:
            if aggregate.records_updater:
                aggregate.updated_by = self.cause.actor

    class Created(Event, Aggregate.Created):
        def apply(self, aggregate: "FleetAggregate") -> None:
            """A new aggregate has been updated by nobody yet."""
            if aggregate.records_updater:
                aggregate.updated_by = None
